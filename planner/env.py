"""Typed readers of environment variables that refuse bad values loudly.

A mistyped setting must stop the process at start-up with a message naming the variable,
never fall back silently to a default that hides the mistake.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit


class SettingError(Exception):
    """An environment variable holds a value the planner cannot use."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}={value} must be ≥ {minimum}")
    return value


def env_float(name: str, default: float, *, minimum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise SettingError(f"{name}={raw!r} is not a finite number")
    if minimum is not None and value < minimum:
        raise SettingError(f"{name}={value} must be ≥ {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def database_from_url(url: str, *, variable: str = "DATABASE_URL") -> dict[str, object]:
    """Django DATABASES entry for a postgres:// URL (psycopg 3) or sqlite:///path."""
    parts = urlsplit(url)
    if parts.scheme in {"postgres", "postgresql", "postgresql+psycopg", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise SettingError(f"{variable}={url!r} names no database (expected postgres://user@host:port/dbname)")
        try:
            port = parts.port
        except ValueError:
            raise SettingError(f"{variable}={url!r} has a port that is not a number") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": f"test_{name}"},
        }
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if not path or path == "/":
            raise SettingError(f"{variable}={url!r} names no file (expected sqlite:////absolute/path.db)")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    raise SettingError(
        f"{variable}={url!r}: unsupported scheme {parts.scheme!r}; use postgres://user@host:5432/dbname or sqlite:///path"
    )


def broker_from_url(url: str, *, variable: str = "CELERY_BROKER_URL") -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"}:
        raise SettingError(f"{variable}={url!r}: the planner's broker is Redis; use redis://127.0.0.1:6379/0")
    try:
        _ = parts.port
    except ValueError:
        raise SettingError(f"{variable}={url!r} has a port that is not a number") from None
    return url
