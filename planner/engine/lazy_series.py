"""Hourly series by name, each computed when it is first read (pure, no Django).

A scenario's result names ~25 hourly series; a study point reads two of them (the daily peak and
the daily emissions, planner.engine.studies.kpis) and a full run reads them all (charts, files).
A series given as a function of no arguments is computed once, on first read, and kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping

import numpy as np

Series = np.ndarray | Callable[[], np.ndarray]


class LazySeries(MutableMapping[str, np.ndarray]):
    def __init__(self, items: Mapping[str, Series] | None = None) -> None:
        self._items: dict[str, Series] = dict(items or {})

    @classmethod
    def merged(cls, *parts: Mapping[str, np.ndarray]) -> LazySeries:
        """One mapping of every part's series (a later part wins a name), none of them computed."""
        merged = cls()
        for part in parts:
            merged._items.update(part._items if isinstance(part, LazySeries) else part)
        return merged

    def defer(self, name: str, compute: Callable[[], np.ndarray]) -> None:
        """Name a series computed by ``compute()`` when first read."""
        self._items[name] = compute

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._items[name]
        if callable(value):
            value = self._items[name] = value()
        return value

    def __setitem__(self, name: str, value: np.ndarray) -> None:
        self._items[name] = value

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"LazySeries({list(self._items)})"
