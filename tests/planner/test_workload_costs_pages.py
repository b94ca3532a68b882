"""Each workload's cost per million tokens where planners compare: the run-compare page (one row per
workload and figure, "—" where a run lacks the workload) and the levers JSON (each variant's own TCO
allocated to its workloads)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from planner.engine.levers import lever_variants
from planner.engine.runner import run_scenario
from planner.engine.schema import parse_scenario
from planner.scenarios import services
from planner.scenarios.compare import WORKLOAD_COSTS, workload_cost_rows
from planner.scenarios.kpis import KPI_BY_KEY, format_number
from planner.scenarios.models import RunLevers
from tests.planner.test_pages_access import _computed_run as _run  # a run computed in this process

pytestmark = pytest.mark.django_db


def _other_workloads(inputs: dict) -> dict:
    """The example with its second workload renamed and served differently: 'summarise' instead of 'autocomplete'."""
    chat, second = inputs["workloads"]
    summarise = {**second, "name": "summarise", "input_tokens": 4000, "output_tokens": 300, "tpot_target_ms": 50}
    return {**inputs, "name": "Ashburn summaries", "workloads": [{**chat, "peak_requests_per_s": 20000}, summarise]}


@pytest.fixture
def two_runs(owner, organisation, small_inputs):
    first = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    second = services.scenario_create(owner=owner, organisation=organisation, inputs=_other_workloads(small_inputs))
    return _run(first, owner), _run(second, owner)


def _workload_table(page: str) -> dict[str, tuple[str, list[str]]]:
    """data-key → (the row's heading, the figure shown in each run's cell: the text before the change line)."""
    body = page.split('<tbody id="workload-costs">', 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for key, heading, cells in re.findall(r'<tr data-key="([^"]+)"><th scope="row">(.*?)</th>(.*?)</tr>', body, re.S):
        shown = [
            re.split(r"<br>", cell, maxsplit=1)[0].strip()
            for cell in re.findall(r'<td class="num">(.*?)</td>', cells, re.S)
        ]
        rows[key] = (heading, shown)
    return rows


def test_the_compare_page_shows_each_workloads_cost_as_stored_and_a_dash_where_a_run_lacks_it(client, owner, two_runs):
    runs = list(two_runs)
    client.force_login(owner)
    response = client.get(reverse("run-compare") + "".join(f"&run={r.pk}" for r in runs).replace("&", "?", 1))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    table = _workload_table(page)
    stored = [r.result["tco"]["by_workload"] for r in runs]
    names = ["chat", "autocomplete", "summarise"]  # the baseline's workloads first, then the other run's
    assert [row["workload"] for row in response.context["workload_rows"]][::2] == names
    assert len(table) == len(names) * len(WORKLOAD_COSTS)
    for name in names:
        for key, label, unit, digits in WORKLOAD_COSTS:
            # the digits of the run's own $/Mtok cards, so one figure reads the same on both pages
            assert (
                digits
                == KPI_BY_KEY[
                    "usd_per_mtok" if key.endswith("output_tokens") else "usd_per_mtok_prompt_and_output"
                ].digits
            )
            heading, cells = table[f"{key}[{name}]"]
            assert f"{label}, <strong>{name}</strong>" in heading and f"[{unit}]" in heading
            assert len(cells) == len(runs)
            for cell, by_workload in zip(cells, stored, strict=True):
                if name in by_workload:
                    value = by_workload[name][key]
                    assert value > 0 and cell == format_number(value, digits), (name, key)
                else:
                    assert cell == "—", (name, key)  # absent, not zero
    assert {unit for _, _, unit, _ in WORKLOAD_COSTS} == {"USD/Mtok, all-in TCO"}
    # The change column: only where both runs have the workload, and lower cost is better.
    chat = next(r for r in response.context["workload_rows"] if r["key"] == "usd_per_million_output_tokens[chat]")
    before, after = (s["chat"]["usd_per_million_output_tokens"] for s in stored)
    assert chat["cells"][1]["delta"] == ("+" if after > before else "") + format_number(after - before, 3)
    assert chat["cells"][1]["better"] is (after < before)
    for name in ("autocomplete", "summarise"):
        row = next(r for r in response.context["workload_rows"] if r["key"] == f"usd_per_million_output_tokens[{name}]")
        assert [c["delta"] for c in row["cells"]] == ["", ""] and [c["better"] for c in row["cells"]] == [None, None]


def test_a_workloads_costs_add_up_to_the_runs_tco_on_the_compare_rows(two_runs):
    # Invariant: a run's workloads' $/M output tokens weighted by their output tokens is the run's own $/Mtok.
    results = [r.result for r in two_runs]
    rows = workload_cost_rows(results)
    for index, result in enumerate(results):
        by_workload = result["tco"]["by_workload"]
        output = [r for r in rows if r["key"].startswith("usd_per_million_output_tokens[")]
        usd = sum(
            r["cells"][index]["value"] * by_workload[r["workload"]]["annual_output_tokens"] / 1e6
            for r in output
            if r["cells"][index]["value"] is not None
        )
        assert usd == pytest.approx(result["tco"]["tco_usd_per_year"], rel=1e-9)


def test_compare_rows_tolerate_results_without_a_tco():
    rows = workload_cost_rows([{}, {"tco": {"by_workload": {"chat": {"usd_per_million_output_tokens": 2.0}}}}])
    assert [r["key"] for r in rows] == ["usd_per_million_output_tokens[chat]", "usd_per_million_tokens[chat]"]
    assert [c["text"] for c in rows[0]["cells"]] == ["—", "2.000"]
    assert [c["text"] for c in rows[1]["cells"]] == ["—", "—"]
    assert workload_cost_rows([{}, {}]) == []


def _check_lever_row(row: dict, result: dict) -> None:
    """A lever row's per-workload figures are its own result's TCO allocation, and add up to its TCO."""
    tco = result["tco"]
    costs = row["usd_per_mtok_by_workload"]
    assert set(costs) == set(tco["by_workload"]), row["lever"]
    for name, cost in costs.items():
        mine = tco["by_workload"][name]
        assert cost["usd_per_million_output_tokens"] == pytest.approx(mine["usd_per_million_output_tokens"], rel=1e-9)
        assert cost["usd_per_million_tokens"] == pytest.approx(mine["usd_per_million_tokens"], rel=1e-9)
        # $/M tokens (prompt + output) ≤ $/M output tokens: the same dollars over more tokens
        assert cost["usd_per_million_tokens"] <= cost["usd_per_million_output_tokens"]
    # Σ $/Mtok × Mtok over the workloads = the variant's TCO, and ÷ all its output tokens = the row's $/Mtok.
    usd = sum(c["usd_per_million_output_tokens"] * c["annual_output_tokens"] / 1e6 for c in costs.values())
    tokens = sum(c["annual_output_tokens"] for c in costs.values())
    assert usd == pytest.approx(tco["tco_usd_per_year"], rel=1e-9)
    assert usd / (tokens / 1e6) == pytest.approx(row["usd_per_mtok"], rel=1e-9)
    assert sum(c["usd_per_year"] for c in costs.values()) == pytest.approx(tco["tco_usd_per_year"], rel=1e-9)


def test_the_levers_json_carries_each_variants_own_cost_per_workload(client, owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = _run(scenario, owner)
    client.force_login(owner)
    data = client.get(reverse("run-levers", args=[run.pk])).json()
    assert "device-seconds" in data["usd_per_mtok_by_workload_method"]
    rows = {row["lever"]: row for row in data["rows"]}
    # The fields the chart read before are still there (added, not renamed).
    for row in rows.values():
        assert {"lever", "label", "changes", "error", "usd_per_mtok", "peak_facility_power_mw", "tco2e"} <= set(row)
    _check_lever_row(rows["baseline"], run.result)
    # Each variant, recomputed here on its own: its per-workload figures are its allocation, not the plan's.
    spec = parse_scenario(run.inputs)
    variants = {v.lever: v for v in lever_variants(spec)}
    for lever in ("moe", "quantization"):
        assert rows[lever]["error"] == ""
        _check_lever_row(rows[lever], run_scenario(variants[lever].spec).to_dict(hourly=False))
    for lever, row in rows.items():
        if lever != "baseline" and not row["error"]:
            costs = row["usd_per_mtok_by_workload"]
            assert set(costs) == {w.name for w in variants[lever].spec.workloads}
            usd = sum(c["usd_per_million_output_tokens"] * c["annual_output_tokens"] / 1e6 for c in costs.values())
            assert usd / (sum(c["annual_output_tokens"] for c in costs.values()) / 1e6) == pytest.approx(
                row["usd_per_mtok"], rel=1e-9
            )
    # MoE swaps the models, so a workload's cost moves (which one it helps is what the table shows).
    base, moe = rows["baseline"]["usd_per_mtok_by_workload"], rows["moe"]["usd_per_mtok_by_workload"]
    assert any(
        moe[n]["usd_per_million_output_tokens"] != pytest.approx(base[n]["usd_per_million_output_tokens"]) for n in base
    )
    # The result page has the table's place beside the chart.
    page = client.get(reverse("run-detail", args=[run.pk])).content.decode()
    assert 'id="levers-workloads"' in page and "for each workload" in page


def test_lever_data_stored_before_the_field_gets_the_plans_costs_only(client, owner, organisation, small_inputs):
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    run = _run(scenario, owner)
    stored = RunLevers.objects.get(run=run)
    old = {
        **stored.data,
        "rows": [{k: v for k, v in row.items() if k != "usd_per_mtok_by_workload"} for row in stored.data["rows"]],
    }
    RunLevers.objects.filter(pk=stored.pk).update(data=old)
    client.force_login(owner)
    rows = {row["lever"]: row for row in client.get(reverse("run-levers", args=[run.pk])).json()["rows"]}
    _check_lever_row(rows["baseline"], run.result)  # from the run's own result
    assert all("usd_per_mtok_by_workload" not in row for lever, row in rows.items() if lever != "baseline")
    assert RunLevers.objects.get(run=run).data == old  # read-time only: the stored data is left as it was
