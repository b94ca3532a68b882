"""manage.py recover_jobs: one recovery pass now (the workers also run it on their timer)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from planner.jobs.lifecycle import job_recover


class Command(BaseCommand):
    help = "Re-dispatch queued jobs whose message was lost and requeue or fail jobs whose worker was lost."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=settings.JOB_RECOVER_LIMIT)

    def handle(self, *args, limit: int, **options) -> None:
        acted = job_recover(limit=limit)
        self.stdout.write(
            f"recovered {len(acted)} job(s)" + (": " + ", ".join(f"{k} {i}" for k, i in acted) if acted else "")
        )
