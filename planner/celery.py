"""The Celery app. Configured from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "planner.settings")

app = Celery("planner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["planner.jobs"])

# Every worker sends the periodic job-recovery task on its own timer (planner.jobs.worker).
from planner.jobs.worker import JobRecoveryTimer  # noqa: E402

app.steps["worker"].add(JobRecoveryTimer)
