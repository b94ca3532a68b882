"""Uncertainty bands per device from held-out residuals (pure, no Django).

    python -m accelerators.calibration_bands [--write]   # derive the bands (≈2 min), write data/calibration.yaml

A band is the p10-p90 range of measured / predicted over rows the engine was not fitted on:
- ML.ENERGY v3 (H100, B200; vLLM): leave-one-model-out, energy per token and throughput (1/ITL at the row's batch);
- MLPerf v4.1 (H100, H200, B200, L40S, MI300X; optimised stacks): leave-one-accelerator-out throughput, and
  the v4.0 H100 wall energy. For H200, L40S and MI300X (transferred constants) these are transfer residuals.
A device with residuals of its own gets their band (throughput, energy); a device without (the rest of the
catalog) gets the band of the transferred devices' held-out residuals (throughput) combined with the pooled
energy band. Bands are log-normal, centred on the engine's figure, with σ the rms of log(measured / predicted) (bias
and scatter of the held-out folds together); a device with fewer than 5 figures takes the pool's σ if wider;
p10/p90 = exp(∓ 1.2816 σ).
Coverage: each device's rows against the band built without that device (nested): the share inside p10-p90.
"""

from __future__ import annotations

import argparse
import math
import statistics

import numpy as np

Z90 = 1.2816  # standard normal 90th percentile


def _fit(values: list[float]) -> tuple[float, float]:
    """(0, rms) of log multipliers: a band centred on the engine's figure whose width holds the held-out bias
    and scatter together (a held-out bias is a fold's, not the shipped constants'); at least 0.03 (~±4 %)."""
    logs = [math.log(v) for v in values]
    rms = math.sqrt(statistics.fmean([x * x for x in logs]))
    return 0.0, max(rms, 0.03)


FEW = 5  # below this many held-out figures a device's own scatter is not trusted to be narrower than the pool's


def _own(values: list[float], pool: tuple[float, float]) -> tuple[float, float]:
    """A device's own (μ, σ), with σ no smaller than the pool's when it has few figures; the pool without any."""
    if len(values) < 2:
        return pool
    mu, sigma = _fit(values)
    return (mu, max(sigma, pool[1])) if len(values) < FEW else (mu, sigma)


def _band(mu: float, sigma: float) -> dict[str, float]:
    return {"p10": round(math.exp(mu - Z90 * sigma), 3), "p90": round(math.exp(mu + Z90 * sigma), 3)}


def held_out_multipliers() -> dict[str, dict[str, list[float]]]:
    """measured / predicted per device and quantity, from rows each prediction was not fitted on."""
    from accelerators import calibration as cal
    from accelerators import calibration_stacks as cs

    return multipliers_from(cal.leave_one_model_out(cal.all_rows()), cs.leave_one_out(cs.all_stack_rows(), "device"))


def multipliers_from(lomo: list[dict], loao: list[dict]) -> dict[str, dict[str, list[float]]]:
    """measured / predicted from ML.ENERGY leave-one-model-out and MLPerf leave-one-accelerator-out errors."""
    out: dict[str, dict[str, list[float]]] = {}

    def add(device: str, key: str, m: float) -> None:
        out.setdefault(device, {"throughput": [], "energy": []})[key].append(m)

    for e in lomo:
        add(e["device"], "energy", 1.0 / (1.0 + e["energy"]))
        if e["itl"] is not None:
            add(e["device"], "throughput", 1.0 + e["itl"])  # throughput ∝ 1/ITL at the row's batch
    for e in loao:
        add(e["device"], "throughput", 1.0 / (1.0 + e["throughput"]))
        if e["energy"] is not None:
            add(e["device"], "energy", 1.0 / (1.0 + e["energy"]))
    return out


TRANSFERRED = ("h200", "l40s", "mi300x")  # MLPerf devices whose constants are transferred, not fitted


def bands(mult: dict[str, dict[str, list[float]]], without: str | None = None) -> dict[str, dict]:
    """Bands per device with residuals, and `transfer` for the others (optionally built without one device)."""
    use = {d: v for d, v in mult.items() if d != without}
    out: dict[str, dict] = {}
    pooled_energy = _fit([m for v in use.values() for m in v["energy"]])
    transfer_tp = _fit([m for d in TRANSFERRED if d in use for m in use[d]["throughput"]])
    for device, v in use.items():
        tp = _own(v["throughput"], transfer_tp)
        en = _own(v["energy"], (pooled_energy[0], math.hypot(pooled_energy[1], tp[1])))
        out[device] = {"throughput": _band(*tp), "energy": _band(*en), "rows": len(v["throughput"]) + len(v["energy"])}
    out["transfer"] = {
        "throughput": _band(*transfer_tp),
        "energy": _band(pooled_energy[0], math.hypot(pooled_energy[1], transfer_tp[1])),
        "rows": sum(len(use[d]["throughput"]) for d in TRANSFERRED if d in use),
    }
    return out


def coverage(mult: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """Share of each device's held-out rows inside the p10-p90 band built without that device."""
    out = {}
    for device, v in mult.items():
        b = bands(mult, without=device)["transfer"]
        row = {}
        for key in ("throughput", "energy"):
            if v[key]:
                lo, hi = b[key]["p10"], b[key]["p90"]
                row[key] = float(np.mean([lo <= m <= hi for m in v[key]]))
                row[f"{key}_rows"] = len(v[key])
        out[device] = row
    own = bands(mult)
    for device, v in mult.items():  # and against its own band (by construction near 80 % for a log-normal)
        for key in ("throughput", "energy"):
            if v[key]:
                lo, hi = own[device][key]["p10"], own[device][key]["p90"]
                out[device][f"{key}_own"] = float(np.mean([lo <= m <= hi for m in v[key]]))
    return out


def pooled_coverage(cov: dict[str, dict[str, float]], key: str, which: str = "") -> float:
    """Row-weighted share over devices (which: "" nested, "_own" against the device's own band)."""
    rows = [(row[f"{key}{which}"], row[f"{key}_rows"]) for row in cov.values() if f"{key}{which}" in row]
    return sum(c * n for c, n in rows) / max(sum(n for _, n in rows), 1)


def print_coverage(cov: dict[str, dict[str, float]]) -> None:
    print("\nBand coverage on held-out rows (share inside p10-p90; target ~0.8). nested: the band built without")
    print("the device (what an uncalibrated device gets); own: the device's shipped band on its own held-out rows")
    print(f"  {'device':10s} {'rows':>5s} {'throughput: nested / own':>26s} {'rows':>5s} {'energy: nested / own':>22s}")
    for device, row in sorted(cov.items()):
        tp = f"{row.get('throughput', float('nan')):.2f} / {row.get('throughput_own', float('nan')):.2f}"
        en = f"{row.get('energy', float('nan')):.2f} / {row.get('energy_own', float('nan')):.2f}"
        print(f"  {device:10s} {row.get('throughput_rows', 0):5d} {tp:>26s} {row.get('energy_rows', 0):5d} {en:>22s}")
    tp = f"{pooled_coverage(cov, 'throughput'):.2f} / {pooled_coverage(cov, 'throughput', '_own'):.2f}"
    en = f"{pooled_coverage(cov, 'energy'):.2f} / {pooled_coverage(cov, 'energy', '_own'):.2f}"
    print(f"  {'ALL':10s} {'':5s} {tp:>26s} {'':5s} {en:>22s}")


def _write(result: dict[str, dict]) -> None:
    import re

    from accelerators.catalog import DATA_DIR

    path = DATA_DIR / "calibration.yaml"
    text = path.read_text()
    lines = [
        "bands:   # p10/p90 of measured / predicted on held-out rows: python -m accelerators.calibration_bands --write"
    ]
    for device, b in sorted(result.items()):
        t, e = b["throughput"], b["energy"]
        lines.append(
            f"  {device}: {{throughput: {{p10: {t['p10']}, p90: {t['p90']}}}, energy: {{p10: {e['p10']}, "
            f"p90: {e['p90']}}}, rows: {b['rows']}}}"
        )
    block = "\n".join(lines) + "\n"
    if re.search(r"(?m)^bands:", text):
        text = re.sub(r"(?ms)^bands:.*?(?=^\S)", block, text)
    else:
        text = text.replace("\nat_bound:", "\n" + block + "at_bound:", 1)
    path.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true", help="write the bands into data/calibration.yaml")
    a = ap.parse_args()
    mult = held_out_multipliers()
    result = bands(mult)
    for device, b in sorted(result.items()):
        print(f"  {device:10s} throughput {b['throughput']}  energy {b['energy']}  ({b['rows']} held-out figures)")
    print_coverage(coverage(mult))
    if a.write:
        _write(result)


if __name__ == "__main__":
    main()
