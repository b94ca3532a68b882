"""Password guessing is limited per username and per client address, on the sign-in page and the
API's token exchange alike; rotating X-Forwarded-For gives no fresh budget (issue 10)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.LOGIN_RATE_USERNAME = "5/hour"
    settings.LOGIN_RATE_ADDRESS = "8/hour"
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    yield
    cache.clear()


def _exchange(client: Client, username: str, password: str, forwarded: str = "", remote: str = "10.0.0.1"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(TOKEN, {"username": username, "password": password}, content_type="application/json", **extra)


def test_rotating_x_forwarded_for_does_not_bypass_the_token_exchange_limit(owner):
    client = Client()
    codes = [_exchange(client, "owner", "wrong", forwarded=f"203.0.113.{i}").status_code for i in range(7)]
    assert codes == [400] * 5 + [429] * 2
    refused = _exchange(client, "owner", "pw-owner", forwarded="198.51.100.7")
    assert refused.status_code == 429, "the right password is not even checked once the limit is reached"
    body = refused.json()
    assert body["code"] == "throttled" and "Too many failed sign-ins" in body["detail"]
    assert int(refused["Retry-After"]) > 0


def test_the_address_limit_covers_many_usernames(owner):
    client = Client()
    codes = [_exchange(client, f"guess{i}", "wrong").status_code for i in range(9)]
    assert codes == [400] * 8 + [429]
    # Another address (a different REMOTE_ADDR) still has its budget.
    assert _exchange(client, "owner", "pw-owner", remote="10.0.0.2").status_code == 200


def test_a_trusted_proxy_depth_reads_the_client_from_x_forwarded_for(owner, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    # Behind one proxy: the proxy appends the real client; anything the client wrote before is ignored.
    for i in range(8):
        assert _exchange(client, f"user{i}", "wrong", forwarded=f"1.1.1.{i}, 192.0.2.50").status_code == 400
    assert _exchange(client, "user9", "wrong", forwarded="9.9.9.9, 192.0.2.50").status_code == 429
    assert _exchange(client, "owner", "pw-owner", forwarded="192.0.2.51").status_code == 200


def test_the_login_page_stops_at_the_limit(owner):
    client = Client()
    statuses = []
    for i in range(7):
        response = client.post(
            LOGIN, {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR=f"7.7.7.{i}"
        )
        statuses.append(response.status_code)
    assert statuses == [200] * 5 + [429] * 2
    refused = client.post(LOGIN, {"username": "owner", "password": "pw-owner"}, REMOTE_ADDR="10.0.0.3")
    assert refused.status_code == 429 and "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_page_and_the_api_share_the_username_budget(owner):
    client = Client()
    for _ in range(3):
        client.post(LOGIN, {"username": "owner", "password": "wrong"}, REMOTE_ADDR="10.0.0.4")
    codes = [_exchange(client, "owner", "wrong", remote="10.0.0.5").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


def test_a_correct_password_under_the_limit_signs_in(owner):
    client = Client()
    for _ in range(2):
        client.post(LOGIN, {"username": "owner", "password": "wrong"})
    response = client.post(LOGIN, {"username": "owner", "password": "pw-owner"})
    assert response.status_code == 302


@pytest.mark.services
def test_counters_are_shared_across_processes_through_the_configured_cache(owner, settings):
    """With PLANNER_CACHE_URL (Redis), a second process sees the failures counted by this one."""
    import os
    import subprocess
    import sys

    from django.core.cache import caches
    from django.test import RequestFactory

    from planner.login_throttle import _keys
    from tests.conftest import ROOT, needs, service_problem

    problem = service_problem()
    if problem:
        needs(problem)
    url = settings.CELERY_BROKER_URL
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    keys = [
        key
        for remote in ("10.0.0.9", "10.9.9.9")
        for key, _ in _keys(RequestFactory().post("/", REMOTE_ADDR=remote), "owner")
    ]
    caches["default"].delete_many(keys)  # only this test's counters (clear() would flush the broker's database)
    try:
        client = Client()
        for _ in range(5):
            assert _exchange(client, "owner", "wrong", remote="10.0.0.9").status_code == 400
        probe = (
            "import django; django.setup()\n"
            "from django.test import RequestFactory\n"
            "from planner.login_throttle import login_wait_s\n"
            "print(login_wait_s(request=RequestFactory().post('/', REMOTE_ADDR='10.9.9.9'), username='owner'))\n"
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "planner.settings",
            "PLANNER_CACHE_URL": url,
            "PLANNER_LOGIN_RATE_USERNAME": "5/hour",
        }
        done = subprocess.run(
            [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "3600", "the other process sees this one's 5 failures for 'owner'"
    finally:
        caches["default"].delete_many(keys)


def test_the_admin_login_is_limited_too(owner):
    owner.is_staff = True
    owner.save()
    client = Client()
    for i in range(5):
        client.post("/admin/login/", {"username": "owner", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"6.6.6.{i}")
    response = client.post("/admin/login/?next=/admin/", {"username": "owner", "password": "pw-owner"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
