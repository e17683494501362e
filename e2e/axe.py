"""Judging every main page as each person sees it: axe-core (WCAG 2.2 AA and best
practices, from e2e/node_modules, injected by Playwright), sideways scrolling, one h1,
and a screenshot in test-artifacts/ for people to look at. The tests that use this are
split by width so the two test processes share the work."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser

from e2e.conftest import ARTIFACTS
from e2e.world import World

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


# Switching the colour scheme changes colours only, not the document: after the full
# audit in the light scheme, the dark one is judged by the rules about colour.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]


def audit(page, path: str, colour_only: bool = False) -> list[str]:
    """axe's findings on the page, one readable line each."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    if colour_only:
        options = {"runOnly": {"type": "rule", "values": COLOUR_RULES}}
    else:
        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    result = page.evaluate("options => axe.run(document, options)", options)
    checked = {rule["id"] for key in ("passes", "violations", "incomplete") for rule in result[key]}
    assert "color-contrast" in checked, f"{path}: axe checked no text colours"
    found = []
    for violation in result["violations"]:
        for node in violation["nodes"][:3]:
            found.append(
                f"{path}: {violation['id']} ({violation['impact']}): "
                f"{node['target']} — {node['failureSummary'].splitlines()[-1].strip()}"
            )
    return found


def sideways(page, path: str, width: int) -> list[str]:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return [f"{path}: scrolls sideways by {overflow}px at {width}px"] if overflow > 0 else []


def visit(
    browser: Browser,
    base: str,
    world: World,
    persona: str,
    width: int,
    narrower: int | None = None,
) -> list[str]:
    """Findings on every main page of one persona at one width, light and dark (one
    load per page; the scheme is switched in place), and, at a `narrower` width, the
    same page narrowed in place: sideways scrolling only."""
    # The CSP would refuse the injected axe script: this test judges the page, not its CSP
    # (the CSP has tests of its own).
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)
    cookie = world.session_cookie(persona)
    if cookie:
        context.add_cookies([{**cookie, "url": base}])
    page = context.new_page()
    findings: list[str] = []
    for path in world.paths(persona):
        response = page.goto(base + path)
        expected = 404 if path == world.MISSING else 200
        assert response is not None and response.status == expected, (persona, path, response)
        findings += sideways(page, path, width)
        # Switching the scheme in place must not be judged mid-transition.
        page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        if page.locator("h1").count() != 1:
            findings.append(f"{path}: {page.locator('h1').count()} h1 elements")
        name = re.sub(r"[^a-z0-9]+", "-", f"{persona}-{path}".lower()).strip("-")[:60]
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            found = audit(page, path, colour_only=scheme == "dark")
            findings += [f"{scheme}: {line}" for line in found]
        if narrower:
            page.set_viewport_size({"width": narrower, "height": 800})
            findings += sideways(page, path, narrower)
            page.set_viewport_size({"width": width, "height": 800})
    context.close()
    return findings
