"""Playwright driving Debian's chromium (never a downloaded browser).

Missing /usr/bin/chromium fails in CI (CI=true) and skips elsewhere, like every other service.
Screenshots go to test-artifacts/screenshots/, or to docs/screenshots/ with
PLANNER_SAVE_SCREENSHOTS=1 (how the README's pictures are refreshed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT, needs

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        needs(f"Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django then refuses
    # ORM calls (fixtures, teardown) unless told the process is synchronous. Only while the
    # browser is open.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    if os.environ.get("PLANNER_SAVE_SCREENSHOTS", "").strip() in {"1", "true", "yes"}:
        folder = ROOT / "docs" / "screenshots"
    else:
        folder = ROOT / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
