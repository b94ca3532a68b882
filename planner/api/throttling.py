"""Rate limits: per API token (or per signed-in user for session requests), per IP for anonymous.

Counts live in Django's cache. With the default local-memory cache each web process counts on
its own; configure a shared cache (Redis) to make the limit exact across processes.
"""

from __future__ import annotations

import hashlib

from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    """``token`` rate for each API token; session users are keyed by user id."""

    scope = "token"

    def get_cache_key(self, request, view) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        key = getattr(request.auth, "key", None)
        ident = "t" + hashlib.sha256(key.encode()).hexdigest()[:32] if key else f"u{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(SimpleRateThrottle):
    """Per client address — planner.login_throttle.client_address, which trusts X-Forwarded-For
    only as far as PLANNER_TRUSTED_PROXY_COUNT says (DRF's own get_ident trusts any header)."""

    scope = "anonymous"

    def get_ident(self, request) -> str:
        from planner.login_throttle import client_address

        return client_address(request._request if hasattr(request, "_request") else request)

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class EstimateRateThrottle(TokenRateThrottle):
    """The synchronous estimate computes in the request: its own, lower rate."""

    scope = "estimate"
