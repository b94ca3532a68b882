"""Helpers shared by the page views: role checks and the example document."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied

from planner.scenarios import selectors

EXAMPLE_PATH = Path(settings.BASE_DIR) / "examples" / "ashburn-chat.json"


@cache
def example_document() -> dict[str, Any]:
    """The worked example every new scenario starts from (sensible defaults for every field)."""
    try:
        return json.loads(EXAMPLE_PATH.read_text())
    except (OSError, ValueError):
        return {"name": "New scenario", "workloads": [], "hardware": []}


def require_editor(user: Any, organisation_id: int, action: str = "do this") -> None:
    """Planners and admins of the organisation may change things; viewers get 403."""
    if not selectors.can_edit(user, organisation_id):
        raise PermissionDenied(f"You need the planner or admin role in this organisation to {action}.")


def require_admin(user: Any, organisation_id: int) -> None:
    if selectors.role_in(user, organisation_id) != "admin":
        raise PermissionDenied("Only an admin of this organisation can change its members.")
