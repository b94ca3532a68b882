"""`manage.py demo`: a demo organisation, user and scenario, computed, for the quick start."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from planner.jobs.lifecycle import JobQueueUnavailable
from planner.jobs.models import COMPLETED_STATUSES
from planner.scenarios import services
from planner.scenarios.models import Membership, Organisation, Role, Scenario

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-planner"  # noqa: S105 — a documented local demo login, not a secret


class Command(BaseCommand):
    help = (
        "Create the demo user (demo / demo-planner), organisation, example scenarios, a site comparison, "
        "a portfolio and a study, and compute them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        with transaction.atomic():
            organisation, _ = Organisation.objects.get_or_create(name="Demo Utility Planning")
            user, created = user_model.objects.get_or_create(username=DEMO_USERNAME)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": Role.ADMIN})
        examples = sorted((Path(settings.BASE_DIR) / "examples").glob("*.json"))
        scenarios = []
        for path in examples:
            inputs = json.loads(path.read_text())
            scenario = Scenario.objects.filter(organisation=organisation, name=inputs["name"]).first()
            if scenario is None:
                scenario = services.scenario_create(owner=user, organisation=organisation, inputs=inputs)
            scenarios.append(scenario)
            if not scenario.runs.filter(status__in=COMPLETED_STATUSES).exists():
                try:
                    run = services.run_submit(scenario=scenario, submitted_by=user)
                except JobQueueUnavailable as error:
                    self.stdout.write(f"{scenario.name}: run #{error.job_id} failed: {error.reason}")
                    continue
                if settings.CELERY_TASK_ALWAYS_EAGER:
                    run.refresh_from_db()
                self.stdout.write(f"{scenario.name}: run #{run.pk} {run.status} {run.error}".rstrip())
        self._submit("Site comparison", *_demo_comparison(organisation, user))
        self._submit("Portfolio", *_demo_portfolio(organisation, user, scenarios))
        self._submit("Study", *_demo_study(organisation, user, scenarios))
        self.stdout.write(f"Demo ready: sign in as {DEMO_USERNAME} / {DEMO_PASSWORD} once the server is up")

    def _submit(self, what: str, name: str, has_result: bool, submit: Callable[[], Any]) -> None:
        """Compute a demo object once (a later `demo` leaves a completed one as it is)."""
        if has_result:
            return
        try:
            run, _ = submit()
        except JobQueueUnavailable as error:
            self.stdout.write(f"{what} {name!r}: run #{error.job_id} failed: {error.reason}")
            return
        run.refresh_from_db()
        self.stdout.write(f"{what} {name!r}: run #{run.pk} {run.status} {run.error}".rstrip())


def _demo_comparison(organisation: Organisation, user: Any) -> tuple[str, bool, Callable[[], Any]]:
    from planner.sites import services as site_services
    from planner.sites.models import SiteComparison

    path = sorted((Path(settings.BASE_DIR) / "examples" / "site-comparisons").glob("*.json"))[0]
    inputs = json.loads(path.read_text())
    comparison = SiteComparison.objects.filter(organisation=organisation, name=inputs["name"]).first()
    if comparison is None:
        comparison = site_services.comparison_create(organisation=organisation, created_by=user, inputs=inputs)
    done = comparison.runs.filter(status__in=COMPLETED_STATUSES).exists()
    return comparison.name, done, lambda: site_services.comparison_run_submit(comparison=comparison, submitted_by=user)


def _demo_portfolio(organisation: Organisation, user: Any, scenarios: list[Scenario]) -> tuple[str, bool, Callable]:
    """The example scenarios as one utility's queue of large loads (all placed in Dominion), 2027–2032."""
    from planner.portfolios import services as portfolio_services
    from planner.portfolios.models import Portfolio

    name = "Dominion queue of large loads, 2027–2032"
    portfolio = Portfolio.objects.filter(organisation=organisation, name=name).first()
    if portfolio is None:
        members = [
            {"scenario": scenario.pk, "region": "pjm-dominion", "in_service_year": 2027 + i, "ramp": [0.5, 1.0]}
            for i, scenario in enumerate(scenarios)
        ]
        data = {"name": name, "start_year": 2027, "end_year": 2032, "members": members}
        portfolio = portfolio_services.portfolio_create(owner=user, organisation=organisation, data=data)
    done = portfolio.runs.filter(status__in=COMPLETED_STATUSES).exists()
    return name, done, lambda: portfolio_services.portfolio_run_submit(portfolio=portfolio, submitted_by=user)


def _demo_study(organisation: Organisation, user: Any, scenarios: list[Scenario]) -> tuple[str, bool, Callable]:
    """Serving stack × weight precision on the first example: four points."""
    from planner.studies import services as study_services
    from planner.studies.models import Study

    name = "Serving stack × precision"
    study = Study.objects.filter(organisation=organisation, name=name).first()
    if study is None:
        definition = {
            "kind": "sweep",
            "vary": {
                "hardware[0].serving_stack": ["vllm", "tensorrt-llm"],
                "hardware[0].weight_precision": ["fp8", "int4"],
            },
        }
        study = study_services.study_create(
            owner=user, organisation=organisation, scenario=scenarios[0], name=name, definition=definition
        )
    done = study.runs.filter(status__in=COMPLETED_STATUSES).exists()
    return name, done, lambda: study_services.study_run_submit(study=study, submitted_by=user)
