"""Reads scoped to what a user may see: members see their organisations' portfolios; others get 404."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import Http404

from planner.jobs.models import COMPLETED_STATUSES
from planner.portfolios.models import Portfolio, PortfolioRun


def portfolios_for_user(user: AbstractBaseUser) -> QuerySet[Portfolio]:
    return Portfolio.objects.filter(organisation__memberships__user=user).select_related("organisation", "owner")


def portfolio_for_user(user: AbstractBaseUser, portfolio_id: int) -> Portfolio:
    portfolio = portfolios_for_user(user).filter(pk=portfolio_id).first()
    if portfolio is None:
        raise Http404("No such portfolio")
    return portfolio


def portfolio_runs_for_user(user: AbstractBaseUser) -> QuerySet[PortfolioRun]:
    return PortfolioRun.objects.filter(portfolio__organisation__memberships__user=user).select_related("portfolio")


def portfolio_runs_for_list(queryset: QuerySet[PortfolioRun]) -> QuerySet[PortfolioRun]:
    """Runs as lists show them: status and missed constraints, without loading inputs or result."""
    from django.db.models.fields.json import KeyTransform

    return queryset.defer("inputs", "result").annotate(missed_constraints=KeyTransform("constraints", "result"))


def portfolio_run_for_user(user: AbstractBaseUser, run_id: int) -> PortfolioRun:
    run = portfolio_runs_for_user(user).filter(pk=run_id).first()
    if run is None:
        raise Http404("No such portfolio run")
    return run


# A run with a result: succeeded, or completed with constraints not met (grid.portfolio_checks).
COMPLETED = COMPLETED_STATUSES


def latest_succeeded_run(portfolio: Portfolio) -> PortfolioRun | None:
    """The latest completed run (succeeded, or completed with constraints not met)."""
    return portfolio.runs.filter(status__in=COMPLETED).order_by("-finished_at", "-id").first()
