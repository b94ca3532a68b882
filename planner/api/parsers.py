"""The API's JSON reader: every body goes through planner.engine.documents.load_json, so deep
nesting, overlong integers, infinities and NUL characters are a 400 naming the field, not a 500."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework.parsers import JSONParser

from planner.api.errors import FieldErrors
from planner.engine.documents import DocumentError, load_json


class BodyParseError(FieldErrors):
    """400 ``parse_error``: the body is not a usable JSON document; ``errors`` says where."""

    default_code = "parse_error"


class GuardedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF reads the raw stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE check: read one byte
        # more than the limit and refuse a longer body with the same 413 as Django's own check.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = b"" if stream is None else stream.read(-1 if limit is None else limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig(f"the request body is larger than {limit:,} bytes")
        try:
            return load_json(raw)
        except DocumentError as error:
            raise BodyParseError(
                error.errors_under("body"), detail=f"The request body cannot be read: {error}"
            ) from None
