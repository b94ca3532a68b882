"""Schema-driven fuzzing (schemathesis) against a live HTTP server on the test database: for every
operation of the OpenAPI schema, generated requests get no 500 and every answer conforms to the
schema (status code, content type, headers, body). Bounded so the whole file runs in well under 60 s."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema the server publishes at /api/v1/schema/, generated at collection time (the
    lazy fixture loader of schemathesis does not run under pytest 9); requests go to the live server."""
    import json

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator(api_version="v1").get_schema(request=None, public=True)
    # The coverage phase enumerates boundary values of every field of the nested scenario schema
    # (hundreds of requests per operation); the bounded fuzzing phase keeps the run short.
    config = schemathesis.config.SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}}
    )
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)), config=config)


@pytest.fixture
def fuzz_headers(owner, small_inputs, organisation):
    """The owner's token, with a scenario in place so that some generated ids hit real objects."""
    from rest_framework.authtoken.models import Token

    from planner.scenarios import services

    services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    return {"Authorization": f"Token {Token.objects.create(user=owner).key}"}


schema = _load_schema()


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_it_answers_every_generated_request_within_the_schema(case, fuzz_headers, live_server):
    # pytest-django's live server: a threaded WSGI server in this process, on the test database.
    case.call_and_validate(base_url=live_server.url, headers=fuzz_headers, checks=CHECKS, timeout=30)
