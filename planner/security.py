"""Security defaults read at start-up (settings) and checked by `manage.py check --deploy`.

The secret key
--------------
- ``DJANGO_SECRET_KEY`` set: used.
- ``DJANGO_DEBUG`` set to a false value (0/false/no/off) and no ``DJANGO_SECRET_KEY``: the
  process refuses to start, naming the variable (a production start must not run on a key
  anyone can read in the source), as does ``PLANNER_REQUIRE_SECRET=1``.
- neither set (the embedded default of ``make run`` and the tests): a random key is generated
  once into ``var/secret_key`` (mode 0600) and reused by every process sharing that folder, so
  sessions survive restarts and no key is published. ``check --deploy`` warns that the key was
  not set explicitly (planner.W001).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from planner.env import SettingError, env_bool

GENERATED_MARKER = "planner-generated-"


def _generated_key(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    var_dir.mkdir(parents=True, exist_ok=True)
    key = GENERATED_MARKER + secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def secret_key(*, var_dir: Path) -> str:
    """The SECRET_KEY to use, or SettingError naming DJANGO_SECRET_KEY when production lacks one."""
    key = os.environ.get("DJANGO_SECRET_KEY", "").strip()
    if key:
        return key
    debug_raw = os.environ.get("DJANGO_DEBUG")
    if debug_raw is not None and debug_raw.strip() != "" and not env_bool("DJANGO_DEBUG", default=False):
        raise SettingError(
            f"DJANGO_SECRET_KEY must be set when DJANGO_DEBUG={debug_raw.strip()} (production): "
            "set it to a long random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if env_bool("PLANNER_REQUIRE_SECRET", default=False):
        raise SettingError("DJANGO_SECRET_KEY must be set when PLANNER_REQUIRE_SECRET=1")
    return _generated_key(var_dir)


def check_secret_key(app_configs: object = None, **kwargs: object) -> list[object]:
    """`check --deploy`: a generated key is for a laptop, not a deployment."""
    from django.conf import settings
    from django.core.checks import Warning as CheckWarning

    if not str(settings.SECRET_KEY).startswith(GENERATED_MARKER):
        return []
    return [
        CheckWarning(
            "DJANGO_SECRET_KEY is not set: the planner generated a key into var/secret_key for local use.",
            hint="Set DJANGO_SECRET_KEY (and DJANGO_DEBUG=0) in the deployment's environment.",
            id="planner.W001",
        )
    ]
