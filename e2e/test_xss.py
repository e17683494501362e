"""The hostile-content corpus in a real browser: nothing runs, nothing leaves.

portfolio/tests/test_xss.py proves the write paths (every payload posted through the
views) and audits the HTML; here the same corpus is seeded through the models and
services, and Chromium opens every page where it shows, as the author, a mentor and a
visitor. Before any page loads, alert/confirm/prompt and `window.__xss` are replaced by
recorders and CSP violations are collected; every request is watched. Each page is
then hovered, focused and clicked through wherever user content sits.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect
from playwright.sync_api import Error as PlaywrightError

from conftest import make_invite, make_user
from portfolio.forms import ProfileForm
from portfolio.models import Cohort, Membership, Page, Role, SavedReply
from portfolio.services import comment_post, page_submit, review_submit, tag_get_or_create
from portfolio.tests.xss_corpus import (
    EVIL_HOST,
    HOSTILE_LINKS,
    MARKER,
    PAYLOADS,
    fitting,
    one_line,
    pack,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Runs in every frame before the page's own scripts.
RECORDERS = """
(() => {
  const hits = [];
  Object.defineProperty(window, "__xssHits", { value: hits });
  Object.defineProperty(window, "__violations", { value: [] });
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    window[name] = function (message) {
      hits.push(name + ": " + String(message));
      return name === "confirm" ? false : null;
    };
  }
  Object.defineProperty(window, "__xss", {
    configurable: false,
    get() { return undefined; },
    set(value) { hits.push("__xss = " + String(value)); },
  });
  document.addEventListener("securitypolicyviolation", (event) => {
    window.__violations.push({
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      sample: event.sample,
    });
  }, true);
  // Clicking a user's link may not leave the page under test; any other URL
  // (javascript:, data:, vbscript:) is left to do whatever it would do.
  window.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[href]");
    if (link && /^(https?|mailto):/i.test(link.href)) event.preventDefault();
  });
})();
"""

# Everywhere user text lands, per the templates.
USER_CONTENT = ", ".join(
    [
        ".prose",
        ".comment-body",
        ".comment-quote",
        ".comment-head",
        ".review-summary",
        ".page-summary",
        ".lede",
        ".journal-section h2",
        ".tag",
        ".tag-inline",
        ".row-list",
        ".result-snippet",
        ".diff",
        ".diff-heading",
        ".cohort-description",
        ".join-description",
        ".profile-links",
        ".eyebrow",
        "main h1",
        ".facts",
        ".member-row",
        ".insert-buttons",
        ".preview",
        ".people",
    ]
)

# Hover, focus and click everything in user content, with the events inline handlers
# listen for; links and anything inside rendered Markdown are clicked for real.
SWEEP = """
async (selector) => {
  const targets = new Set();
  for (const root of document.querySelectorAll(selector)) {
    targets.add(root);
    root.querySelectorAll("*").forEach((el) => targets.add(el));
  }
  const events = ["pointerover", "pointerenter", "mouseover", "mouseenter", "mousemove",
    "pointerdown", "mousedown", "pointerup", "mouseup", "dblclick", "contextmenu",
    "focusin", "keydown", "keyup", "wheel", "toggle", "animationstart", "transitionend",
    "load", "error"];
  for (const el of targets) {
    for (const type of events) {
      el.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }));
    }
    if (typeof el.focus === "function") el.focus();
    const markdown = el.closest(".prose, .comment-body");
    const control = el.closest("button, input, select, textarea, form");
    if (el.tagName === "A" || (markdown && !control)) {
      if (el instanceof HTMLElement) el.click();
      else el.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true }));
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 250));
  return targets.size;
}
"""
# The browser may only block http images from elsewhere (CSP allows https images
# for badges); Markdown table alignment is a class, so no inline style is ever blocked.
TOLERATED = {"img-src"}


def _accepted_links() -> str:
    """The hostile profile links the real form accepts (the unit tests show the rest
    are refused)."""
    kept = []
    for link in HOSTILE_LINKS:
        form = ProfileForm({"display_name": "x", "bio": "", "links": link})
        if form.is_valid():
            kept.append(form.cleaned_data["links"])
    return "\n".join(kept[:5])


def _pack(limit: int, *, sep: str = " ", multiline: bool = False) -> list[str]:
    return pack(PAYLOADS, limit, sep=sep, multiline=multiline)


@pytest.fixture
def world():
    """Every kind of user text, hostile, seeded through the models and services."""
    names = _pack(80)
    summaries = _pack(590, sep="\n", multiline=True)
    cohort = Cohort.objects.create(
        name=_pack(120)[0],
        slug="prodev",
        program=_pack(120)[1],
        description=_pack(4000, sep="\n\n", multiline=True)[0],
    )
    lena = make_user("lena", display_name=names[0], bio=_pack(500, multiline=True)[0])
    lena.links = _accepted_links()
    lena.save()
    maya = make_user("maya", display_name=names[1])
    otto = make_user("otto", display_name=names[2])
    for user, role in ((lena, Role.LEARNER), (maya, Role.MENTOR), (otto, Role.ORGANIZER)):
        Membership.objects.create(user=user, cohort=cohort, role=role)

    journal = Page.objects.create(
        cohort=cohort,
        author=lena,
        title=_pack(200)[0],
        slug="journal",
        summary=summaries[0],
        visibility="public",
    )
    for payload in PAYLOADS:
        journal.add_section(heading=one_line(payload)[:200], body=payload.text, by=lena)
    journal.tags.set([tag_get_or_create(one_line(p)) for p in fitting(40)[:10]])
    sections = list(journal.sections.order_by("position"))
    for n, payload in enumerate(PAYLOADS):
        comment_post(
            page=journal,
            author=maya,
            body=payload.text,
            section=sections[n % len(sections)],
            quote=one_line(payload)[:500],
        )
    first = sections[0]
    first.page = journal
    first.save_text(
        heading=first.heading,
        # Closed at the end: a section may not leave a <details> open above the next.
        body="\n\n".join(p.text for p in PAYLOADS) + "\n\n</details>",
        base_version=first.version,
        by=lena,
    )
    page_submit(page=journal, by=lena)
    review_submit(page=journal, reviewer=maya, verdict="approved", summary=summaries[1])

    second = Page.objects.create(
        cohort=cohort, author=lena, title=_pack(200)[1], slug="second", summary=summaries[2]
    )
    for payload in PAYLOADS[::3]:
        second.add_section(heading=one_line(payload)[:200], body=payload.text, by=lena)
    page_submit(page=second, by=lena)
    for title, body in zip(_pack(80)[:6], _pack(2000, sep="\n\n", multiline=True), strict=False):
        SavedReply.objects.create(cohort=cohort, owner=maya, title=title, body=body)
    return {
        "cohort": cohort,
        "lena": lena,
        "maya": maya,
        "journal": journal,
        "first": first,
        "invite": make_invite(cohort),
    }


class Watch:
    """One browser context with the recorders installed and every request seen."""

    def __init__(self, browser: Browser, base: str, user=None) -> None:
        self.base = base
        self.origin = urlsplit(base)
        self.context: BrowserContext = browser.new_context()
        self.context.add_init_script(RECORDERS)
        self.requests: list[tuple[str, str]] = []
        self.leaks: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.visited: set[str] = set()
        self.context.on("request", lambda r: self.requests.append((r.resource_type, r.url)))
        self.failed: dict[str, str] = {}
        self.context.on("requestfailed", self._failed)
        self.context.route(self._foreign, self._block)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            self.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
        self.page = self.context.new_page()
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc) != (self.origin.scheme, self.origin.netloc)

    def _failed(self, request) -> None:
        self.failed[request.url] = request.failure or ""

    def _block(self, route) -> None:
        self.leaks.append(route.request.url)
        route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def visit(self, path: str, findings: list[str]):
        url = self.base + path
        self.visited.add(url)
        try:
            response = self.page.goto(url, wait_until="load")
        except PlaywrightError as error:
            # A refresh or a script took the page elsewhere while it loaded.
            findings.append(f"{path}: the page was navigated away: {error.message[:120]}")
            return None
        assert response is not None and response.status == 200, (path, response)
        if not MARKER.search(self.page.locator("main").inner_text()):
            findings.append(f"{path}: shows no hostile text, so it tested nothing")
        self.sweep(path, findings)
        return response

    def sweep(self, where: str, findings: list[str]) -> None:
        page = self.page
        # Real pointer and keyboard on the first links in user content, then the rest by
        # dispatched events.
        try:
            links = page.locator(".prose a:visible, .comment-body a:visible, .profile-links a")
            for n in range(min(links.count(), 4)):
                links.nth(n).hover(timeout=2_000)
                links.nth(n).focus()
            if not page.evaluate(SWEEP, USER_CONTENT):
                findings.append(f"{where}: no user content found, the page fell apart")
            hits = page.evaluate("window.__xssHits")
            violations = page.evaluate("window.__violations")
        except PlaywrightError as error:
            findings.append(f"{where}: the page went away under the sweep: {error.message[:120]}")
            return
        for hit in hits:
            findings.append(f"{where}: script ran: {hit}")
        for frame in page.frames[1:]:
            findings.append(f"{where}: a frame exists: {frame.url}")
        for violation in violations:
            if violation["directive"] not in TOLERATED or (
                violation["directive"] == "img-src" and EVIL_HOST not in violation["blocked"]
            ):
                findings.append(f"{where}: CSP had to block {violation}")

    def report(self, findings: list[str]) -> None:
        for url in self.leaks:
            findings.append(f"request to another host: {url}")
        for kind, url in self.requests:
            if kind == "image" and self.failed.get(url) == "csp":
                # A Markdown image from another site (allowed by design, as https badges
                # are), stopped by the CSP before it left: http is not in img-src.
                continue
            if MARKER.search(url) and not (kind == "document" and url in self.visited):
                findings.append(f"{kind} request carrying a payload marker: {url}")
            if not url.startswith(self.base):
                findings.append(f"{kind} request outside the site: {url}")
        findings.extend(f"dialog opened: {message}" for message in self.dialogs)
        findings.extend(f"page error: {message}" for message in self.errors)
        self.context.close()


def test_hostile_content_runs_nothing_and_sends_nothing_in_a_browser(
    browser: Browser, live_server, world
):
    base = live_server.url
    findings: list[str] = []
    journal, first = world["journal"], world["first"]
    revision = first.revisions.filter(kind="edited").get()

    visitor = Watch(browser, base)
    visitor.visit("/@lena/journal/", findings)
    cached = visitor.visit("/@lena/journal/", findings)  # the shared, cached response
    assert cached is not None and cached.headers.get("x-cache") == "hit"
    visitor.visit("/@lena/", findings)
    visitor.visit(f"/search/?q={PAYLOADS[5].marker}", findings)
    visitor.visit(f"/join/{world['invite'].token}/", findings)
    visitor.report(findings)

    author = Watch(browser, base, world["lena"])
    author.visit("/@lena/journal/", findings)
    author.visit(f"/@lena/journal/history/?b={revision.pk}", findings)
    author.visit("/", findings)
    author.visit("/notifications/", findings)
    author.visit("/cohorts/prodev/", findings)
    # Edit mode: type hostile Markdown and let the live preview swap it in.
    author.visit(f"/@lena/journal/sections/{first.pk}/edit/", findings)
    editor = author.page.locator(f"#body-{first.pk}")
    preview = author.page.locator(f"#preview-{first.pk}")
    if editor.count() != 1 or preview.count() != 1:
        findings.append("edit mode: the editor is gone, the page fell apart")
    else:
        typed = "live-preview-swapped\n\n" + "\n\n".join(p.text for p in PAYLOADS[:40])
        editor.fill(typed)
        expect(preview).to_contain_text("live-preview-swapped")
        author.sweep("live preview", findings)
    author.report(findings)

    mentor = Watch(browser, base, world["maya"])
    mentor.visit("/@lena/journal/", findings)
    mentor.visit("/@lena/second/review/", findings)
    mentor.visit("/cohorts/prodev/review/", findings)
    mentor.visit("/cohorts/prodev/dashboard/", findings)
    mentor.visit("/cohorts/prodev/replies/", findings)
    mentor.visit("/cohorts/prodev/members/", findings)
    mentor.report(findings)

    unique = sorted(set(findings))
    assert not unique, f"{len(unique)} problems:\n" + "\n".join(unique[:80])
    # The journal really carried the corpus (else nothing above was tested).
    assert journal.sections.count() == len(PAYLOADS)
