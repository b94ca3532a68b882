"""A flexible scenario on every face: the result page's lever and charts, the hourly JSON, the API
result, the PDF and the XLSX (the Phoenix field-demonstration example, computed once)."""

from __future__ import annotations

import html
import json
from io import BytesIO
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.reports.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def flexible(django_db_setup, django_db_blocker):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from planner.reports.builders import build_file
    from planner.reports.content import report_content
    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run, RunStatus

    inputs = json.loads((ROOT / "examples" / "phoenix-flexible-cluster.json").read_text())
    with django_db_blocker.unblock():
        with transaction.atomic():
            user = get_user_model().objects.create_user(username="flex-owner", password="pw")
            organisation = Organisation.objects.create(name="Flexible Grid Co")
            Membership.objects.create(user=user, organisation=organisation, role="planner")
            scenario = services.scenario_create(owner=user, organisation=organisation, inputs=inputs)
            run = Run.objects.create(
                scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=user
            )
            services.run_execute(run_id=run.pk)
            run.refresh_from_db()
            assert run.status == RunStatus.SUCCEEDED, run.error
            content = report_content(run=run, sensitivity=False)
            files = {kind: build_file(kind=kind, content=content).data for kind in ("pdf", "xlsx")}
        yield SimpleNamespace(user=user, run=run, result=run.result, **files)
        with transaction.atomic():
            Run.objects.filter(pk=run.pk).delete()
            scenario.delete()
            Membership.objects.filter(user=user).delete()
            organisation.delete()
            user.delete()


def test_the_result_page_shows_the_lever_and_both_charts(client, flexible):
    client.force_login(flexible.user)
    page = html.unescape(client.get(reverse("run-detail", args=[flexible.run.pk])).content.decode())
    flex = flexible.result["flexibility_dispatch"]
    cost = flex["cost_of_flexibility_usd_per_year"]
    money = f"${cost:,.0f}/yr" if cost >= 0 else f"saves ${-cost:,.0f}/yr"
    lever = (
        f"flexible: {flex['firm_mw']:,.3f} MW firm of {flex['baseline_peak_mw']:,.3f} MW, "
        f"{flex['curtailed_hours']:,} h/yr curtailed, {money}"
    )  # a 0.27 MW cluster: three decimals
    assert lever in page
    assert 'id="chart-flex-week"' in page and 'id="chart-flex-duration"' in page
    assert "planner/flex_charts.js" in page
    assert "Output tokens lost" in page and "Cost of flexibility per event" in page


def test_the_hourly_json_carries_the_dispatch(client, flexible):
    client.force_login(flexible.user)
    url = reverse("run-hourly", args=[flexible.run.pk]) + "?series=flex_meter_mw,flex_event_frac,facility_power_mw"
    series = client.get(url).json()
    assert len(series["flex_meter_mw"]) == 8760
    events = [i for i, v in enumerate(series["flex_event_frac"]) if v]
    assert events == [4695, 4696, 4697]
    for hour in events:
        assert series["flex_meter_mw"][hour] <= 0.75 * series["facility_power_mw"][hour] + 1e-6


def test_the_api_result_has_the_dispatch(client, flexible):
    client.force_login(flexible.user)
    body = client.get(f"/api/v1/runs/{flexible.run.pk}/result/").json()["result"]
    assert body["flexibility_dispatch"]["feasible"] is True
    assert body["flexibility_dispatch"]["signal"]["event_hours"] == 3
    assert body["carbon"]["location_based_flexible_tco2e"] is not None


def test_the_pdf_and_workbook_have_a_flexibility_section(flexible):
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(flexible.pdf)).pages)
    assert "Flexible operation" in text and "MW firm of" in text
    assert "the week around the worst event" in text
    book = load_workbook(BytesIO(flexible.xlsx), read_only=True)
    rows = list(book["Flexibility"].iter_rows(values_only=True))
    assert rows[0][0].startswith("flexible: ")
    figures = {row[0]: row[1] for row in rows if len(row) > 1 and row[0]}
    firm = flexible.result["flexibility_dispatch"]["firm_mw"]
    assert figures["Firm at the meter (most drawn in an event hour)"] == firm
    assert figures["lost_tokens_usd_per_mtok"] == 0.88  # a default, with its source beside it
    assert figures["power cap level"] == "pool"


def test_the_editor_keeps_the_section_and_names_a_bad_field_in_it(client, owner, organisation):
    from planner.scenarios.models import Scenario
    from tests.planner.test_pages_editor import form_data

    document = json.loads((ROOT / "examples" / "phoenix-flexible-cluster.json").read_text())
    client.force_login(owner)
    data = form_data(document, organisation)
    assert json.loads(data["flexibility"]) == document["flexibility"]  # shown as JSON, kept on save
    data["flexibility"] = json.dumps({"battery": {"power_mw": -1, "energy_mwh": 2}})
    page = html.unescape(client.post(reverse("scenario-create"), data).content.decode())
    assert "Flexible operation" in page and "battery.power_mw" in page
    assert not Scenario.objects.filter(organisation=organisation).exists()
    data["flexibility"] = "{not json"
    page = html.unescape(client.post(reverse("scenario-create"), data).content.decode())
    assert "flexibility:" in page and not Scenario.objects.filter(organisation=organisation).exists()
