"""Rate limits per token: each token has its own budget; over it the API answers 429."""

import pytest
from django.core.cache import cache

from planner.api.throttling import TokenRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_per_minute(monkeypatch):
    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {**TokenRateThrottle.THROTTLE_RATES, "token": "3/min"})
    yield
    cache.clear()


def test_it_limits_each_token_separately(api, three_per_minute):
    owner, teammate = api("owner"), api("teammate")
    assert [owner.get("/api/v1/organisations/").status_code for _ in range(3)] == [200, 200, 200]
    refused = owner.get("/api/v1/organisations/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert teammate.get("/api/v1/organisations/").status_code == 200, "another token has its own budget"


def test_it_refuses_a_malformed_rate_setting(monkeypatch):
    from planner.api.settings_helpers import env_rate
    from planner.env import SettingError

    monkeypatch.setenv("PLANNER_API_RATE", "lots")
    with pytest.raises(SettingError, match="PLANNER_API_RATE"):
        env_rate("PLANNER_API_RATE", "10/min")
    monkeypatch.setenv("PLANNER_API_RATE", "50/hour")
    assert env_rate("PLANNER_API_RATE", "10/min") == "50/hour"
