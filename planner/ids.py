"""Database ids from user input: ASCII digits only, within a bigint (issue 20, item 8).

`str.isdigit()` is true for "²" and "١" (superscript and Arabic-Indic digits), which int() then
refuses or reads; a 30-digit id overflows PostgreSQL's bigint. Both were 500s.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"[0-9]{1,18}")  # 10^18 - 1 < 2^63 - 1, the largest bigint


def as_id(value: object) -> int | None:
    """The positive id `value` names (an int or a string of ASCII digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 10**18 else None
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
        return number if number > 0 else None
    return None


def as_index(value: object) -> int | None:
    """A position (0, 1, 2 …) given as ASCII digits, within a 32-bit integer column, else None."""
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()) and int(value.strip()) < 2**31:
        return int(value.strip())
    return None
