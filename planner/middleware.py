"""Requests no view can serve, refused before any view runs (one place for every page and API path).

- a control character (NUL, newline, …) in the path: no resource has such a name → 404;
- a NUL in a query parameter: PostgreSQL cannot compare text with it → 400 naming the parameter.
Under /api/ the answer has the API's one error body (planner.api.errors); elsewhere plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _answer(request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]]) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        code = "not_found" if status == 404 else "invalid"
        return JsonResponse({"status": status, "code": code, "detail": detail, "errors": errors}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _CONTROL.search(request.path_info):
            return _answer(request, 404, "No resource at a path that contains a control character.", {})
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = "must not contain the NUL character (%00)"
                return _answer(request, 400, f"Query parameter {name!r} {message}.", {name.strip("\x00"): [message]})
        return self.get_response(request)
