"""What every API endpoint that starts a job shares: the Idempotency-Key header, and the answer
(202 + Location of the job; a replayed key says so; 503 with the reason when the queue is down)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from planner.api.errors import FieldErrors, QueueUnavailable
from planner.jobs.lifecycle import JobQueueUnavailable

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    description="any unique string (≤ 200 printable ASCII characters); a retried POST with the same key "
    "returns the job the first one created instead of starting another",
)


def idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200 or any(not (32 <= ord(ch) < 127) for ch in key):
        raise FieldErrors({"Idempotency-Key": ["must be at most 200 printable ASCII characters"]})
    return key


def job_accepted(view: GenericAPIView, submit: Callable[[], tuple[Any, bool]], *, what: str) -> Response:
    """Run ``submit`` (→ the job and whether it is new) and answer 202 with the job's body.

    The queue being down is a 503 naming the job, which is stored as failed with the reason (a
    retry with the same key then starts a new one, never replays the dead one).
    """
    try:
        job, created = submit()
    except JobQueueUnavailable as error:
        raise QueueUnavailable(f"{what} {error.job_id} failed: {error.reason}") from None
    job.refresh_from_db()
    data = view.get_serializer(job).data
    headers = {"Location": data["url"]}
    if not created:
        headers["Idempotent-Replayed"] = "true"
    return Response(data, status=status.HTTP_202_ACCEPTED, headers=headers)
