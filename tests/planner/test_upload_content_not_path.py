"""Uploaded content is never read as a server file path (issue 20, item 1).

Before, a one-line upload with a comma and no newline went to the CSV reader as a file name: a
real server file with a comma in its name was read (a file-existence oracle and a partial read),
`/etc/passwd,x` and a header-only `time,value` gave a 500. Each upload kind is posted through the
upload page and must come back as a form error on the file field, with nothing stored.
"""

from __future__ import annotations

import html

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grid.load_series import LoadSeriesError, read_load_csv, read_load_csv_file
from grid.weather import WeatherError, read_weather
from planner.scenarios.models import Upload
from tests.planner.test_pages_uploads import hourly_csv

pytestmark = pytest.mark.django_db
KINDS = ("carbon", "price", "system_load", "demand", "weather")


def _post(client, organisation, kind: str, content: bytes):
    data = {"organisation": organisation.pk, "kind": kind, "name": f"my {kind}", "column": "", "year": ""}
    data["file"] = SimpleUploadedFile("one-line.csv", content, content_type="text/csv")
    return client.post(reverse("upload-create"), data)


def _file_error(response) -> str:
    assert response.status_code == 400, response.status_code
    assert not Upload.objects.exists()
    page = html.unescape(response.content.decode())
    block = page[page.find('id="upload-errors"') :].split("</div>", 1)[0]
    assert "one-line.csv: " in block  # the error is on the file field, naming the uploaded file
    return block


@pytest.fixture
def server_file_with_a_comma(tmp_path):
    """A readable server file whose name has a comma, holding a valid hourly series."""
    path = tmp_path / "load,2023.csv"
    path.write_text(hourly_csv(np.full(8760, 300.0)))
    return path


@pytest.mark.parametrize("kind", KINDS)
def test_a_server_path_as_content_is_not_read(client, owner, organisation, kind, server_file_with_a_comma):
    client.force_login(owner)
    block = _file_error(_post(client, organisation, kind, str(server_file_with_a_comma).encode()))
    assert "8760" not in block and "300" not in block  # nothing of the server file was read


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "content",
    [b"/etc/passwd,x", b"time,value", b"/usr/share/i18n/charmaps/ISO_8859-1,GL.gz", b"/etc/passwd"],
    ids=["passwd", "header-only", "gz-path", "bare-path"],
)
def test_a_one_line_upload_is_a_clear_error(client, owner, organisation, kind, content):
    client.force_login(owner)
    block = _file_error(_post(client, organisation, kind, content))
    assert "root:" not in block and "0x8b" not in block and "No such file" not in block
    if kind != "weather" and b"," in content:
        assert "a header but no data rows" in block


def test_the_readers_take_content_only(server_file_with_a_comma):
    with pytest.raises(LoadSeriesError, match="a header but no data rows"):
        read_load_csv(str(server_file_with_a_comma))
    with pytest.raises(TypeError, match="read_load_csv_file"):
        read_load_csv(server_file_with_a_comma)  # type: ignore[arg-type]
    with pytest.raises(WeatherError, match="uploaded file"):
        read_weather(str(server_file_with_a_comma))
    # The command-line face reads the file it is given, and only that one.
    assert read_load_csv_file(server_file_with_a_comma).report.rows_read == 8760
