"""Reads: comparisons and their runs, scoped to the user's organisations (outsiders get 404)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from planner.sites.models import ComparisonRun, SiteComparison


def comparisons_for_user(user: AbstractBaseUser) -> QuerySet[SiteComparison]:
    return SiteComparison.objects.filter(organisation__memberships__user=user).select_related("organisation")


def comparison_for_user(user: AbstractBaseUser, comparison_id: int) -> SiteComparison:
    comparison = comparisons_for_user(user).filter(pk=comparison_id).first()
    if comparison is None:
        raise Http404("No such site comparison")
    return comparison


def comparison_runs_for_user(user: AbstractBaseUser) -> QuerySet[ComparisonRun]:
    return ComparisonRun.objects.filter(comparison__organisation__memberships__user=user).select_related(
        "comparison__organisation"
    )


def comparison_run_for_user(user: AbstractBaseUser, run_id: int) -> ComparisonRun:
    run = comparison_runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such comparison run")
    return run
