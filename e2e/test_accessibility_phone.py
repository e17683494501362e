"""Every main page, as each person sees it, light and dark, on a 360 px phone: no axe
violation, no sideways scrolling, one h1, a screenshot in test-artifacts/; nothing
scrolls sideways at 320 px either; and a journal page shows the document before its
facts and tools."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from e2e.axe import AXE, visit
from e2e.conftest import ARTIFACTS
from e2e.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("persona", ["visitor", "learner", "mentor", "organizer"])
def test_every_main_page_passes_axe_on_a_phone_light_and_dark(
    browser: Browser, live_server, persona
):
    assert AXE.exists(), "run `.ci/tools judges` (make test does) to install axe-core"
    ARTIFACTS.mkdir(exist_ok=True)
    world = build_world()
    # And at 320 px, the narrowest phones still in use: nothing may scroll sideways.
    findings = visit(browser, live_server.url, world, persona, 360, narrower=320)
    assert findings == [], "\n".join(findings)


@pytest.mark.parametrize("width, document_first", [(360, True), (1280, False)])
def test_a_phone_shows_the_document_before_the_page_facts(
    browser: Browser, live_server, width, document_first
):
    world = build_world()
    context = browser.new_context(viewport={"width": width, "height": 800})
    cookie = world.session_cookie("learner")
    assert cookie is not None
    context.add_cookies([{**cookie, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + world.journey.get_absolute_url())
    first_section = page.locator(".journal-section").first.bounding_box()
    facts = page.locator(".page-aside").bounding_box()
    assert first_section is not None and facts is not None
    # On a phone the facts come after the document; on a desktop they sit beside it.
    assert (facts["y"] > first_section["y"] + first_section["height"]) is document_first
    context.close()
