"""Password guessing limited per username AND per client address, for both faces that take a
password: the sign-in page (accounts/login/) and the API's password → token exchange.

- Failures are counted by one receiver of Django's ``user_login_failed`` signal, which
  ``authenticate()`` sends for every face; the authentication backend
  (:class:`ThrottledModelBackend`, the only one configured) refuses to check a password while
  either counter is at its limit — so every face that signs in with a password is covered,
  the admin's login included. The page and the token exchange also ask :func:`login_wait_s`
  first, to answer 429 with the reason (page: the form's error; API: the error body).
- The client address is :func:`client_address`: ``REMOTE_ADDR`` unless the deployment says how
  many reverse proxies it trusts (``PLANNER_TRUSTED_PROXY_COUNT``, default 0 = ignore
  ``X-Forwarded-For``, which any client can write). With N proxies the address is the N-th
  entry from the right of ``X-Forwarded-For`` — the one the outermost trusted proxy saw — so
  rotating the header does not give an attacker fresh counters.
- Counters live in Django's cache: shared by every process and server when ``PLANNER_CACHE_URL``
  points at Redis; per process with the default local-memory cache.
Limits: ``PLANNER_LOGIN_RATE_USERNAME`` (default 10/hour) and ``PLANNER_LOGIN_RATE_ADDRESS``
(default 50/hour). NIST SP 800-63B §5.2.2 requires at most 100 consecutive failures per account.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.http import HttpRequest

_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _rate(text: str) -> tuple[int, int]:
    count, period = text.split("/")
    return int(count), _SECONDS[period[0]]


def client_address(request: HttpRequest) -> str:
    """The client's address as the trusted proxies saw it (see the module docstring)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


def _keys(request: HttpRequest, username: str) -> list[tuple[str, str]]:
    user = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:32]
    return [
        (f"login-fail:user:{user}", settings.LOGIN_RATE_USERNAME),
        (f"login-fail:addr:{address}", settings.LOGIN_RATE_ADDRESS),
    ]


def login_wait_s(*, request: HttpRequest, username: str) -> int | None:
    """Seconds to wait before another password may be tried (None: go ahead)."""
    for key, rate in _keys(request, username):
        limit, window_s = _rate(rate)
        if int(cache.get(key, 0)) >= limit:
            return window_s
    return None


def login_failed(*, request: HttpRequest, username: str) -> None:
    for key, rate in _keys(request, username):
        _limit, window_s = _rate(rate)
        cache.add(key, 0, timeout=window_s)  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window_s)


@receiver(user_login_failed, dispatch_uid="planner.login_throttle")
def _count_failure(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    if request is not None:
        login_failed(request=request, username=str(credentials.get("username") or ""))


def too_many_attempts_message(wait_s: int) -> str:
    minutes = max(1, round(wait_s / 60))
    return f"Too many failed sign-ins for this account or from this address; try again in about {minutes} minute(s)."


class ThrottledModelBackend(ModelBackend):
    """Django's username/password backend, refusing while the sign-in limits are reached."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is not None and login_wait_s(request=request, username=str(username or "")) is not None:
            raise PermissionDenied("too many failed sign-ins")  # authenticate() stops and returns None
        return super().authenticate(request, username=username, password=password, **kwargs)
