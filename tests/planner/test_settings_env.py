"""Settings come from the environment and refuse bad values with a message naming the variable."""

import os
import subprocess
import sys

import pytest

from planner.env import SettingError, broker_from_url, database_from_url, env_bool, env_int
from tests.conftest import ROOT


def test_it_parses_a_postgres_url_for_psycopg():
    db = database_from_url("postgres://planner:s%40cret@db.example:5433/plans")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "plans",
        "planner",
        "s@cret",
        "db.example",
        "5433",
    )


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("mysql://root@localhost/x", "unsupported scheme"),
        ("postgres://localhost:5432/", "names no database"),
        ("postgres://localhost:port/x", "port that is not a number"),
    ],
)
def test_it_refuses_bad_database_urls(url, fragment):
    with pytest.raises(SettingError, match=fragment):
        database_from_url(url)


def test_it_refuses_a_broker_that_is_not_redis():
    with pytest.raises(SettingError, match="CELERY_BROKER_URL"):
        broker_from_url("amqp://guest@localhost//")


def test_it_refuses_a_non_boolean(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "maybe")
    with pytest.raises(SettingError, match="DJANGO_DEBUG"):
        env_bool("DJANGO_DEBUG", default=False)


def test_it_refuses_a_too_small_integer(monkeypatch):
    monkeypatch.setenv("PLANNER_RUN_STALE_AFTER_S", "1")
    with pytest.raises(SettingError, match="≥ 5"):
        env_int("PLANNER_RUN_STALE_AFTER_S", 120, minimum=5)


def test_it_stops_django_at_start_up_on_a_bad_url():
    env = {**os.environ, "DATABASE_URL": "oracle://x/y", "DJANGO_SETTINGS_MODULE": "planner.settings"}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "DATABASE_URL" in done.stderr and "unsupported scheme" in done.stderr


def test_it_runs_jobs_in_process_without_a_broker():
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "DATABASE_URL"}}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='planner.settings'; django.setup();"
        "from django.conf import settings as s;"
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'])"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["True", "django.db.backends.sqlite3"]


def test_it_shares_rate_limit_counts_through_redis_when_asked():
    env = {**os.environ, "PLANNER_CACHE_URL": "redis://127.0.0.1:6379/7", "DJANGO_SETTINGS_MODULE": "planner.settings"}
    code = "import django; django.setup(); from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
    env["PLANNER_CACHE_URL"] = "memcached://x"
    refused = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "PLANNER_CACHE_URL" in refused.stderr
