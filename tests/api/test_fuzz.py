"""Schema-driven fuzzing (schemathesis) of the running app — the project's WSGI application, with
every middleware, on the test database — for every operation of the OpenAPI schema except the
token-revoking one (it would sign the fuzzer out): generated requests get no 5xx and every answer
conforms to the schema (status code, content type, headers, body). Requests go through the WSGI
interface in the test's own transaction (no HTTP server thread, no table flush per operation), so
the whole file runs in well under 60 s."""

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
    schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)), config=config)
    schema.app = _wsgi_app()
    return schema.exclude(operation_id="token_revoke")


def _wsgi_app():
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler closes "old" connections at each request's start and end, which would
    close the test's transaction; the test client detaches the same receivers for the same reason."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_headers(owner, small_inputs, organisation):
    """The owner's token, with a scenario in place so that some generated ids hit real objects."""
    from rest_framework.authtoken.models import Token

    from planner.scenarios import services

    services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)
    return {"Authorization": f"Token {Token.objects.create(user=owner).key}"}


schema = _load_schema()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_it_answers_every_generated_request_within_the_schema(case, fuzz_headers):
    case.call_and_validate(headers=fuzz_headers, checks=CHECKS)


def test_the_fuzzed_operations_are_all_but_the_token_revoke():
    operations = {result.ok().definition.raw.get("operationId") for result in schema.get_all_operations()}
    assert "token_revoke" not in operations
    assert {"token_obtain", "estimate", "scenarios_create", "accelerators_retrieve"} <= operations
