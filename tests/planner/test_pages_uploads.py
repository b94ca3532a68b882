"""Hourly uploads: a preview of what was read, errors naming the row and column, and a scenario
that references an upload computes with it."""

from __future__ import annotations

import html

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planner.engine.result import hourly_from_npz
from planner.engine.schema import parse_scenario
from planner.scenarios import services
from planner.scenarios.models import Upload
from planner.scenarios.selectors import upload_inputs_for_spec
from planner.scenarios.uploads import UploadError, parse_upload

pytestmark = pytest.mark.django_db


def hourly_csv(values, *, year: int = 2023, column: str = "value") -> str:
    hours = np.arange(f"{year}-01-01T00", f"{year + 1}-01-01T00", dtype="datetime64[h]")
    rows = [f"{str(t).replace('T', ' ')}:00,{v}" for t, v in zip(hours, values, strict=False)]
    return f"time,{column}\n" + "\n".join(rows) + "\n"


def _post(client, organisation, *, kind: str, text: str, **extra):
    data = {"organisation": organisation.pk, "kind": kind, "name": f"my {kind}", "column": "", "year": "", **extra}
    data["file"] = SimpleUploadedFile(f"{kind}.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("upload-create"), data)


def test_it_reads_a_carbon_file_and_shows_a_preview(client, owner, organisation):
    client.force_login(owner)
    values = 200 + 100 * np.sin(np.arange(8760) / 24 * 2 * np.pi) ** 2
    response = _post(client, organisation, kind="carbon", text=hourly_csv(values.round(3)))
    upload = Upload.objects.get()
    assert response["Location"] == reverse("upload-detail", args=[upload.pk])
    series = hourly_from_npz(upload.npz)["carbon_intensity_g_per_kwh"]
    assert series.shape == (8760,) and series.mean() == pytest.approx(values.mean(), abs=1e-3)
    page = client.get(reverse("upload-detail", args=[upload.pk])).content.decode()
    assert "gCO2e/kWh" in page and "2023-01-01 00:00" in page and "grid.uploads.carbon" in page


def test_it_converts_kilograms_per_kwh(client, owner, organisation):
    client.force_login(owner)
    _post(client, organisation, kind="carbon", text=hourly_csv([0.25] * 8760), carbon_unit="kg_per_kwh")
    assert Upload.objects.get().summary["stats"]["mean"] == pytest.approx(250.0)


def test_it_names_the_row_and_column_of_a_bad_value(client, owner, organisation):
    client.force_login(owner)
    values = ["30"] * 8760
    values[3] = "n/a"
    response = _post(client, organisation, kind="price", text=hourly_csv(values, column="lmp_usd_per_mwh"))
    assert response.status_code == 400
    # The header is line 1, so the fourth hour is row 5 of the file.
    assert "row 5, column 'lmp_usd_per_mwh': 'n/a' is not a number" in html.unescape(response.content.decode())
    assert not Upload.objects.exists()


def test_it_refuses_a_file_without_a_full_year():
    text = hourly_csv([1.0] * 8760)
    short = "\n".join(text.splitlines()[:5000]) + "\n"
    with pytest.raises(UploadError, match="no complete calendar year"):
        parse_upload(kind="system_load", content=short.encode())


def test_it_turns_a_demand_file_into_weekday_and_weekend_curves():
    # 2023-01-01 is a Sunday. Weekdays peak at 14:00 with 100 requests/s, weekends are flat at 20.
    hours = np.arange(8760)
    weekend = ((6 + hours // 24) % 7) >= 5
    rate = np.where(weekend, 20.0, np.where(hours % 24 == 14, 100.0, 50.0))
    parsed = parse_upload(kind="demand", content=hourly_csv(rate, column="requests_per_s").encode())
    shape = parsed.summary["daily_shape"]
    assert shape["weekday"][14] == 1.0 and shape["weekday"][3] == 0.5
    assert shape["weekend"] == [0.2] * 24


def test_it_reads_a_single_column_of_8760_values():
    text = "price_usd_per_mwh\n" + "\n".join(str(40 + h % 24) for h in range(8760)) + "\n"
    parsed = parse_upload(kind="price", content=text.encode())
    assert parsed.arrays["price_usd_per_mwh"][:3].tolist() == [40.0, 41.0, 42.0]


def test_it_reads_a_reference_weather_file(reference_dir):
    path = reference_dir / "hourly" / "weather" / "USA_VA_Sterling-Washington.Dulles.Intl.AP.724030_TMY3.epw"
    parsed = parse_upload(kind="weather", content=path.read_bytes(), filename=path.name)
    # NREL TMY3 for Dulles: annual mean dry bulb about 12.6 °C (the climate catalog's monthly
    # means, computed from the same file, average 12.6 °C).
    assert parsed.summary["stats"]["mean"] == pytest.approx(12.6, abs=0.3)
    assert np.all(parsed.arrays["wet_bulb_c"] <= parsed.arrays["dry_bulb_c"] + 1e-9)


def test_it_computes_a_scenario_with_an_uploaded_price(owner, organisation, small_inputs):
    upload = services.upload_create(
        organisation=organisation,
        uploaded_by=owner,
        kind="price",
        name="flat 100",
        content=hourly_csv([100.0] * 8760).encode(),
    )
    document = {
        **small_inputs,
        "grid": {**small_inputs["grid"], "tariff": "hourly", "uploads": {"price": str(upload.pk)}},
    }
    spec = parse_scenario(document)
    weather, uploads = upload_inputs_for_spec(spec, organisation_id=organisation.pk)
    assert weather is None and uploads["price"].tolist() == [100.0] * 8760


def test_it_runs_a_scenario_on_its_uploaded_price(owner, organisation, small_inputs):
    from planner.scenarios.models import Run, RunStatus

    upload = services.upload_create(
        organisation=organisation,
        uploaded_by=owner,
        kind="price",
        name="flat 100",
        content=hourly_csv([100.0] * 8760).encode(),
    )
    grid = {**small_inputs["grid"], "tariff": "hourly", "uploads": {"price": str(upload.pk)}}
    scenario = services.scenario_create(owner=owner, organisation=organisation, inputs={**small_inputs, "grid": grid})
    run = Run.objects.create(
        scenario=scenario, scenario_version=1, inputs=scenario.inputs, input_hash="h", submitted_by=owner
    )
    services.run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    # Hand-solvable: at a flat 100 USD/MWh on the hourly tariff, energy cost = annual MWh × 100.
    energy_usd = run.result["operator_cost_breakdown_usd"]["energy_usd"]
    assert energy_usd == pytest.approx(run.result["annual_facility_energy_mwh"] * 100.0, rel=1e-6)
