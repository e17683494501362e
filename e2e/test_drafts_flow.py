"""Drafts of an open section editor: what survives a dropped network, a closed tab, an
ended session and a second window, and what the status line promises meanwhile."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from conftest import make_page, make_user
from e2e.conftest import ARTIFACTS
from e2e.test_cohort_flow import log_in
from portfolio.models import Cohort, Draft, Membership, Role, Section

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SAVED = re.compile(r"Draft saved \d\d:\d\d\. Only you can see it\.")
OFFLINE = "Not saved — offline, kept in this browser."
ALSO_MINE = "You are also editing this section in another window: save one of them first."
# What the browser and htmx log by themselves for a request that fails on purpose here
# (offline, or refused with 401): not a script error.
EXPECTED_LOG = re.compile(
    r"Failed to load resource|ERR_INTERNET_DISCONNECTED|Response Status Error Code 401"
)


@pytest.fixture
def journal():
    lena = make_user("lena", display_name="Lena Learner")
    maya = make_user("maya", display_name="Maya Mentor")
    cohort = Cohort.objects.create(name="ProDev Backend 7", slug="prodev-7")
    Membership.objects.create(user=lena, cohort=cohort, role=Role.LEARNER)
    Membership.objects.create(user=maya, cohort=cohort, role=Role.MENTOR)
    return make_page(lena, cohort, title="Week 3", sections=1)


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []

    def logged(message: ConsoleMessage) -> None:
        if message.type == "error" and not EXPECTED_LOG.search(message.text):
            errors.append(message.text)

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", logged)
    return errors


def signed_in(context: BrowserContext, base: str, email: str = "lena@example.com") -> Page:
    page = context.new_page()
    log_in(page, base, email)
    return page


def open_editor(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_role("link", name="Edit “Section 1”").click()
    expect(page.get_by_label("Text (Markdown)")).to_be_focused()


def type_over(page: Page, text: str) -> None:
    """Replace the editor's text key by key, as a person would."""
    field = page.get_by_label("Text (Markdown)")
    field.press("Control+A")
    field.press_sequentially(text, delay=5)


def local_drafts(page: Page) -> list[str]:
    return page.evaluate(
        "Object.keys(localStorage).filter((key) => key.startsWith('nexus:draft:'))"
    )


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def test_text_typed_offline_survives_a_closed_tab(browser: Browser, live_server, journal):
    section = journal.sections.get()
    url = live_server.url + journal.get_absolute_url()
    context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    page = signed_in(context, live_server.url)
    errors = watch_errors(page)
    open_editor(page, url)

    type_over(page, "Written on the train, offline.")
    context.set_offline(True)
    page.get_by_label("Text (Markdown)").blur()
    status = page.locator("[data-draft-status]")
    expect(status).to_have_text(OFFLINE)
    # The status is honest: nothing reached the server, and the browser kept the text.
    assert Draft.objects.count() == 0
    assert local_drafts(page) == [f"nexus:draft:{section.pk}:{section.version}"]
    page.close()
    context.set_offline(False)

    page = context.new_page()
    errors += watch_errors(page)
    page.goto(url)
    notice = page.locator("[data-drafts]")
    expect(notice).to_be_visible()
    expect(notice.get_by_role("heading", name="Unsaved changes")).to_be_visible()
    expect(notice).to_contain_text("You have unsaved changes to “Section 1” kept in this browser")
    shot(page, "drafts-notice-local-dark")
    notice.get_by_role("button", name="Resume editing").click()
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Written on the train, offline.")
    expect(notice).to_be_hidden()
    # Resumed, the text goes to the server as a draft at once.
    expect(page.locator("[data-draft-status]")).to_have_text(SAVED)

    page.get_by_label("Text (Markdown)").press("Control+Enter")
    expect(page.locator(".journal-section .prose")).to_have_text("Written on the train, offline.")
    section.refresh_from_db()
    assert section.body == "Written on the train, offline."
    assert Draft.objects.count() == 0
    # Saved, the text is the section's: this browser forgets its copy, and a later
    # visit offers nothing back.
    page.reload()
    expect(page.locator(".journal-section .prose")).to_have_text("Written on the train, offline.")
    expect(page.locator("[data-drafts]")).to_be_hidden()
    assert local_drafts(page) == []
    assert errors == []
    context.close()


def test_a_server_draft_is_offered_back_after_a_reload(browser: Browser, live_server, journal):
    section = journal.sections.get()
    url = live_server.url + journal.get_absolute_url()
    context = browser.new_context(viewport=DESKTOP)
    page = signed_in(context, live_server.url)
    errors = watch_errors(page)
    open_editor(page, url)

    type_over(page, "A thought worth keeping.")
    status = page.locator("[data-draft-status]")
    # The status waits for the server's answer; the draft is then really there.
    expect(status).to_have_text(SAVED)
    draft = Draft.objects.get()
    assert (draft.body, draft.base_version) == ("A thought worth keeping.", section.version)
    shot(page, "drafts-editor-saved")

    page.reload()
    notice = page.locator("[data-drafts]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("You have unsaved changes to “Section 1” from")
    # The reloaded page said its editor left: nobody, the author included, is told
    # about an editor that is gone.
    expect(page.locator(f"#editing-{section.pk}")).to_be_hidden()
    # One offer, not two: this browser's copy is no newer than the server's.
    expect(notice.locator("li")).to_have_count(1)
    expect(notice.get_by_role("link", name="Compare")).to_be_visible()
    assert local_drafts(page) == []
    shot(page, "drafts-notice")
    with page.expect_response(lambda response: "/editing/" in response.url) as report:
        notice.get_by_role("link", name="Resume editing").click()
    expect(page.get_by_label("Text (Markdown)")).to_have_value("A thought worth keeping.")
    expect(page.locator(".journal-section.editing")).to_contain_text("Resumed your draft from")
    expect(notice).to_be_hidden()
    assert report.value.json() == {"editing": ""}
    expect(page.locator("[data-editing-note]")).to_be_hidden()

    # Leaving the untouched editor keeps the draft, and Discard removes it.
    page.reload()
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Discard").click()
    expect(page.locator("#toasts")).to_contain_text("Discarded your draft of “Section 1”.")
    expect(notice).to_be_hidden()
    assert Draft.objects.count() == 0
    section.refresh_from_db()
    assert section.body == "Body of **section 1**."
    assert errors == []
    context.close()


def test_a_save_after_the_session_ended_completes_after_signing_in_again(
    browser: Browser, live_server, journal
):
    section = journal.sections.get()
    url = live_server.url + journal.get_absolute_url()
    context = browser.new_context(viewport=DESKTOP)
    page = signed_in(context, live_server.url)
    errors = watch_errors(page)
    open_editor(page, url)
    type_over(page, "Typed while the session ran out.")

    # The session ends on the server while the page stays open.
    Session.objects.all().delete()
    cache.clear()
    page.get_by_label("Text (Markdown)").press("Control+Enter")
    dialog = page.locator("dialog.signin-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="Your session has ended")).to_be_visible()
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Typed while the session ran out.")
    expect(page.locator("[data-draft-status]")).to_contain_text("your session has ended")
    section.refresh_from_db()
    assert section.body == "Body of **section 1**."
    # The window as seen: a modal's backdrop covers the viewport, not the whole page.
    shot(page, "drafts-signin-dialog", full_page=False)

    with context.expect_page() as opened:
        dialog.get_by_role("link", name="Sign in again").click()
    tab = opened.value
    tab.get_by_label("Email").fill("lena@example.com")
    tab.get_by_label("Password", exact=True).fill("correct-horse-battery-staple")
    tab.get_by_role("button", name="Log in", exact=True).click()
    expect(tab.get_by_role("heading", level=1)).to_have_text("You are signed in again")

    # Back in the first tab, the save went through by itself.
    expect(page.locator(".journal-section .prose")).to_have_text("Typed while the session ran out.")
    expect(dialog).to_have_count(0)
    section.refresh_from_db()
    assert section.body == "Typed while the session ran out."
    assert Draft.objects.count() == 0
    assert local_drafts(page) == []
    page.reload()
    expect(page.locator("[data-drafts]")).to_be_hidden()
    assert errors == []
    context.close()


def test_editors_and_readers_are_told_who_else_is_editing(browser: Browser, live_server, journal):
    section = journal.sections.get()
    url = live_server.url + journal.get_absolute_url()
    first_context = browser.new_context(viewport=DESKTOP)
    first = signed_in(first_context, live_server.url)
    second_context = browser.new_context(viewport=PHONE)
    second = signed_in(second_context, live_server.url)
    errors = watch_errors(first) + watch_errors(second)

    # The first window's clock is Playwright's, so its next report-in can come now.
    first.clock.install()
    open_editor(first, url)
    first_note = first.locator("[data-editing-note]")
    expect(first_note).to_be_hidden()
    open_editor(second, url)
    # The second window is told at once: its first report-in found the first editor.
    expect(second.locator("[data-editing-note]")).to_have_text(ALSO_MINE)
    expect(second.locator("[data-editing-note]")).to_be_visible()
    first.clock.fast_forward("00:21")
    expect(first_note).to_have_text(ALSO_MINE)
    expect(first_note).to_be_visible()
    shot(first, "drafts-two-editors")
    shot(second, "drafts-two-editors-phone")

    mentor_context = browser.new_context(viewport=DESKTOP, color_scheme="dark")
    mentor = signed_in(mentor_context, live_server.url, "maya@example.com")
    errors += watch_errors(mentor)
    mentor.goto(url)
    note = mentor.locator(f"#editing-{section.pk}")
    expect(note).to_have_text("Lena Learner is editing this section.")
    expect(note).to_be_visible()
    expect(mentor.get_by_role("link", name="Edit “Section 1”")).to_have_count(0)
    shot(mentor, "drafts-mentor-sees-editing-dark")
    assert errors == []
    for context in (first_context, second_context, mentor_context):
        context.close()


def test_a_stale_draft_resumes_into_the_both_versions_view(browser: Browser, live_server, journal):
    section: Section = journal.sections.get()
    lena = journal.author
    Draft.keep(
        user_id=lena.pk,
        section=section,
        heading=section.heading_markdown,
        body="My draft, from before.",
        base_version=section.version,
    )
    section.save_text(
        heading=section.heading_markdown,
        body="Changed elsewhere",
        base_version=section.version,
        by=lena,
    )
    context = browser.new_context(viewport=DESKTOP)
    page = signed_in(context, live_server.url)
    errors = watch_errors(page)
    page.goto(live_server.url + journal.get_absolute_url())

    notice = page.locator("[data-drafts]")
    expect(notice).to_contain_text("You have unsaved changes to “Section 1”")
    expect(notice).to_contain_text("The section was saved since")
    notice.get_by_role("link", name="Resume editing").click()
    conflict = page.locator(".journal-section.conflict")
    expect(conflict.get_by_role("heading", level=2)).to_have_text(
        "“Section 1” changed while you were editing"
    )
    mine = conflict.locator(".conflict-mine")
    expect(mine.get_by_role("heading", name="Your version")).to_be_visible()
    expect(mine.get_by_label("Text", exact=True)).to_have_value("My draft, from before.")
    expect(conflict.locator(".conflict-current .prose")).to_have_text("Changed elsewhere")

    mine.get_by_role("button", name="Keep mine").click()
    expect(page.locator(".journal-section .prose")).to_have_text("My draft, from before.")
    section.refresh_from_db()
    assert section.body == "My draft, from before."
    assert Draft.objects.count() == 0
    assert errors == []
    context.close()
