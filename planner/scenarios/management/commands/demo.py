"""`manage.py demo`: a demo organisation, user and scenario, computed, for the quick start."""

from __future__ import annotations

import json
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
    help = "Create the demo user (demo / demo-planner), organisation and example scenarios, and run one."

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
        for path in examples:
            inputs = json.loads(path.read_text())
            scenario = Scenario.objects.filter(organisation=organisation, name=inputs["name"]).first()
            if scenario is None:
                scenario = services.scenario_create(owner=user, organisation=organisation, inputs=inputs)
            if not scenario.runs.filter(status__in=COMPLETED_STATUSES).exists():
                try:
                    run = services.run_submit(scenario=scenario, submitted_by=user)
                except JobQueueUnavailable as error:
                    self.stdout.write(f"{scenario.name}: run #{error.job_id} failed: {error.reason}")
                    continue
                if settings.CELERY_TASK_ALWAYS_EAGER:
                    run.refresh_from_db()
                self.stdout.write(f"{scenario.name}: run #{run.pk} {run.status} {run.error}".rstrip())
        self.stdout.write(f"Demo ready: sign in as {DEMO_USERNAME} / {DEMO_PASSWORD} once the server is up")
