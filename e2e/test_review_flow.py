from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from conftest import make_user
from e2e.conftest import ARTIFACTS
from e2e.test_cohort_flow import log_in
from portfolio.models import Cohort, Membership, Page, Role, Status

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def journal():
    lena = make_user("lena", display_name="Lena Learner")
    maya = make_user("maya", display_name="Maya Mentor")
    cohort = Cohort.objects.create(name="ProDev Backend 7", slug="prodev-7")
    Membership.objects.create(user=lena, cohort=cohort, role=Role.LEARNER)
    Membership.objects.create(user=maya, cohort=cohort, role=Role.MENTOR)
    page = Page.objects.create(author=lena, cohort=cohort, title="Week 6", slug="week-6")
    page.add_section(heading="Overview", body="Six weeks of Django.", by=lena)
    page.add_section(heading="Challenges", body="Slow list endpoint.", by=lena)
    return page


def test_the_whole_review_loop(browser: Browser, live_server, journal):
    base = live_server.url
    learner = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    mentor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(learner, base, "lena@example.com")
    log_in(mentor, base, "maya@example.com")

    # The learner submits.
    learner.goto(base + journal.get_absolute_url())
    learner.get_by_role("button", name="Submit for review").click()
    expect(learner.locator("#toasts")).to_contain_text("Submitted for review")

    # The mentor is told, claims the page from the queue and reviews it.
    mentor.goto(base + "/")
    expect(mentor.get_by_role("link", name="Notifications: 1 unread")).to_be_visible()
    mentor.goto(base + "/cohorts/prodev-7/review/")
    mentor.get_by_role("button", name="Claim “Week 6”").click()
    expect(mentor.locator(".queue")).to_contain_text("Claimed by you")
    mentor.get_by_role("link", name="Week 6").click()
    challenges = mentor.locator(".review-section", has_text="Challenges")
    challenges.get_by_label("Comment on “Challenges”").fill("Show the query before and after.")
    challenges.get_by_role("button", name="Needs work").click()
    expect(
        mentor.locator(".review-section", has_text="Challenges").locator(".badge-warn")
    ).to_have_text("Needs work")
    overview = mentor.locator(".review-section", has_text="Overview")
    overview.get_by_role("button", name="Looks good").click()
    expect(
        mentor.locator(".review-section", has_text="Overview").locator(".badge-ok")
    ).to_have_text("Looks good")
    mentor.get_by_label("Summary").fill("Good start; one section needs an example.")
    mentor.get_by_label("Request changes").check()
    mentor.get_by_role("button", name="Send review").click()
    expect(mentor.locator("#toasts")).to_contain_text("Review sent to Lena Learner")

    # The learner sees the review, edits the section and submits again.
    learner.goto(base + "/notifications/")
    learner.get_by_role("button", name="Maya Mentor requested changes on “Week 6”").click()
    expect(learner.locator("#review-box")).to_contain_text("one section needs an example")
    expect(learner.locator(".thread")).to_contain_text("Show the query before and after.")
    learner.get_by_role("link", name="Edit “Challenges”").click()
    editor = learner.get_by_label("Text (Markdown)")
    expect(editor).to_be_focused()
    editor.fill("Slow list endpoint: 120 queries before, 3 after `select_related`.")
    learner.get_by_role("button", name="Save section").click()
    expect(
        learner.locator(".journal-section", has_text="Challenges").locator("code")
    ).to_be_visible()
    learner.get_by_role("button", name="Submit again").click()
    expect(learner.locator("#toasts")).to_contain_text("Submitted for review")

    # The mentor sees only the changed section's diff, and approves.
    mentor.goto(base + "/cohorts/prodev-7/review/")
    expect(mentor.locator(".queue")).to_contain_text("1 section changed since the last review")
    mentor.get_by_role("link", name="Week 6").click()
    expect(mentor.locator(".review-section", has_text="Overview")).to_contain_text(
        "Unchanged since the last review"
    )
    challenges = mentor.locator(".review-section", has_text="Challenges")
    expect(challenges.locator(".diff ins").first).to_be_visible()
    mentor.screenshot(path=str(ARTIFACTS / "review-rereview.png"), full_page=True)
    mentor.get_by_label("Summary").fill("Now it shows the fix. Approved!")
    mentor.get_by_label("Approve").check()
    mentor.get_by_role("button", name="Send review").click()
    expect(mentor.locator("#toasts")).to_contain_text("Review sent")

    learner.goto(base + "/notifications/")
    expect(learner.locator(".notification-list")).to_contain_text("Maya Mentor approved “Week 6”")
    journal.refresh_from_db()
    assert journal.status == Status.APPROVED
