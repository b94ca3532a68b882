"""The OpenAPI 3 schema validates, documents the one scenario schema, and the docs work offline."""

import re

import pytest
import yaml
from django.core.management import call_command
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        from rest_framework.test import APIClient

        response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_it_validates_as_openapi_3(schema):
    validate(schema)  # openapi-spec-validator raises on any violation
    assert schema["openapi"].startswith("3.")


def test_it_generates_without_a_single_warning(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/estimate" in yaml.safe_load(target.read_text())["paths"]


def test_it_documents_every_error_answer_with_the_error_body(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for code in ("400", "401", "403", "429"):
                ref = operation["responses"][code]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/Error"), (method, path, code)
            if "{" in path:
                assert "404" in operation["responses"], (method, path)


def test_it_describes_scenario_inputs_with_the_scenario_schema(schema, small_inputs):
    components = schema["components"]["schemas"]
    document = components["ScenarioDocument"]
    assert set(document["required"]) == {"name", "workloads", "hardware"}
    resolver = {"components": schema["components"], **document}
    OAS30Validator(resolver).validate(small_inputs)  # the example scenario is valid under it
    bad = dict(small_inputs, workloads=[])
    assert not OAS30Validator(resolver).is_valid(bad)


def test_it_serves_the_docs_pages_from_local_static_files(client):
    for url in ("/api/v1/docs/", "/api/v1/redoc/"):
        page = client.get(url).content.decode()
        assert "drf_spectacular_sidecar" in page
        external = re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", page)
        assert external == [], f"{url} loads assets from another host: {external}"
        for asset in re.findall(r"""["'](/static/drf_spectacular_sidecar/[^"']+)""", page):
            response = client.get(asset)
            assert response.status_code == 200, asset
            b"".join(response.streaming_content) if response.streaming else response.content
