"""One error body for every failure of the API: ``{"status", "code", "detail", "errors"}``.

``errors`` maps a field path to its messages. Scenario inputs use exactly the paths of
``planner.engine.schema.ScenarioError.errors`` (``workloads[1].peak_requests_per_s``); other
body fields use their own names (``organisation``, ``kind``). Errors that concern no field
have ``errors == {}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from planner.engine.schema import ScenarioError

logger = logging.getLogger(__name__)


class FieldErrors(exceptions.APIException):
    """400 with field path → messages."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = "The request body has errors; see `errors` (field path → messages)."

    def __init__(self, errors: dict[str, list[str]], detail: str | None = None) -> None:
        super().__init__(detail or self.default_detail, self.default_code)
        self.errors = {path: [str(m) for m in messages] for path, messages in errors.items()}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The resource is not in a state that allows this."


class QueueUnavailable(exceptions.APIException):
    """503: the job queue (broker) could not take the job; the job is stored as failed with the reason."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unavailable"
    default_detail = "The job queue is unavailable; retry later."


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {'field.sub[0]': [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            for sub, messages in flatten(value, path).items():
                out.setdefault(sub, []).extend(messages)
    elif isinstance(detail, list) and detail and all(not isinstance(item, dict | list) for item in detail):
        out[prefix or "body"] = [str(item) for item in detail]
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            for sub, messages in flatten(value, f"{prefix}[{index}]").items():
                out.setdefault(sub, []).extend(messages)
    elif detail is not None and str(detail):
        out[prefix or "body"] = [str(detail)]
    return out


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF hook: every error, whatever raised it, leaves with the same body shape."""
    if isinstance(exc, ScenarioError):
        exc = FieldErrors(exc.errors, detail="The scenario has errors; see `errors` (field path → messages).")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        # A bug, not a bad request: log it with its traceback, answer with the same body shape.
        logger.error("API error in %s", context.get("view").__class__.__name__, exc_info=exc)
        body = {"status": 500, "code": "server_error", "detail": "Internal error; it has been logged.", "errors": {}}
        return Response(body, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    if isinstance(exc, FieldErrors):
        errors, detail = exc.errors, str(exc.detail)
    elif isinstance(exc, exceptions.ValidationError):
        errors, detail = flatten(exc.detail), FieldErrors.default_detail
    else:
        errors, detail = {}, str(exc.detail)
    response.data = {"status": response.status_code, "code": _code(exc), "detail": detail, "errors": errors}
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer."""

    status = serializers.IntegerField(help_text="HTTP status code")
    code = serializers.CharField(help_text="machine-readable code, e.g. invalid, not_found, throttled")
    detail = serializers.CharField(help_text="what went wrong, in words")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="field path → messages (empty when no field is at fault)",
    )
