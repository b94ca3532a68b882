"""Every shipped example computes and builds its PDF, XLSX and CSV; its racks fit their slots.

The Dublin example has no flexible load, so its flexible bill view is None: the reports print "—"
for it instead of failing.
"""

from __future__ import annotations

import csv
import io
import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.reports.conftest import ROOT

pytestmark = pytest.mark.django_db  # makes pytest-django create the test database when run alone

EXAMPLES = ("ashburn-chat", "dallas-mixed-fleet", "dublin-moe-power-cap", "phoenix-flexible-cluster")
USABLE_RACK_UNITS = 40  # 42U rack less 2U of top-of-rack switches (grid/data/hosts_network.yaml)


@pytest.fixture(scope="module", params=EXAMPLES)
def example_files(request, django_db_setup, django_db_blocker):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from planner.reports.builders import build_file
    from planner.reports.content import report_content
    from planner.scenarios import services
    from planner.scenarios.models import Membership, Organisation, Run

    inputs = json.loads((ROOT / "examples" / f"{request.param}.json").read_text())
    with django_db_blocker.unblock(), transaction.atomic():
        user = get_user_model().objects.create_user(username=f"ex-{request.param}", password="pw")
        organisation = Organisation.objects.create(name=f"Example {request.param}")
        Membership.objects.create(user=user, organisation=organisation, role="planner")
        scenario = services.scenario_create(owner=user, organisation=organisation, inputs=inputs)
        run = Run.objects.create(
            scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=user
        )
        services.run_execute(run_id=run.pk)
        run.refresh_from_db()
        assert run.result, run.error
        content = report_content(run=run, sensitivity=False)  # sensitivity is covered by the Ashburn report
        files = {kind: build_file(kind=kind, content=content).data for kind in ("pdf", "xlsx", "csv")}
        result = run.result
        transaction.set_rollback(True)
    return request.param, result, files


def test_it_builds_a_pdf_xlsx_and_csv(example_files):
    name, result, files = example_files
    pages = PdfReader(BytesIO(files["pdf"])).pages
    assert len(pages) >= 5
    assert "6. Bill impact" in " ".join(page.extract_text() for page in pages)
    book = load_workbook(BytesIO(files["xlsx"]), read_only=True)
    assert {"Inputs", "Summary", "Hourly", "Bill impact", "Sources"} <= set(book.sheetnames)
    bill = [row for row in book["Bill impact"].iter_rows(values_only=True)]
    views = (result.get("household_bill_usd_per_month") or {}).get("views") or {}
    assert bill[0][2:] == tuple(f"{v} view" for v in views) or len(bill[0]) == 2 + len(views)
    rows = list(csv.reader(io.StringIO(files["csv"].decode())))
    assert len(rows) == 8761, name  # header + 8,760 hours


def test_its_racks_fit_their_rack_units_and_power(example_files):
    name, result, _files = example_files
    limit_kw = json.loads((ROOT / "examples" / f"{name}.json").read_text())["fleet"]["rack_power_limit_kw"]
    for pool in result["pools"]:
        assert pool["servers_per_rack"] * pool["server_height_u"] <= USABLE_RACK_UNITS, pool
        assert pool["rack_power_kw"] <= limit_kw, pool
        assert pool["rack_binding"] in {"power", "space", "power and space"}
        assert pool["racks"] * pool["servers_per_rack"] >= pool["servers"]
