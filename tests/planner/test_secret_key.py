"""The secret key (issue 10): production without DJANGO_SECRET_KEY refuses to start; the embedded
default generates a private key instead of a public one; `check --deploy` flags a generated key."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from planner.env import SettingError
from planner.security import GENERATED_MARKER, secret_key
from tests.conftest import ROOT


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY", "DJANGO_DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "planner.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_it_refuses_to_start_in_production_without_a_secret(tmp_path):
    done = _manage("check", DJANGO_DEBUG="0", PLANNER_VAR_DIR=str(tmp_path))
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0" in done.stderr
    assert not (tmp_path / "secret_key").exists()


def test_check_deploy_flags_a_generated_key_and_not_a_set_one(tmp_path):
    generated = _manage("check", "--deploy", PLANNER_VAR_DIR=str(tmp_path))
    assert "planner.W001" in generated.stderr + generated.stdout
    explicit = _manage(
        "check", "--deploy", PLANNER_VAR_DIR=str(tmp_path), DJANGO_SECRET_KEY="x" * 60 + "-a-real-deployment-key"
    )
    assert "planner.W001" not in explicit.stderr + explicit.stdout


def test_the_generated_key_is_private_and_stable(tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.delenv("DJANGO_DEBUG", raising=False)
    first = secret_key(var_dir=tmp_path)
    assert first.startswith(GENERATED_MARKER) and len(first) > 50
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert secret_key(var_dir=tmp_path) == first  # every process sharing var/ gets the same key
    assert secret_key(var_dir=tmp_path / "other") != first


@pytest.mark.parametrize("debug", ["0", "false", "off"])
def test_every_false_spelling_of_debug_needs_the_secret(tmp_path, monkeypatch, debug):
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_DEBUG", debug)
    with pytest.raises(SettingError, match="DJANGO_SECRET_KEY"):
        secret_key(var_dir=tmp_path)
    monkeypatch.setenv("DJANGO_SECRET_KEY", "s" * 64)
    assert secret_key(var_dir=tmp_path) == "s" * 64
