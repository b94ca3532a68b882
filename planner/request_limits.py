"""A page form larger than Django's limit gets a clear page, not a bare "Bad Request (400)" (issue 20, item 11).

Django refuses a POST whose form fields exceed DATA_UPLOAD_MAX_MEMORY_SIZE (2,621,440 bytes, Django's
default) with RequestDataTooBig, which it answers through the 400 handler. The API answers 413 with
its error body (planner/api/errors.py); pages get the 413 page here, which says what the limit is and
that nothing was saved. In the browser, static/planner/forms.js checks the size before sending, so
the form stays on screen with everything typed in it and the error at its top.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults


def max_post_bytes() -> int:
    return int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)


def limits(_request: HttpRequest) -> dict[str, Any]:
    """Template context: the largest form a page may post [bytes] (forms.js reads it)."""
    return {"max_post_bytes": max_post_bytes()}


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        limit = max_post_bytes()
        context = {"limit_bytes": limit, "limit_mb": limit / 1024 / 1024, "sent_bytes": _sent(request)}
        return render(request, "413.html", context, status=413)
    return defaults.bad_request(request, exception)


def _sent(request: HttpRequest) -> int | None:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) or None
    except ValueError:
        return None
