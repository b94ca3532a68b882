"""The site-comparison form's users and latency section, as structured rows: per workload whether it is
interactive or deferrable, its round-trip budget [ms], and its users as metro + share rows.

The browser posts ``users-<i>-workload``, ``users-<i>-kind`` (interactive | deferrable),
``users-<i>-rtt_budget_ms`` and ``users-<i>-metro-<j>-slug`` / ``users-<i>-metro-<j>-share``; the
indices may have gaps (rows removed in the page). This module turns them into the comparison's
``users`` list (planner/engine/site_comparison.py ``WorkloadUsers``) and names each problem by its
row, under the document's field path (``users[0].metros[1].share``). The JSON text box stays as the
advanced alternative (``users_mode=json``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

KINDS = ("interactive", "deferrable")
_BLOCK = re.compile(r"^users-(\d+)-workload$")


@dataclass
class MetroRow:
    slug: str = ""
    share: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class UsersBlock:
    """One workload's section as typed (strings kept for showing the form again)."""

    workload: str = ""
    kind: str = "interactive"
    rtt_budget_ms: str = ""
    metros: list[MetroRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def blank_blocks() -> list[UsersBlock]:
    return [UsersBlock(metros=[MetroRow()])]


def _indices(post: QueryDict, pattern: re.Pattern[str]) -> list[int]:
    return sorted({int(match.group(1)) for key in post for match in [pattern.match(key)] if match})


def blocks_from_post(post: QueryDict) -> list[UsersBlock]:
    """The workload sections in page order; wholly empty sections and rows are left out."""
    blocks = []
    for i in _indices(post, _BLOCK):
        row_pattern = re.compile(rf"^users-{i}-metro-(\d+)-slug$")
        rows = [
            MetroRow(
                slug=post.get(f"users-{i}-metro-{j}-slug", "").strip(),
                share=post.get(f"users-{i}-metro-{j}-share", "").strip(),
            )
            for j in _indices(post, row_pattern)
        ]
        block = UsersBlock(
            workload=post.get(f"users-{i}-workload", "").strip(),
            kind=post.get(f"users-{i}-kind", "interactive"),
            rtt_budget_ms=post.get(f"users-{i}-rtt_budget_ms", "").strip(),
            metros=[row for row in rows if row.slug or row.share],
        )
        if block.workload or block.rtt_budget_ms or block.metros:
            blocks.append(block)
    return blocks


def _share(raw: str) -> float | None:
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 < value <= 1 else None


def _row_label(j: int, row: MetroRow) -> str:
    return f"row {j + 1} ({row.slug or 'no metro'})"


def _check_rows(k: int, block: UsersBlock, errors: dict[str, list[str]]) -> dict[str, float]:
    metros: dict[str, float] = {}
    first_row: dict[str, int] = {}
    for j, row in enumerate(block.metros):
        where = f"users[{k}].metros[{j}]"
        if not row.slug:
            row.errors.append(f"{_row_label(j, row)}: pick a metro")
            errors.setdefault(f"{where}.metro", []).append(row.errors[-1])
        elif row.slug in first_row:
            row.errors.append(f"{_row_label(j, row)}: {row.slug} is already in row {first_row[row.slug] + 1}")
            errors.setdefault(f"{where}.metro", []).append(row.errors[-1])
        share = _share(row.share)
        if share is None:
            row.errors.append(f"{_row_label(j, row)}: the share must be a number > 0 and ≤ 1, not {row.share!r}")
            errors.setdefault(f"{where}.share", []).append(row.errors[-1])
        if row.slug and share is not None and row.slug not in first_row:
            metros[row.slug] = share
        first_row.setdefault(row.slug, j)
    return metros


def _check_total(k: int, block: UsersBlock, metros: dict[str, float], errors: dict[str, list[str]]) -> None:
    total = sum(metros.values())
    if math.isclose(total, 1.0, abs_tol=1e-6):
        return
    last_j = len(block.metros) - 1
    last = block.metros[last_j]
    need = 1.0 - (total - metros.get(last.slug, 0.0))
    fix = (
        f"; {_row_label(last_j, last)} would need {need:.4g}"
        if 0 < need <= 1
        else "; lower the shares of the rows above"
    )
    listed = ", ".join(f"{_row_label(j, r)} {r.share}" for j, r in enumerate(block.metros))
    message = f"the shares add up to {total:.4g}, not 1 ({listed}){fix}"
    block.errors.append(message)
    errors.setdefault(f"users[{k}].metros", []).append(message)


def users_from_blocks(blocks: list[UsersBlock]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """(the comparison's users list, errors naming the workload section and row)."""
    users: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for k, block in enumerate(blocks):
        if block.kind not in KINDS:
            block.errors.append(f"choose interactive or deferrable, not {block.kind!r}")
            errors.setdefault(f"users[{k}].interactive", []).append(block.errors[-1])
        item: dict[str, Any] = {"workload": block.workload, "interactive": block.kind != "deferrable"}
        if block.rtt_budget_ms:
            try:
                item["rtt_budget_ms"] = float(block.rtt_budget_ms)
            except ValueError:
                block.errors.append(f"round-trip budget: {block.rtt_budget_ms!r} is not a number [ms]")
                errors.setdefault(f"users[{k}].rtt_budget_ms", []).append(block.errors[-1])
        metros = _check_rows(k, block, errors)
        if block.metros:
            _check_total(k, block, metros, errors)
        item["metros"] = metros
        users.append(item)
    return users, errors


def blocks_from_users(users: Any) -> list[UsersBlock]:
    """The structured sections for a users list (a saved comparison, or JSON switched back to rows)."""
    blocks = []
    for item in users if isinstance(users, list) else []:
        if not isinstance(item, dict):
            continue
        metros = item.get("metros") if isinstance(item.get("metros"), dict) else {}
        budget = item.get("rtt_budget_ms")
        blocks.append(
            UsersBlock(
                workload=str(item.get("workload") or ""),
                kind="interactive" if item.get("interactive", True) else "deferrable",
                rtt_budget_ms=""
                if budget is None
                else f"{budget:g}"
                if isinstance(budget, int | float)
                else str(budget),
                metros=[
                    MetroRow(slug=str(slug), share=f"{share:g}" if isinstance(share, int | float) else str(share))
                    for slug, share in metros.items()
                ],
            )
        )
    return blocks or blank_blocks()
