"""Browser tests: Playwright driving the system Chromium against pytest-django's live server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the live server's database
# access from the test thread is synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Two cores run the browser, the live server and the tests: give assertions room.
expect.set_options(timeout=10_000)

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


ROOT = Path(__file__).resolve().parent.parent


def chromium_path() -> str | None:
    """The Chromium to drive: $CHROMIUM_PATH, the one `.ci/tools browser` found or
    installed (`make test` runs it), or the system's; None means Playwright's own."""
    configured = os.environ.get("CHROMIUM_PATH") or os.environ.get("CHROME_PATH")
    if configured:
        return configured
    chosen = ROOT / ".chromium-path"
    if chosen.exists() and Path(chosen.read_text().strip()).exists():
        return chosen.read_text().strip()
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": CHROMIUM_FLAGS}
    if path := chromium_path():
        args["executable_path"] = path
    return args


@pytest.fixture
def shoot(page):
    """Save a screenshot under test-artifacts/ for people to look at."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
