"""What every page that starts a job shares: go to the job's page, and say why when the queue is down."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from planner.jobs.lifecycle import JobQueueUnavailable


def redirect_to_job(request: HttpRequest, submit: Callable[[], Any], *, url_name: str, what: str) -> HttpResponse:
    """Run ``submit`` (→ the job, or (job, created)) and go to the job's page (``url_name`` with
    ``run_id``). When the queue is down the job is stored as failed with the reason; its page says
    so and offers the re-run."""
    try:
        submitted = submit()
    except JobQueueUnavailable as error:
        messages.error(request, f"The {what} could not be queued: {error.reason}")
        return redirect(url_name, run_id=error.job_id)
    job = submitted[0] if isinstance(submitted, tuple) else submitted
    return redirect(url_name, run_id=job.pk)
