"""Uploads that must be refused quickly with a clear reason (issue 10): too many rows, an overlong
CSV field, a binary file as weather, and values outside the physical range of their kind."""

from __future__ import annotations

import html
import time

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from planner.scenarios.models import Upload
from planner.scenarios.uploads import MAX_ROWS, UploadError, parse_upload
from tests.planner.test_pages_uploads import hourly_csv

pytestmark = pytest.mark.django_db


def _post(client, organisation, *, kind: str, content: bytes, name: str = "file.csv"):
    data = {"organisation": organisation.pk, "kind": kind, "name": f"my {kind}", "column": "", "year": ""}
    data["file"] = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(reverse("upload-create"), data)


def _refused(response) -> str:
    """The form's error block (the page minus its layout)."""
    assert response.status_code == 400, response.status_code
    assert not Upload.objects.exists()
    page = html.unescape(response.content.decode())
    assert 'id="upload-errors"' in page
    return page[page.find('id="upload-errors"') :].split("</div>", 1)[0]


def test_it_refuses_a_million_rows_in_well_under_a_second(client, owner, organisation):
    client.force_login(owner)
    hours = np.arange("2000-01-01T00", "2120-01-01T00", dtype="datetime64[h]")[:1_000_000]
    text = "time,value\n" + "\n".join(f"{t},3" for t in hours.astype(str)) + "\n"  # 16 MB, under 20 MB
    started = time.perf_counter()
    page = _refused(_post(client, organisation, kind="carbon", content=text.encode()))
    assert time.perf_counter() - started < 1.0  # parsing it took 12 s before the limit (issue 10)
    assert f"1,000,001 rows; the limit is {MAX_ROWS:,}" in page


def test_it_refuses_a_field_over_the_csv_limit(client, owner, organisation):
    client.force_login(owner)
    text = "time,value\n2023-01-01 00:00," + "9" * 140_000 + "\n"
    assert "characters long" in _refused(_post(client, organisation, kind="price", content=text.encode()))


def test_it_refuses_a_binary_file_as_weather(client, owner, organisation):
    client.force_login(owner)
    content = bytes(range(256)) * 400
    page = _refused(_post(client, organisation, kind="weather", content=content, name="photo.epw"))
    assert "binary" in page


def test_it_refuses_undecodable_weather_without_nul(client, owner, organisation):
    client.force_login(owner)
    content = (bytes(range(128, 256)) + b"\n") * 400
    page = _refused(_post(client, organisation, kind="weather", content=content, name="latin1.epw"))
    assert "latin1.epw: " in page  # the reason follows the file name (here: no dry-bulb column)


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("carbon", 1e300, "gCO2e/kWh is outside the plausible range (≥ 0 and ≤ 2,000 gCO2e/kWh)"),
        ("carbon", -500, "-500 gCO2e/kWh is outside"),
        ("price", -1e12, "USD/MWh is outside the plausible range (≥ -15,000 and ≤ 20,000 USD/MWh)"),
        ("system_load", 0, "0 MW is outside the plausible range (> 0"),
    ],
)
def test_it_refuses_values_outside_the_physical_range(client, owner, organisation, kind, value, expected):
    client.force_login(owner)
    values = [100.0] * 8760
    values[10] = value
    page = _refused(_post(client, organisation, kind=kind, content=hourly_csv(values).encode()))
    assert expected in page and "hour 11" in page


def test_it_keeps_negative_prices_within_market_limits():
    values = [40.0] * 8760
    values[100] = -500.0  # e.g. EU day-ahead floor, reached on windy holidays
    parsed = parse_upload(kind="price", content=hourly_csv(values).encode())
    assert parsed.summary["stats"]["min"] == -500.0


def test_it_accepts_a_year_at_15_minute_resolution_under_the_row_limit():
    steps = np.arange("2023-01-01T00:00", "2024-01-01T00:00", 15, dtype="datetime64[m]")
    assert steps.size < MAX_ROWS
    text = "time,value\n" + "\n".join(f"{str(t).replace('T', ' ')},250" for t in steps) + "\n"
    parsed = parse_upload(kind="carbon", content=text.encode(), year=2023)
    assert parsed.summary["hours"] == 8760 and parsed.summary["stats"]["mean"] == pytest.approx(250.0)


def test_the_limit_is_checked_before_parsing():
    with pytest.raises(UploadError, match="rows; the limit"):
        parse_upload(kind="demand", content=b"1\n" * (MAX_ROWS + 1))
