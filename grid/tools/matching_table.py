"""Print how much of a flat load a 100 % clean-energy contract matches hour by hour, by contract mix.

Annual matching counts 100 % for every mix; hourly (24/7) matching counts only clean MWh in the hour
they are used. Site latitude from the climate catalog; wind shape of the region (grid/data/clean_supply.yaml).

    .venv/bin/python -m grid.tools.matching_table
"""

from __future__ import annotations

import numpy as np

from grid.clean_supply import contract_supply
from grid.climate import get_climate

SITES = (
    ("us-va-ashburn", "pjm-dominion"),
    ("us-tx-dallas", "ercot"),
    ("ie-dublin", "ireland"),
    ("se-lulea", "sweden-nordics"),
)
MIXES = {
    "solar": (1.0, 0.0, 0.0),
    "wind": (0.0, 1.0, 0.0),
    "50/50 solar+wind": (0.5, 0.5, 0.0),
    "firm": (0.0, 0.0, 1.0),
}


def matched_frac(*, site: str, region: str, mix: tuple[float, float, float], annual_match_frac: float = 1.0) -> float:
    load = np.full(8760, 1000.0)
    supply = contract_supply(
        annual_energy_kwh=float(load.sum()),
        annual_match_frac=annual_match_frac,
        solar_frac=mix[0],
        wind_frac=mix[1],
        firm_frac=mix[2],
        latitude_deg=get_climate(site).latitude,
        region_slug=region,
    ).supply_kwh
    return float(np.minimum(load, supply).sum() / load.sum())


def main() -> None:
    print("hourly-matched share of a flat load, contract = 100 % of annual energy (annual matching: 100 %)")
    print(f"{'site / region':34s}" + "".join(f"{name:>18s}" for name in MIXES))
    for site, region in SITES:
        cells = "".join(f"{100 * matched_frac(site=site, region=region, mix=mix):17.1f}%" for mix in MIXES.values())
        print(f"{site + ' / ' + region:34s}{cells}")


if __name__ == "__main__":
    main()
