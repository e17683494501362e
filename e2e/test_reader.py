"""The public page prints cleanly: the document and its author, no site chrome, code
that wraps instead of being cut; a PDF lands in test-artifacts/ to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from e2e.conftest import ARTIFACTS
from e2e.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_public_page_prints_as_a_clean_document(browser: Browser, live_server):
    world = build_world()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + world.journey.get_absolute_url())
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_have_text(world.journey.title)
    for chrome in [".site-header", ".site-footer"]:
        expect(page.locator(chrome)).to_have_count(1)
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.locator(".author-card")).to_be_visible()
    code = page.locator("pre").first
    wrap = code.evaluate("element => getComputedStyle(element).whiteSpace")
    assert wrap == "pre-wrap"
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = page.pdf(path=str(ARTIFACTS / "reader-print.pdf"), format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    context.close()
