"""Organisation scoping, exactly as the pages: outsiders get 404 (the object is not revealed),
members without the planner or admin role get 403 on writes."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from rest_framework.exceptions import PermissionDenied

from planner.scenarios import selectors


def ensure_can_edit(user: AbstractBaseUser, organisation_id: int, *, action: str) -> None:
    """Raise 403 unless the user is a planner or admin of the organisation."""
    if not selectors.can_edit(user, organisation_id):
        raise PermissionDenied(f"Viewers cannot {action}; ask an admin of the organisation for the planner role.")
