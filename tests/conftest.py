"""Shared fixtures: users of three kinds, and real services (PostgreSQL, Redis, a Celery worker).

In CI (CI=true) a test that needs a service fails when the service is missing; on a laptop
without them it is skipped with the reason.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def needs(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if IN_CI:
        pytest.fail(f"CI requires this service but it is missing: {reason}")
    pytest.skip(f"service missing on this machine: {reason}")


def service_problem() -> str | None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL is not a PostgreSQL URL"
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        return "CELERY_BROKER_URL is not a Redis URL"
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at {settings.CELERY_BROKER_URL} does not answer: {error}"
    return None


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """../shared/reference beside the checkout: calibration and reference data, never copied into the repo."""
    if not REFERENCE.is_dir():
        if IN_CI:
            pytest.fail(f"CI requires the reference data folder {REFERENCE}, which is missing")
        pytest.skip(
            f"reference data folder {REFERENCE} is not present (a checkout without ../shared); CI fails instead"
        )
    return REFERENCE


# ---- users: owner, teammate, outsider -------------------------------------------------------


@pytest.fixture
def organisation(db):
    from planner.scenarios.models import Organisation

    return Organisation.objects.create(name="Alpha Grid Co")


@pytest.fixture
def other_organisation(db):
    from planner.scenarios.models import Organisation

    return Organisation.objects.create(name="Outsider Energy")


def _user(username: str, organisation, role: str):
    from django.contrib.auth import get_user_model

    from planner.scenarios.models import Membership

    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def owner(organisation):
    return _user("owner", organisation, "planner")


@pytest.fixture
def teammate(organisation):
    return _user("teammate", organisation, "planner")


@pytest.fixture
def viewer(organisation):
    return _user("viewer", organisation, "viewer")


@pytest.fixture
def outsider(other_organisation):
    return _user("outsider", other_organisation, "admin")


@pytest.fixture
def example_inputs() -> dict:
    import json

    return json.loads((ROOT / "examples" / "ashburn-chat.json").read_text())


@pytest.fixture
def small_inputs(example_inputs) -> dict:
    """The example scenario, kept as is: it is small enough to compute in about a second."""
    return example_inputs


@pytest.fixture
def embedded():
    """Embedded mode (jobs run in local worker threads) even where a broker is configured."""
    from planner.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


# ---- a real Celery worker ---------------------------------------------------------------------


class Worker:
    """A `celery worker` process against the test database and the real Redis broker."""

    def __init__(self, database_name: str, extra_env: dict[str, str] | None = None) -> None:
        self.name = f"test-{uuid.uuid4().hex[:8]}@localhost"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        self.env["DATABASE_URL"] = f"{url}/{database_name}"
        self.log_path = ROOT / "test-artifacts" / f"worker-{self.name.split('@')[0]}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 60.0) -> Worker:
        from planner.celery import app

        self.log_path.parent.mkdir(exist_ok=True)
        with self.log_path.open("wb") as log:  # the child keeps its own descriptor
            self.process = self._spawn(log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}; see {self.log_path}")
            replies = app.control.ping(destination=[self.name], timeout=0.5)
            if replies:
                return self
        self.kill()
        raise RuntimeError(f"worker did not start within {timeout_s} s; see {self.log_path}")

    def _spawn(self, log) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "planner",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "-n",
                self.name,
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool child die mid-task."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="module")
def services_ready(django_db_setup, django_db_blocker) -> str:
    """Real PostgreSQL + Redis are there; returns the test database's name. Purges old jobs."""
    problem = service_problem()
    if problem:
        needs(problem)
    from django.db import connection

    from planner.celery import app

    app.control.purge()
    return connection.settings_dict["NAME"]


@pytest.fixture(scope="module")
def celery_worker(services_ready) -> Iterator[Worker]:
    worker = Worker(services_ready).start()
    yield worker
    worker.stop()


def wait_for(predicate, *, timeout_s: float, interval_s: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
