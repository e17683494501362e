"""Every main page, as each person sees it, light and dark, at 1280 px: no axe
violation, no sideways scrolling, one h1, a screenshot in test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from e2e.axe import AXE, visit
from e2e.conftest import ARTIFACTS
from e2e.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("persona", ["visitor", "learner", "mentor", "organizer"])
def test_every_main_page_passes_axe_on_a_desktop_light_and_dark(
    browser: Browser, live_server, persona
):
    assert AXE.exists(), "run `.ci/tools judges` (make test does) to install axe-core"
    ARTIFACTS.mkdir(exist_ok=True)
    world = build_world()
    findings = visit(browser, live_server.url, world, persona, 1280)
    assert findings == [], "\n".join(findings)
