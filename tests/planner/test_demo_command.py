"""`manage.py demo` (what `make run` starts with): every kind of object computed once, in the
embedded mode, and a second call leaves what is completed as it is."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.conftest import ROOT, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_computes_every_demo_object_once(embedded, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the command reads it to report each run's outcome
    from planner.portfolios.models import PortfolioRun
    from planner.scenarios.models import Run
    from planner.sites.models import ComparisonRun
    from planner.studies.models import StudyRun

    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "failed" not in text, text
    # The command waits for each job only up to PLANNER_JOB_EMBEDDED_WAIT_S; on a busy machine the
    # local worker threads may still be computing, so wait for every job to finish.
    wait_for(
        lambda: all(
            m.objects.exists() and all(j.is_finished for j in m.objects.all())
            for m in (Run, ComparisonRun, PortfolioRun, StudyRun)
        ),
        timeout_s=180,
        what="every demo job to finish",
    )
    examples = list((ROOT / "examples").glob("*.json"))  # one run per example scenario
    assert Run.objects.count() == len(examples) >= 4 and ComparisonRun.objects.count() == 1
    assert PortfolioRun.objects.count() == 1 and StudyRun.objects.count() == 1
    # The portfolio queues every example (≈96 MW) into the Dominion zone: on the zone's real hours
    # they fit its headroom (issue 18: on the old smooth profile the demo missed its curtailment rate).
    portfolio = PortfolioRun.objects.get()
    assert portfolio.status == "succeeded", portfolio.result.get("constraints")
    assert portfolio.result["regions"]["pjm-dominion"]["real_hours"]
    assert StudyRun.objects.get().points.count() == 4
    call_command("demo", stdout=StringIO())
    assert Run.objects.count() == len(examples) and PortfolioRun.objects.count() == 1 and StudyRun.objects.count() == 1
