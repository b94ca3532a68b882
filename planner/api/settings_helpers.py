"""Environment readers for the API's settings (imported by planner.settings; no Django import)."""

from __future__ import annotations

import os
import re

from planner.env import SettingError

_RATE = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as ``1200/min``; anything else stops start-up naming the variable."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    if not _RATE.match(value) or int(value.split("/")[0]) < 1:
        raise SettingError(f"{name}={raw!r} is not a rate; use N/second, N/minute, N/hour or N/day with N ≥ 1")
    return value
