from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from conftest import make_user
from e2e.test_cohort_flow import log_in
from portfolio.models import Cohort, Membership, Page, Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cohort():
    lena = make_user("lena", display_name="Lena Learner")
    pete = make_user("pete", display_name="Pete Peer")
    cohort = Cohort.objects.create(name="ProDev Backend 7", slug="prodev-7")
    for user in (lena, pete):
        Membership.objects.create(user=user, cohort=cohort, role=Role.LEARNER)
    for author, title, body, status in [
        (lena, "Caching with Redis", "Generation keys made invalidation easy.", "draft"),
        (pete, "Docker diary", "Compose runs Postgres and Redis together.", "in_review"),
        (pete, "GraphQL first steps", "Schemas, resolvers and a zebra of a bug.", "draft"),
    ]:
        page = Page.objects.create(
            author=author, cohort=cohort, title=title, slug=title.lower().replace(" ", "-"),
            visibility="cohort", status=status,
        )  # fmt: skip
        page.add_section(heading="Notes", body=body, by=author)
    return cohort


def test_filter_the_directory_and_search_as_you_type(browser: Browser, live_server, cohort):
    page = browser.new_context().new_page()
    log_in(page, live_server.url, "lena@example.com")
    page.goto(f"{live_server.url}/cohorts/prodev-7/")
    directory = page.locator("#directory")
    expect(directory.locator(".row-list > li")).to_have_count(3)
    page.get_by_label("Status").select_option("in_review")
    expect(directory.locator(".row-list > li")).to_have_count(1)
    expect(directory).to_contain_text("Docker diary")
    assert "status=in_review" in page.url  # the filter is in the address
    page.get_by_label("Author").select_option("pete")
    page.get_by_label("Status").select_option("")
    expect(directory.locator(".row-list > li")).to_have_count(2)

    page.get_by_role("link", name="Search", exact=True).click()
    box = page.get_by_label("Search journal pages")
    box.press_sequentially("zebra", delay=40)
    expect(page.locator("#results .row-list > li")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("GraphQL first steps")
    expect(page.locator("#results mark").first).to_be_visible()
    assert "q=zebra" in page.url
    box.fill("redis")
    expect(page.locator("#results .row-list > li")).to_have_count(2)
    # Let superseded as-you-type requests finish before the live server stops.
    page.wait_for_load_state("networkidle")
