"""/api/v1/studies/: CRUD, runs (Idempotency-Key), results (ETag), cancel; the owner / teammate /
viewer / outsider trio; errors name the definition's field."""

import pytest

from planner.studies.models import Study, StudyRun
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

SWEEP = {"kind": "sweep", "vary": {"site.cooling": ["evaporative", "immersion"]}}


def _create(user, scenario, definition=SWEEP, **extra):
    return client_for(user).post(
        "/api/v1/studies/",
        {"scenario": scenario.pk, "name": "cooling", "definition": definition, **extra},
        format="json",
    )


def test_it_creates_lists_and_reads_a_study_for_members_only(owner, teammate, viewer, outsider, scenario):
    response = _create(owner, scenario)
    assert response.status_code == 201, response.json()
    study = response.json()
    assert response["Location"] == f"/api/v1/studies/{study['id']}/" and study["kind"] == "sweep"
    for member in (teammate, viewer):
        assert client_for(member).get(response["Location"]).status_code == 200
        assert [s["id"] for s in client_for(member).get("/api/v1/studies/").json()["results"]] == [study["id"]]
    missing = client_for(outsider).get(response["Location"])
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert client_for(outsider).get("/api/v1/studies/").json()["results"] == []


def test_it_refuses_writes_from_viewers_and_outsiders(owner, viewer, outsider, scenario):
    assert _create(viewer, scenario).status_code == 403
    refused = _create(outsider, scenario)
    assert refused.status_code == 400 and "scenario" in refused.json()["errors"]  # not revealed
    study = _create(owner, scenario).json()
    assert client_for(viewer).put(study["url"], {"name": "x"}, format="json").status_code == 403
    assert client_for(viewer).post(f"{study['url']}runs/").status_code == 403
    assert client_for(viewer).delete(study["url"]).status_code == 403
    assert client_for(outsider).delete(study["url"]).status_code == 404


def test_it_names_the_bad_field_of_a_definition(owner, scenario):
    bad = _create(owner, scenario, {"kind": "uncertainty", "samples": 48})
    assert bad.status_code == 400
    body = bad.json()
    assert body["code"] == "invalid" and "power of 2" in " ".join(body["errors"]["definition.samples"])
    no_path = _create(owner, scenario, {"kind": "sweep", "vary": {"hardware[5].weight_precision": ["fp8"]}})
    errors = no_path.json()["errors"]
    assert no_path.status_code == 400 and "no such field" in " ".join(
        errors["definition.vary.hardware[5].weight_precision"]
    )
    unknown = _create(
        owner, scenario, {"kind": "optimisation", "choices": {"site.cooling": ["immersion"]}, "objective": "joy"}
    )
    assert "definition.objective" in unknown.json()["errors"]


def test_it_runs_a_study_once_per_idempotency_key_and_serves_results_with_an_etag(
    owner, teammate, scenario, django_capture_on_commit_callbacks
):
    study = _create(owner, scenario).json()
    client = client_for(teammate)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"{study['url']}runs/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert started.status_code == 202, started.json()
    run_url = started["Location"]
    replay = client.post(f"{study['url']}runs/", HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 202 and replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == started.json()["id"] and StudyRun.objects.count() == 1

    run = client.get(run_url).json()
    assert run["status"] == "succeeded" and run["points_stored"] == run["points_total"] == 2
    results = client.get(run["results_url"])
    assert results.status_code == 200 and len(results.json()["points"]) == 2
    peaks = [p["kpis"]["peak_facility_power_mw"] for p in results.json()["points"]]
    assert all(peak > 0 for peak in peaks)
    assert client.get(run["results_url"], HTTP_IF_NONE_MATCH=results["ETag"]).status_code == 304
    assert client.post(f"{run_url}cancel/").status_code == 409  # already finished
    assert client_for(owner).delete(study["url"]).status_code == 204
    assert not Study.objects.exists()
