"""Values derived from an object, kept per object identity (pure, no Django).

For what a study computes once and reads at every point — the weather-only cooling factors of a
weather year, the fleet's form of an engine curve, a region's history hours sorted by slack — keyed
by the object they are derived from. The object is held beside its value, so its id cannot be
reused by another object while the entry lives; the cache is emptied when full (a study uses a few).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

Value = TypeVar("Value")


class IdentityCache:
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: dict[tuple[Hashable, ...], tuple[Any, Any]] = {}

    def get(self, owner: object, compute: Callable[[], Value], *key: Hashable) -> Value:
        """The value for ``owner`` (and ``key``), computed by ``compute()`` the first time."""
        entry_key = (id(owner), *key)
        held = self._entries.get(entry_key)
        if held is not None and held[0] is owner:
            return held[1]
        value = compute()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[entry_key] = (owner, value)
        return value
