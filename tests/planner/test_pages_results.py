"""Result, failure and compare pages: KPIs agree with the stored result, failures say why and
offer a re-run, compare lists differing inputs and deltas, lever variants are stored once."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from planner.scenarios import services
from planner.scenarios.kpis import KPIS, kpi_table, kpi_value
from planner.scenarios.models import Run, RunLevers, RunStatus

pytestmark = pytest.mark.django_db


def _run(scenario, user, inputs=None) -> Run:
    run = Run.objects.create(
        scenario=scenario,
        scenario_version=scenario.version,
        inputs=inputs or scenario.inputs,
        input_hash="h",
        submitted_by=user,
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


@pytest.fixture
def run(scenario, owner):
    run = _run(scenario, owner)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run


def test_it_shows_every_kpi_card_with_its_unit(client, owner, run):
    client.force_login(owner)
    page = html.unescape(client.get(reverse("run-detail", args=[run.pk])).content.decode())
    for kpi in KPIS:
        assert kpi.label in page and kpi.unit in page, kpi.key
        assert kpi.get(run.result) is not None, f"{kpi.key} missing from the result"
    for chart in ("sankey", "heatmap", "power", "pue", "carbon", "bill", "pool", "tco", "levers"):
        assert f'id="chart-{chart}"' in page
    assert page.count("<figcaption") == 9
    # The TCO table lists every line of the stored result with its sources.
    for line in run.result["tco"]["lines"]:
        assert f"<td>{line['item']}" in page and line["sources"][0] in page
    assert reverse("report-file", args=[run.pk, "pdf"]) in page
    carbon = run.result["carbon"]
    assert f"residual mix, {carbon['residual_mix']['value']} gCO2e/kWh" in page
    assert "hour by hour" in page
    # $/Mtok per workload beside the total, with the allocation rule
    table = page.split('id="tco-workloads"', 1)[1].split("</table>", 1)[0]
    assert "device-seconds" in table
    for name, row in run.result["tco"]["by_workload"].items():
        assert f"<td>{name}</td>" in table and f"{row['usd_per_million_output_tokens']:.4f}" in table


def test_it_reads_tokens_per_mw_as_tokens_over_energy():
    # 3.6e12 tokens in a year at 1,000 MWh: 3.6e12 / (1,000 MWh × 3,600 s/h) = 1e6 tokens/s per MW.
    result = {"annual_output_tokens": 3.6e12, "annual_facility_energy_mwh": 1000.0}
    assert kpi_value(result, "tokens_per_mw") == pytest.approx(1e6)
    assert kpi_value({"annual_facility_energy_mwh": 2500.0}, "annual_gwh") == pytest.approx(2.5)
    assert kpi_value({"devices": {"a": 8, "b": 16}}, "devices") == 24


def test_it_marks_a_change_better_or_worse_by_the_figure():
    rows = {row["key"]: row for row in kpi_table([{"peak_facility_power_mw": 10.0}, {"peak_facility_power_mw": 12.0}])}
    cell = rows["peak_mw"]["cells"][1]
    assert cell["delta"] == "+2.0" and cell["pct"] == "+20.0 %" and cell["better"] is False
    tokens = kpi_table(
        [
            {"annual_output_tokens": 3.6e12, "annual_facility_energy_mwh": 1000.0},
            {"annual_output_tokens": 7.2e12, "annual_facility_energy_mwh": 1000.0},
        ]
    )
    assert next(r for r in tokens if r["key"] == "tokens_per_mw")["cells"][1]["better"] is True


def test_it_shows_why_a_run_failed_and_offers_a_rerun(client, owner, scenario):
    broken = {**scenario.inputs, "workloads": [{**scenario.inputs["workloads"][0], "model": "no-such-model-xyz"}]}
    failed = _run(scenario, owner, inputs=broken)
    assert failed.status == RunStatus.FAILED
    client.force_login(owner)
    page = html.unescape(client.get(reverse("run-detail", args=[failed.pk])).content.decode())
    assert "The run failed." in page and "no-such-model-xyz" in page and "planner.engine." not in page
    assert 'id="rerun-button"' in page and "vendor/plotly.min.js" not in page
    response = client.post(reverse("run-rerun", args=[failed.pk]))
    new_run = Run.objects.latest("id")
    assert response["Location"] == reverse("run-detail", args=[new_run.pk])
    assert new_run.inputs == failed.inputs


def test_it_follows_a_queued_run_stage_by_stage(client, owner, scenario):
    queued = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    client.force_login(owner)
    page = client.get(reverse("run-detail", args=[queued.pk])).content.decode()
    assert 'data-status="queued"' in page and 'data-stage="grid, carbon and bills"' in page
    assert client.get(reverse("run-status", args=[queued.pk])).json()["finished"] is False


def test_it_compares_runs_with_input_differences_and_deltas(client, owner, scenario, run, small_inputs):
    bigger = {**small_inputs, "workloads": [{**small_inputs["workloads"][0], "peak_requests_per_s": 300}]}
    second = _run(scenario, owner, inputs=bigger)
    client.force_login(owner)
    response = client.get(reverse("run-compare") + f"?run={run.pk}&run={second.pk}")
    assert response.status_code == 200
    paths = [row["path"] for row in response.context["differences"]]
    assert "workloads[0].peak_requests_per_s" in paths and "workloads[1].name" in paths
    peak = next(row for row in response.context["kpi_rows"] if row["key"] == "peak_mw")
    assert peak["cells"][1]["delta"] != ""
    assert 'id="chart-duration"' in response.content.decode()


def test_it_refuses_to_compare_one_run_or_a_failed_one(client, owner, scenario, run):
    client.force_login(owner)
    assert client.get(reverse("run-compare") + f"?run={run.pk}").status_code == 400
    assert client.get(reverse("run-compare") + "?run=x&run=y").status_code == 400
    queued = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    response = client.get(reverse("run-compare") + f"?run={run.pk}&run={queued.pk}")
    assert response.status_code == 400 and "Only completed runs" in response.content.decode()


def test_it_computes_the_levers_in_the_job_and_stores_them_once(client, owner, run, monkeypatch):
    assert RunLevers.objects.filter(run=run).count() == 1  # the job computed them after the run
    client.force_login(owner)
    data = client.get(reverse("run-levers", args=[run.pk])).json()
    rows = {row["lever"]: row for row in data["rows"]}
    assert set(rows) == {"baseline", "moe", "pruning", "quantization", "power_limit", "specialised"}
    assert rows["baseline"]["peak_facility_power_mw"] == pytest.approx(run.result["peak_facility_power_mw"])
    for lever in ("moe", "pruning", "quantization", "power_limit", "specialised"):
        assert rows[lever]["error"] == "" and rows[lever]["peak_facility_power_mw"] > 0, rows[lever]
        assert rows[lever]["usd_per_mtok"] > 0, rows[lever]  # each lever's effect on the cost per token
    assert rows["baseline"]["usd_per_mtok"] == pytest.approx(run.result["tco"]["usd_per_million_output_tokens"])
    # A lever that changes the fleet changes the cost per token (the example is dense: MoE swaps the models).
    assert rows["moe"]["usd_per_mtok"] != pytest.approx(rows["baseline"]["usd_per_mtok"])
    assert (
        "power-capped at 450 W" in rows["power_limit"]["headline"]
        and "tokens per MW" in rows["power_limit"]["headline"]
    )
    band = rows["specialised"]["band"]  # an uncalibrated device: its p10/p90 band in MW
    assert band["p10"]["peak_facility_power_mw"] < rows["specialised"]["peak_facility_power_mw"]
    assert band["p90"]["peak_facility_power_mw"] > rows["specialised"]["peak_facility_power_mw"]
    assert RunLevers.objects.filter(run=run).count() == 1

    def boom(*args, **kwargs):
        raise AssertionError("the levers were computed twice")

    monkeypatch.setattr(services, "run_scenario", boom)
    assert client.get(reverse("run-levers", args=[run.pk])).json() == data
    RunLevers.objects.filter(run=run).delete()  # a job whose lever step failed: the page computes them
    monkeypatch.undo()
    assert client.get(reverse("run-levers", args=[run.pk])).json()["rows"] == data["rows"]


def test_it_serves_hourly_series_that_the_browser_may_keep(client, owner, run):
    client.force_login(owner)
    response = client.get(reverse("run-hourly", args=[run.pk]))
    assert "max-age" in response["Cache-Control"]
    hourly = response.json()
    assert len(hourly["facility_power_mw"]) == 8760 and len(hourly["pue"]) == 8760
    only = client.get(reverse("run-hourly", args=[run.pk]) + "?series=pue,no_such_series").json()
    assert list(only) == ["pue"]
    zipped = client.get(reverse("run-hourly", args=[run.pk]), HTTP_ACCEPT_ENCODING="gzip")
    assert zipped["Content-Encoding"] == "gzip" and len(zipped.content) < len(response.content) / 2
