"""Raw JSON documents from users, checked before any schema reads them (no Django import).

Every face that takes a JSON document — the API's request bodies, the JSON editor, the
structured editor's custom-object fields, custom catalog entries, ``manage.py plan`` — reads it
with :func:`load_json` and/or checks it with :func:`check_document`, so that a hostile or broken
document becomes an error naming where it is wrong, never a crash further in:

- nesting deeper than ``MAX_DEPTH`` (Python's JSON reader and the validators recurse: 100,000
  levels exhaust the interpreter's stack);
- integers longer than ``MAX_INT_DIGITS`` digits (Python refuses to convert more than 4,300
  digits, and none of the planner's figures needs more than 20: the largest are FLOP/s ≈ 10^16
  and bytes ≈ 10^13);
- NaN or infinity (JSON has no such numbers; ``1e999`` reads as infinity);
- the NUL character in a key or a string (PostgreSQL's text and jsonb cannot store it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Final

# The deepest scenario document is 5 levels (scenario → workloads → [i] → distribution → tokens);
# a custom accelerator or model object adds at most 3. 32 leaves room and stops far from the stack.
MAX_DEPTH: Final = 32
MAX_INT_DIGITS: Final = 20


class DocumentError(ValueError):
    """The document cannot be read; ``path`` names where (``workloads[0].name``, or ``""`` for all).

    ``errors`` maps every faulty path (``root`` when empty) to its messages; path/message are the first.
    """

    def __init__(self, path: str, message: str, *, errors: dict[str, list[str]] | None = None) -> None:
        self.path = path
        self.message = message
        self.errors = errors or {path: [message]}
        super().__init__(f"{path}: {message}" if path else message)

    def errors_under(self, root: str) -> dict[str, list[str]]:
        """``errors`` with an empty path replaced by ``root`` (the field the whole document came in)."""
        return {path or root: messages for path, messages in self.errors.items()}


def _child(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _check_scalar(value: object, path: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise DocumentError(path, "must not contain the NUL character (\\u0000)")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) >= 10**MAX_INT_DIGITS:
            raise DocumentError(path, f"integer longer than {MAX_INT_DIGITS} digits; no planner figure is that large")
    elif isinstance(value, float) and not math.isfinite(value):
        raise DocumentError(path, "must be a finite number (not NaN or infinity; 1e309 and above overflow)")


def check_document(data: Any, *, path: str = "") -> None:
    """Raise DocumentError naming each too-deep container, overlong integer, non-finite number or NUL.

    Iterative (an explicit stack), so that checking a deep document cannot itself exhaust the stack.
    """
    errors: dict[str, list[str]] = {}
    stack: list[tuple[Any, str, int]] = [(data, path, 0)]
    while stack and len(errors) < 50:
        value, where, depth = stack.pop()
        try:
            if isinstance(value, dict | list):
                if depth >= MAX_DEPTH:
                    raise DocumentError(where, f"nested deeper than {MAX_DEPTH} levels")
                items = value.items() if isinstance(value, dict) else enumerate(value)
                for key, item in items:
                    if isinstance(key, str) and "\x00" in key:
                        raise DocumentError(where, "a key contains the NUL character (\\u0000)")
                    stack.append((item, _child(where, key), depth + 1))
            else:
                _check_scalar(value, where)
        except DocumentError as error:
            errors.setdefault(error.path, []).append(error.message)
    if errors:
        first = next(iter(errors))
        raise DocumentError(first, errors[first][0], errors=errors)


def load_json(raw: str | bytes, *, path: str = "") -> Any:
    """Parse a JSON text and check it (:func:`check_document`); DocumentError says what is wrong and where."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DocumentError(path, f"not UTF-8 text (byte {error.start} cannot be decoded)") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise DocumentError(path, f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    except RecursionError:  # the C reader stops at the interpreter's recursion limit (≈1,000 levels)
        raise DocumentError(path, f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise DocumentError(path, f"not a usable JSON document: {error}") from None
    check_document(data, path=path)
    return data


# A JSON file named on a command line is read up to this size: a scenario is ≈3 KB, one with full
# custom model and accelerator objects ≈30 KB; the API takes 2.5 MB bodies. Larger files (or
# /dev/zero) are refused after reading the limit, never read to the end.
MAX_FILE_BYTES: Final = 8 * 1024 * 1024


def read_json_file(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """A JSON file given on a command line, read (bounded) and checked like any other document."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DocumentError("", f"file not found: {path}") from None
    except IsADirectoryError:
        raise DocumentError("", f"{path} is a directory; give the path of a JSON file") from None
    except OSError as error:
        raise DocumentError("", f"cannot read {path}: {error.strerror or error}") from None
    if len(raw) > max_bytes:
        raise DocumentError("", f"larger than the limit of {max_bytes:,} bytes for a JSON file")
    return load_json(raw)
