from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import make_user
from e2e.conftest import ARTIFACTS
from e2e.test_cohort_flow import log_in
from portfolio.models import Cohort, Comment, Membership, Role
from portfolio.models import Page as JournalPage

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journal():
    lena = make_user("lena", display_name="Lena Learner")
    make_user("maya", display_name="Maya Mentor")
    cohort = Cohort.objects.create(name="ProDev Backend 7", slug="prodev-7")
    Membership.objects.create(user=lena, cohort=cohort, role=Role.LEARNER)
    Membership.objects.create(
        user=make_user("maya2", email="maya@example.org"), cohort=cohort, role=Role.LEARNER
    )
    from portfolio.models import User

    Membership.objects.create(
        user=User.objects.get(username="maya"), cohort=cohort, role=Role.MENTOR
    )
    page = JournalPage.objects.create(author=lena, cohort=cohort, title="Week 5", slug="week-5")
    page.add_section(
        heading="Challenges",
        body="The API was slow because every order loaded its customer separately.",
        by=lena,
    )
    return page


def select_words(page: Page, words: str) -> None:
    page.evaluate(
        """(words) => {
          const prose = document.querySelector('.journal-section > .prose p');
          const text = prose.firstChild;
          const start = text.textContent.indexOf(words);
          const range = document.createRange();
          range.setStart(text, start);
          range.setEnd(text, start + words.length);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          prose.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        }""",
        words,
    )


def test_a_conversation_on_a_sentence_survives_an_edit(browser: Browser, live_server, journal):
    base = live_server.url
    mentor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    learner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(mentor, base, "maya@example.com")
    log_in(learner, base, "lena@example.com")
    url = base + journal.get_absolute_url()

    # The mentor selects words in the section and comments on them.
    mentor.goto(url)
    select_words(mentor, "every order loaded its customer separately")
    mentor.get_by_role("button", name="Comment on selection").click()
    quote = mentor.get_by_label("About these words")
    expect(quote).to_have_value("every order loaded its customer separately")
    expect(mentor.get_by_label("Comment on “Challenges”")).to_be_focused()
    mentor.get_by_label("Comment on “Challenges”").fill("Which query fixed this? Show it.")
    mentor.get_by_role("button", name="Post comment").first.click()
    thread = mentor.locator(".thread")
    expect(thread).to_contain_text("“every order loaded its customer separately”")
    expect(thread.locator(".badge", has_text="Mentor")).to_be_visible()

    # The learner replies, then edits the section.
    learner.goto(url)
    learner.locator(".reply > summary").click()
    learner.get_by_label("Reply to Maya Mentor").fill("I used select_related — adding it now.")
    learner.get_by_role("button", name="Reply", exact=True).click()
    expect(learner.locator(".replies")).to_contain_text("I used select_related")
    learner.get_by_role("link", name="Edit “Challenges”").click()
    editor = learner.get_by_label("Text (Markdown)")
    expect(editor).to_be_focused()
    editor.fill(
        "The API was slow until `select_related('customer')` loaded customers in one query."
    )
    learner.get_by_role("button", name="Save section").click()
    expect(learner.locator(".journal-section .prose code")).to_have_text(
        "select_related('customer')"
    )

    # The mentor sees that the text changed, and the diff.
    mentor.reload()
    expect(mentor.locator(".changed-note").first).to_contain_text(
        "The section changed since this comment."
    )
    expect(mentor.locator(".comment-quote .badge")).to_have_text("on text that has changed")
    with mentor.expect_navigation():
        mentor.get_by_role("link", name="See what changed").click()
    expect(mentor.locator(".diff ins").first).to_be_visible()
    expect(mentor.locator(".diff")).to_contain_text("select_related")
    mentor.go_back()

    # The learner marks the thread addressed; the mentor resolves it.
    learner.reload()
    learner.get_by_role("button", name="Mark addressed").click()
    expect(learner.locator(".thread-state")).to_contain_text("Addressed")
    mentor.reload()
    expect(mentor.locator(".thread-state")).to_contain_text("Addressed")
    mentor.get_by_role("button", name="Resolve", exact=True).click()
    expect(mentor.locator(".thread-state .badge")).to_have_text("Resolved")
    mentor.screenshot(path=str(ARTIFACTS / "comments-resolved.png"), full_page=True)

    root = Comment.objects.get(parent=None)
    assert root.resolved_by.username == "maya"
    assert root.addressed_revision is not None
    assert root.replies.count() == 1


def test_commenting_works_without_javascript(browser: Browser, live_server, journal):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "maya@example.com")
    page.goto(live_server.url + journal.get_absolute_url())
    page.locator(".journal-section summary", has_text="Comment on this section").click()
    page.get_by_label("About these words").fill("loaded its customer")
    page.get_by_label("Comment on “Challenges”").fill("Posted without JavaScript.")
    page.get_by_role("button", name="Post comment").first.click()
    expect(page.locator(".thread")).to_contain_text("Posted without JavaScript.")
    expect(page.locator(".comment-quote")).to_contain_text("loaded its customer")
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.locator(".thread-state .badge")).to_have_text("Resolved")
    context.close()


def test_words_selected_with_the_keyboard_can_be_commented_on(
    browser: Browser, live_server, journal
):
    """Shift and the arrow keys select words too (caret browsing): the button to comment
    on them appears, next in the Tab order, and works from the keyboard."""
    context = browser.new_context()
    mentor = context.new_page()
    log_in(mentor, live_server.url, "maya@example.com")
    mentor.goto(live_server.url + journal.get_absolute_url())
    mentor.evaluate(
        """() => { const text = document.querySelector('.journal-section > .prose p').firstChild;
        const range = document.createRange(); range.setStart(text, 4); range.setEnd(text, 7);
        const selection = getSelection(); selection.removeAllRanges();
        selection.addRange(range); }"""
    )
    # No mouse at all: a Shift+Arrow key (which, with caret browsing on, extends the
    # selection) is what offers the button.
    mentor.keyboard.press("Shift+ArrowRight")
    button = mentor.get_by_role("button", name="Comment on selection")
    expect(button).to_be_visible()
    button.focus()
    mentor.keyboard.press("Enter")
    expect(mentor.get_by_label("About these words")).to_have_value("API")
    expect(mentor.get_by_label("Comment on “Challenges”")).to_be_focused()
    context.close()
