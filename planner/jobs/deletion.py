"""One rule for deleting something that owns jobs (issue 20, item 12): not while one of its jobs is
queued or running. Before, the portfolio API deleted running portfolio runs while studies refused."""

from __future__ import annotations

from django.db.models import QuerySet

from planner.jobs.models import JobStatus

UNFINISHED_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class JobsInProgress(Exception):
    """The object has a queued or running job; the message says what to do (answered 409)."""


def refuse_while_in_progress(jobs: QuerySet, *, what: str) -> None:
    """Raise JobsInProgress when any of `jobs` is queued or running."""
    busy = list(jobs.filter(status__in=UNFINISHED_STATUSES).values_list("pk", flat=True)[:5])
    if busy:
        ids = ", ".join(f"#{pk}" for pk in busy)
        raise JobsInProgress(f"The {what} has a run in progress ({ids}); cancel it or wait for it to finish first.")
