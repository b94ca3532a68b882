"""Figures quoted in README.md and docs/, computed by the code that users run.

Each quoted table stands between two markers in its Markdown file::

    <!-- figures:NAME -->
    …generated text…
    <!-- /figures:NAME -->

`manage.py figures --write` recomputes every block and rewrites it; `manage.py figures --check`
(and tests/test_docs_figures.py) fails when a quoted figure no longer matches what the code prints,
so the docs cannot drift from the engine (issue 20, item 13). Blocks that read the team's reference
data (`../shared/reference/`) are computed only where that folder exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
EXAMPLES = ("ashburn-chat", "dallas-mixed-fleet", "dublin-moe-power-cap")
SITE_COMPARISON = "examples/site-comparisons/ashburn-dallas-lulea-singapore.json"


@dataclass(frozen=True)
class Block:
    name: str
    path: str  # relative to the repository root
    render: Callable[[], str]
    needs_reference: bool = False


def _example_results() -> dict[str, dict[str, Any]]:
    from planner.engine.runner import run_scenario
    from planner.engine.schema import parse_scenario

    return {
        name: run_scenario(parse_scenario(json.loads((ROOT / "examples" / f"{name}.json").read_text()))).to_dict()
        for name in EXAMPLES
    }


_CACHE: dict[str, Any] = {}


def _examples() -> dict[str, dict[str, Any]]:
    if "examples" not in _CACHE:
        _CACHE["examples"] = _example_results()
    return _CACHE["examples"]


def _devices(result: dict[str, Any]) -> str:
    by_slug: dict[str, int] = {}
    for pool in result["pools"]:
        slug = pool.get("accelerator_slug") or pool.get("accelerator")
        by_slug[str(slug)] = by_slug.get(str(slug), 0) + int(result["devices"][pool["name"]])
    return " + ".join(f"{count:,} {slug}" for slug, count in by_slug.items())


def _region(result: dict[str, Any]) -> str:
    return str(result.get("grid_region_name") or result.get("grid_region"))


def render_readme_examples() -> str:
    rows = [
        "| example | devices | peak MW | annual PUE | GWh/yr | tCO2e/yr location / market | TCO M$/yr "
        "| USD/M output tok |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in _examples().items():
        carbon, tco = r["carbon"], r["tco"]
        rows.append(
            f"| {name} ({_region(r)}) | {_devices(r)} | {r['peak_facility_power_mw']:.1f} | {r['annual_pue']:.3f} | "
            f"{r['annual_facility_energy_mwh'] / 1000:,.0f} | {carbon['location_based_tco2e']:,.0f} / "
            f"{carbon['market_based_tco2e']:,.0f} | {tco['tco_usd_per_year'] / 1e6:,.1f} | "
            f"{tco['usd_per_million_output_tokens']:.3f} |"
        )
    return "\n".join(rows)


def render_tco_examples() -> str:
    rows = [
        "| example | devices | peak MW | TCO M$/yr | capex M$ | USD/M output tok | USD/M input tok "
        "| USD/M tok (input + output) | tok/s per MW | USD/kW-month |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    per_workload = [
        "",
        "Per workload (TCO shared by the device-seconds each workload holds; USD per million output tokens,",
        "and per million input + output tokens):",
        "",
        "| example | workload | devices | share of TCO | USD/M output tok | USD/M tok (input + output) |",
        "|---|---|---|---|---|---|",
    ]
    shares = [
        "",
        "Breakdown (M$/yr, share of TCO):",
        "",
        "| example | capital | energy | grid charges | water | maintenance | staff |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in _examples().items():
        tco = r["tco"]
        rows.append(
            f"| {name} ({_region(r)}) | {_devices(r)} | {r['peak_facility_power_mw']:.1f} | "
            f"{tco['tco_usd_per_year'] / 1e6:,.1f} | {tco['capex_usd'] / 1e6:,.0f} | "
            f"**{tco['usd_per_million_output_tokens']:.3f}** | {tco['usd_per_million_input_tokens']:.3f} | "
            f"{tco['usd_per_million_tokens']:.4f} | {tco['output_tokens_per_s_per_mw']:,.0f} | "
            f"{tco['usd_per_kw_month']:,.0f} |"
        )
        for workload, part in tco["by_workload"].items():
            per_workload.append(
                f"| {name} | {workload} | {part['devices']:,} | {100 * part['share_frac']:.1f} % | "
                f"{part['usd_per_million_output_tokens']:.3f} | {part['usd_per_million_tokens']:.4f} |"
            )
        total = tco["tco_usd_per_year"]
        cells = [
            f"{value / 1e6:,.1f} ({100 * value / total:.1f} %)" for value in tco["breakdown_usd_per_year"].values()
        ]
        shares.append(f"| {name} | " + " | ".join(cells) + " |")
    first = _examples()[EXAMPLES[0]]["tco"]["lines"][0]
    check = (
        f"\nHand check of one line ({EXAMPLES[0]}, {first['item']}): {first['basis']} = "
        f"${first['capex_usd'] / 1e6:,.1f} M, annualised over {first['life_years']:g} years = "
        f"${first['annual_usd'] / 1e6:,.1f} M/yr."
    )
    return "\n".join(rows + per_workload + shares) + "\n" + check


def render_site_comparison() -> str:
    from planner.engine.site_comparison import compare_sites, parse_comparison

    result = compare_sites(parse_comparison(json.loads((ROOT / SITE_COMPARISON).read_text())))
    rows = [
        "| rank | site | devices | peak MW | PUE | tCO2e loc | tCO2e mkt | USD/Mtok output "
        "| USD/Mtok input + output | USD/Mtok output by workload | bill USD/month | headroom used "
        "| mean RTT ms | score |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def fmt(value: Any, digits: int) -> str:
        return "—" if value is None else f"{value:,.{digits}f}"

    def by_workload(metrics: dict[str, Any]) -> str:
        costs = metrics.get("usd_per_mtok_by_workload") or {}
        return ", ".join(f"{workload} {fmt(value['output'], 3)}" for workload, value in costs.items()) or "—"

    for row in sorted(result["sites"], key=lambda r: (r.get("rank") is None, r.get("rank") or 0)):
        m = row.get("metrics", {})
        score = fmt(row.get("score"), 3) if row.get("rank") else "not ranked: " + "; ".join(row.get("reasons", []))
        rows.append(
            f"| {row.get('rank') or '—'} | {row['name']} | {m.get('devices', 0):,} | {fmt(m.get('peak_mw'), 1)} | "
            f"{fmt(m.get('pue'), 3)} | {fmt(m.get('tco2e_location'), 0)} | {fmt(m.get('tco2e_market'), 0)} | "
            f"{fmt(m.get('usd_per_mtok'), 3)} | {fmt(m.get('usd_per_mtok_prompt_and_output'), 4)} | "
            f"{by_workload(m)} | {fmt(m.get('household_bill_usd_per_month'), 3)} | "
            f"{fmt(m.get('headroom_share_frac'), 3)} | {fmt(row.get('mean_rtt_ms'), 0)} | {score} |"
        )
    placement = "; ".join(f"{workload} → {place['site']}" for workload, place in result["placement"].items())
    return "\n".join(rows) + f"\n\nPlacement: {placement}."


def _flex_plan_lines(example: str) -> str:
    """The flexibility lines `manage.py plan examples/<example>` prints (the solve time left out)."""
    from planner.engine.runner import run_scenario
    from planner.engine.schema import parse_scenario
    from planner.scenarios.management.commands.plan import flexibility_lines

    document = json.loads((ROOT / "examples" / example).read_text())
    result = run_scenario(parse_scenario(document)).to_dict()
    lines = [line for line in flexibility_lines(result.get("flexibility_dispatch")) if "Dispatch LP" not in line]
    return f"```\n.venv/bin/python manage.py plan examples/{example}\n" + "\n".join(lines) + "\n```"


def render_flex_phoenix() -> str:
    """The flexibility lines `manage.py plan examples/phoenix-flexible-cluster.json` prints."""
    return _flex_plan_lines("phoenix-flexible-cluster.json")


def render_flex_ashburn() -> str:
    """The flexibility lines `manage.py plan examples/ashburn-flexible.json` prints (real Dominion hours)."""
    return _flex_plan_lines("ashburn-flexible.json")


def render_flex_battery_sweep() -> str:
    """The battery-size sweep of examples/studies/ashburn-battery-sweep.json, as `manage.py study` computes it."""
    from planner.engine.studies.aggregate import run_in_process
    from planner.engine.studies.definition import parse_study

    document = json.loads((ROOT / "examples" / "ashburn-flexible.json").read_text())
    study = parse_study(json.loads((ROOT / "examples" / "studies" / "ashburn-battery-sweep.json").read_text()))
    plan, outcomes, _ = run_in_process(study, document)
    rows = [
        "```",
        "# manage.py study examples/ashburn-flexible.json examples/studies/ashburn-battery-sweep.json --json",
        "energy_mwh   flex_firm_mw   flex_cost_usd_per_year   flex_lost_mtok",
    ]
    for index in sorted(plan, key=lambda i: plan[i]["flexibility.battery.energy_mwh"]):
        kpis = outcomes[index].kpis
        rows.append(
            f"{plan[index]['flexibility.battery.energy_mwh']:>5g}   {kpis['flex_firm_mw']:>12.3f}   "
            f"{kpis['flex_cost_usd_per_year']:>22,.0f}   {kpis['flex_lost_mtok']:>14,.0f}"
        )
    return "\n".join([*rows, "```"])


def render_milp_dallas() -> str:
    """`manage.py study` on the Dallas MILP example, less its timing line."""
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("study", "examples/dallas-mixed-fleet.json", "examples/studies/dallas-mix-milp.json", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("optimisation study of")]
    command = ".venv/bin/python manage.py study examples/dallas-mixed-fleet.json examples/studies/dallas-mix-milp.json"
    return "```\n" + command + "\n" + "\n".join(lines) + "\n```"


BLOCKS: tuple[Block, ...] = (
    Block("examples", "README.md", render_readme_examples),
    Block("tco-examples", "docs/tco.md", render_tco_examples),
    Block("site-comparison", "docs/tco.md", render_site_comparison),
    Block("flex-phoenix", "docs/flexibility.md", render_flex_phoenix),
    Block("flex-battery-sweep", "docs/flexibility.md", render_flex_battery_sweep),
    Block("flex-ashburn", "docs/flexibility.md", render_flex_ashburn),
    Block("milp-dallas", "docs/studies.md", render_milp_dallas),
)


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- figures:{re.escape(name)} -->\n)(.*?)(<!-- /figures:{re.escape(name)} -->)", re.S)


def quoted(block: Block) -> str:
    """The text the file quotes now between the block's markers."""
    text = (ROOT / block.path).read_text(encoding="utf-8")
    found = _pattern(block.name).search(text)
    if found is None:
        raise LookupError(f"{block.path} has no <!-- figures:{block.name} --> … <!-- /figures:{block.name} --> block")
    return found.group(2).rstrip("\n")


def write(block: Block, rendered: str) -> bool:
    """Put `rendered` between the block's markers; True if the file changed."""
    path = ROOT / block.path
    text = path.read_text(encoding="utf-8")
    quoted(block)  # the markers must exist
    new = _pattern(block.name).sub(lambda m: m.group(1) + rendered + "\n" + m.group(3), text, count=1)
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


def available(block: Block) -> bool:
    return not block.needs_reference or REFERENCE.is_dir()


def render_block(block: Block) -> str:
    return block.render().rstrip("\n")
