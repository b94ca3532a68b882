import pytest


@pytest.fixture
def scenario(owner, organisation, small_inputs):
    from planner.scenarios import services

    return services.scenario_create(owner=owner, organisation=organisation, inputs=small_inputs)


def make_study(scenario, owner, definition, name="study"):
    from planner.studies import services

    return services.study_create(
        owner=owner, organisation=scenario.organisation, scenario=scenario, name=name, definition=definition
    )


@pytest.fixture(autouse=True)
def _jobs_in_process(request):
    """Outside the real-worker tests, study runs (and their chord) run in this process even when
    a broker is configured, so a test sees the result without a worker."""
    if request.node.get_closest_marker("services"):
        yield
        return
    from planner.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def submit(study, user, django_capture_on_commit_callbacks, key=""):
    """Submit a run and let its on-commit dispatch run now (the test holds the transaction)."""
    from planner.studies import services

    with django_capture_on_commit_callbacks(execute=True):
        run, created = services.study_run_submit(study=study, submitted_by=user, idempotency_key=key)
    run.refresh_from_db()
    return run, created
