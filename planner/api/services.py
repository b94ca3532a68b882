"""API-side writes that the shared services do not cover: idempotent run submission under a
row lock, scenario deletion, organisation choice, custom catalog entries."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from rest_framework.exceptions import PermissionDenied

from planner.api.catalogs import CATALOGS
from planner.api.errors import Conflict, FieldErrors
from planner.scenarios import selectors, services
from planner.scenarios.models import Membership, Organisation, Role, Run, Scenario

_EDIT_ROLES = (Role.PLANNER, Role.ADMIN)


def organisation_for_write(*, user: AbstractBaseUser, organisation_id: int | None, action: str) -> Organisation:
    """The organisation a new object goes into: given, or the only one the user can edit in.

    An id the user is not a member of reads as unknown (400), whether or not it exists.
    """
    memberships = Membership.objects.filter(user=user).select_related("organisation")
    if organisation_id is None:
        editable = [m.organisation for m in memberships if m.role in _EDIT_ROLES]
        if len(editable) == 1:
            return editable[0]
        if not editable:
            raise PermissionDenied(f"You need the planner role in an organisation to {action}.")
        ids = ", ".join(str(o.pk) for o in editable)
        raise FieldErrors({"organisation": [f"required: you can edit in several organisations ({ids})"]})
    membership = next((m for m in memberships if m.organisation_id == organisation_id), None)
    if membership is None:
        raise FieldErrors({"organisation": [f"no organisation with id {organisation_id} among yours"]})
    if membership.role not in _EDIT_ROLES:
        raise PermissionDenied(f"Viewers cannot {action}; ask an admin of the organisation for the planner role.")
    return membership.organisation


def run_submit_once(*, scenario: Scenario, user: AbstractBaseUser, idempotency_key: str) -> tuple[Run, bool]:
    """Submit a run; a retry with the same Idempotency-Key returns the first run instead.

    The scenario row is locked for the check-and-create, so two concurrent retries cannot both
    start a run. Returns (run, created).
    """
    with transaction.atomic():
        Scenario.objects.select_for_update().filter(pk=scenario.pk).first()
        if idempotency_key:
            existing = Run.objects.filter(scenario=scenario, idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        run = services.run_submit(scenario=scenario, submitted_by=user, idempotency_key=idempotency_key)
    return run, True


def scenario_delete(*, scenario: Scenario, user: AbstractBaseUser) -> None:
    """Delete a scenario that has no runs (runs are kept: results may have been filed)."""
    if not selectors.can_edit(user, scenario.organisation_id):
        raise PermissionDenied("Viewers cannot delete scenarios.")
    with transaction.atomic():
        if Run.objects.filter(scenario=scenario).exists():
            raise Conflict("This scenario has runs; their results are kept, so it cannot be deleted.")
        scenario.revisions.all().delete()
        try:
            scenario.delete()
        except ProtectedError:  # a portfolio member: a portfolio never silently drops one
            raise Conflict("This scenario is a member of a portfolio; remove it from the portfolio first.") from None


def catalog_entry_create(*, catalog: str, user: AbstractBaseUser, body: dict[str, Any]) -> Any:
    """Validate a custom entry with the core catalog's own reader, then store it for the organisation."""
    kind = CATALOGS[catalog]
    organisation = organisation_for_write(
        user=user, organisation_id=body.get("organisation"), action=f"add {catalog} to the catalog"
    )
    entry = kind.validate(slug=body["slug"], data=body["data"])
    try:
        with transaction.atomic():
            return kind.model.objects.create(
                slug=body["slug"],
                name=body["name"],
                data=body["data"],
                sources=body.get("sources") or entry.get("sources", {}),
                builtin=False,
                organisation=organisation,
                created_by=user,
                **kind.extra_fields(body),
            )
    except IntegrityError:
        raise FieldErrors({"slug": [f"{body['slug']!r} already exists in this organisation's catalog"]}) from None


def catalog_entry_update(*, catalog: str, user: AbstractBaseUser, row: Any, body: dict[str, Any]) -> Any:
    """Replace a custom entry's definition, checked by the core catalog's reader like a new one.

    Runs keep the definition they were computed with (it is in their inputs snapshot).
    """
    kind = CATALOGS[catalog]
    if not selectors.can_edit(user, row.organisation_id):
        raise PermissionDenied(f"Viewers cannot edit {catalog}.")
    entry = kind.validate(slug=row.slug, data=body["data"])
    row.name = body["name"]
    row.data = body["data"]
    row.sources = body.get("sources") or entry.get("sources", {})
    for field, value in kind.extra_fields(body).items():
        setattr(row, field, value)
    row.save()
    return row
