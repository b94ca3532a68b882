"""Reads scoped to what a user may see: members see their organisations' scenarios, nobody else."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from planner.scenarios.models import Membership, Organisation, Role, Run, Scenario

_CAN_EDIT = {Role.PLANNER, Role.ADMIN}


def organisations_for_user(user: AbstractBaseUser) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user).order_by("name")


def role_in(user: AbstractBaseUser, organisation_id: int) -> str | None:
    return Membership.objects.filter(user=user, organisation_id=organisation_id).values_list("role", flat=True).first()


def can_edit(user: AbstractBaseUser, organisation_id: int) -> bool:
    return role_in(user, organisation_id) in _CAN_EDIT


def scenarios_for_user(user: AbstractBaseUser) -> QuerySet[Scenario]:
    return Scenario.objects.filter(organisation__memberships__user=user).select_related("organisation", "owner")


def scenario_for_user(user: AbstractBaseUser, scenario_id: int) -> Scenario:
    """The scenario if the user's organisation holds it; 404 otherwise (never reveal it exists)."""
    scenario = scenarios_for_user(user).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404("No such scenario")
    return scenario


def runs_for_user(user: AbstractBaseUser) -> QuerySet[Run]:
    return Run.objects.filter(scenario__organisation__memberships__user=user).select_related("scenario")


def run_for_user(user: AbstractBaseUser, run_id: int) -> Run:
    run = runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such run")
    return run
