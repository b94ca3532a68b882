"""An uploaded grid event schedule (kind "events") through every face: the upload page and its
preview, errors naming the line and column, the organisation check on save (editor and API) and at
run time, the editor's upload list, and a run whose signal comes from the file."""

from __future__ import annotations

import copy
import html
import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grid.flex.resources import FlexibilityError
from planner.engine.result import hourly_from_npz
from planner.engine.runner import run_scenario
from planner.engine.schema import ScenarioError, parse_scenario
from planner.scenarios import services
from planner.scenarios.models import Scenario, Upload
from planner.scenarios.selectors import upload_inputs_for_spec
from tests.api.conftest import client_for
from tests.reports.conftest import ROOT

pytestmark = pytest.mark.django_db
PHOENIX_EVENT = "start,duration_h,reduction_frac\n2030-07-15 15:00,3,0.25\n"  # hour 4695, as the example types it


def _post(client, organisation, text: str):
    data = {"organisation": organisation.pk, "kind": "events", "name": "utility events", "column": "", "year": ""}
    data["file"] = SimpleUploadedFile("events.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("upload-create"), data)


def _phoenix_from_upload(upload_id: str) -> dict:
    document = json.loads((ROOT / "examples" / "phoenix-flexible-cluster.json").read_text())
    document["flexibility"]["signal"] = {"kind": "schedule", "events_upload": upload_id}
    return document


def test_the_page_reads_a_schedule_and_previews_its_events(client, owner, organisation):
    client.force_login(owner)
    response = _post(client, organisation, PHOENIX_EVENT + "2030-08-01 16:00,2,0.5\n")
    upload = Upload.objects.get()
    assert response["Location"] == reverse("upload-detail", args=[upload.pk])
    events = hourly_from_npz(upload.npz)["events"]
    assert events[:, :2].tolist() == [[4695, 3], [212 * 24 + 16, 2]]  # 1 August = day 212 of the year
    assert upload.summary["events"] == 2 and upload.summary["hours"] == 5
    page = html.unescape(client.get(reverse("upload-detail", args=[upload.pk])).content.decode())
    assert "flexibility.signal.events_upload" in page and "hour 4695" in page


def test_a_bad_row_is_refused_naming_its_line_and_column(client, owner, organisation):
    client.force_login(owner)
    response = _post(client, organisation, PHOENIX_EVENT + "2030-08-01 16:00,two,0.5\n")
    assert response.status_code == 400 and not Upload.objects.exists()
    assert "line 3, column 'duration_h': 'two' is not a number" in html.unescape(response.content.decode())


def test_a_run_takes_its_events_from_the_upload_and_meets_them(owner, organisation):
    upload = services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="events", name="e", content=PHOENIX_EVENT.encode()
    )
    spec = parse_scenario(_phoenix_from_upload(str(upload.pk)))
    weather, uploads = upload_inputs_for_spec(spec, organisation_id=organisation.pk)
    result = run_scenario(spec, weather=weather, uploads=uploads)
    flex = result.summary["flexibility_dispatch"]
    assert flex["feasible"] and flex["signal"]["events"] == 1 and flex["signal"]["event_hours"] == 3
    assert f"from upload #{upload.pk}" in flex["signal"]["method"]
    meter, cap = result.hourly["flex_meter_mw"], result.hourly["flex_event_cap_mw"]
    baseline = result.hourly["facility_power_mw"]
    assert np.flatnonzero(cap).tolist() == [4695, 4696, 4697]
    assert np.all(meter[4695:4698] <= cap[4695:4698] + 1e-9)
    assert cap[4695:4698] == pytest.approx(0.75 * baseline[4695:4698], rel=1e-9)  # the file's 25 % cut
    # without the uploaded arrays (a file run) it names the field instead of guessing
    with pytest.raises(FlexibilityError, match=r"flexibility\.signal\.events_upload: .* was not passed in"):
        run_scenario(spec)


def test_another_organisation_s_schedule_is_refused_on_save_and_at_run_time(
    owner, organisation, outsider, other_organisation
):
    api = client_for(owner)
    theirs = services.upload_create(
        organisation=other_organisation, uploaded_by=outsider, kind="events", name="t", content=PHOENIX_EVENT.encode()
    )
    document = _phoenix_from_upload(str(theirs.pk))
    response = api.post("/api/v1/scenarios/", {"organisation": organisation.pk, "inputs": document}, format="json")
    assert response.status_code == 400
    assert "no events upload" in response.json()["errors"]["flexibility.signal.events_upload"][0]
    with pytest.raises(ScenarioError) as error:
        upload_inputs_for_spec(parse_scenario(document), organisation_id=organisation.pk)
    assert "flexibility.signal.events_upload" in error.value.errors
    # a price upload of one's own organisation is not an event schedule either
    price = services.upload_create(
        organisation=organisation,
        uploaded_by=owner,
        kind="price",
        name="p",
        content=("value\n" + "30\n" * 8760).encode(),
    )
    response = api.post(
        "/api/v1/scenarios/",
        {"organisation": organisation.pk, "inputs": _phoenix_from_upload(str(price.pk))},
        format="json",
    )
    assert response.status_code == 400 and "flexibility.signal.events_upload" in response.json()["errors"]


def test_the_editor_lists_event_uploads_and_keeps_the_choice(client, owner, organisation):
    from tests.planner.test_pages_editor import form_data

    upload = services.upload_create(
        organisation=organisation, uploaded_by=owner, kind="events", name="grid events", content=PHOENIX_EVENT.encode()
    )
    document = _phoenix_from_upload(str(upload.pk))
    client.force_login(owner)
    page = html.unescape(client.get(reverse("scenario-create")).content.decode())
    assert f"#{upload.pk} grid events" in page and "Grid events: uploaded schedule" in page
    data = form_data(document, organisation)
    assert data["flexibility__events_upload"] == str(upload.pk)
    assert "events_upload" not in json.loads(data["flexibility"])["signal"]  # shown once, in its list
    response = client.post(reverse("scenario-create"), data)
    assert response.status_code == 302, html.unescape(response.content.decode())[-3000:]
    saved = Scenario.objects.get(organisation=organisation).inputs
    signal = saved["flexibility"]["signal"]
    assert (signal["kind"], signal["events_upload"], signal["events"]) == ("schedule", str(upload.pk), [])
    # choosing the list's blank with no typed events is refused naming the section, not silently kept
    data = copy.deepcopy(data) | {"flexibility__events_upload": ""}
    page = html.unescape(client.post(reverse("scenario-create"), data).content.decode())
    assert "kind 'schedule' needs at least one event or an events_upload" in page
