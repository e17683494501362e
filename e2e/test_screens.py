"""Every main screen at phone and desktop width, light and dark: nothing overflows
sideways, there is one h1, and a screenshot lands in test-artifacts/ to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from conftest import DEFAULT_PASSWORD, make_invite, make_user
from e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.django_db(transaction=True)

VISITOR_SCREENS = ["/", "/accounts/login/", "/accounts/signup/", "/missing-page/"]
MEMBER_SCREENS = [
    "/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/cohorts/",
    "/cohorts/new/",
    "/cohorts/prodev-7/",
    "/cohorts/prodev-7/edit/",
    "/cohorts/prodev-7/members/",
    "/pages/new/",
    "/pages/import/",
    "/@lena/journey/",
    "/@lena/journey/history/",
    "/@lena/journey/history/?b={revision}",
    "/@lena/journey/history/{revision}/page/",
    "/@lena/{imported}/",
    "/@lena/journey/sections/{section}/edit/",
    "/cohorts/prodev-7/review/",
    "/cohorts/prodev-7/dashboard/",
    "/search/?q=django",
    "/@person1/week-2/review/",
    "/cohorts/prodev-7/replies/",
    "/notifications/",
    "/notifications/settings/",
    "/account/delete/",
    "/@lena/",
]


def cohort_with_people():
    from portfolio.models import Cohort, Membership, Role

    lena = make_user("lena", display_name="Lena Learner")
    cohort = Cohort.objects.create(
        name="ProDev Backend 7",
        slug="prodev-7",
        program="ProDev Backend Engineering",
        description="Twelve weeks of Django, APIs, Docker and CI/CD.",
    )
    Membership.objects.create(user=lena, cohort=cohort, role=Role.ORGANIZER)
    for n, (name, role) in enumerate(
        [("Maya Mentor", Role.MENTOR), ("Ada Nwosu", Role.LEARNER), ("Tomás Silva", Role.LEARNER)]
    ):
        Membership.objects.create(
            user=make_user(f"person{n}", display_name=name), cohort=cohort, role=role
        )
    make_invite(cohort, role=Role.LEARNER, max_uses=25, created_by=lena)
    journal_with_content(lena, cohort)
    from portfolio.models import Notification, Page, User

    ada = User.objects.get(username="person1")
    waiting = Page.objects.create(author=ada, cohort=cohort, title="Week 2", slug="week-2")
    waiting.add_section(heading="Overview", body="Models, views and *templates*.", by=ada)
    waiting.submit()
    Notification.objects.create(
        recipient=lena, actor=ada, kind="submitted", verb="submitted “Week 2” for review", url="/"
    )
    return make_invite(cohort, role=Role.MENTOR, max_uses=2, created_by=lena)


def journal_with_content(author, cohort):
    from portfolio.models import Page

    page = Page.objects.create(
        author=author,
        cohort=cohort,
        title="My ProDev Backend journey",
        slug="journey",
        summary="Twelve weeks of Django, REST and GraphQL APIs, Docker and CI/CD.",
    )
    page.add_section(
        heading="Overview",
        body="The **ProDev Backend Engineering Program** taught me to build *production-ready* "
        "backends. This page documents what I learned, where I got stuck, and how I got out.",
        by=author,
    )
    page.add_section(
        heading="Key Technologies Covered",
        body="| Tool | What for |\n|---|---|\n| Python | core language |\n"
        "| Django | web framework |\n| Docker | consistent environments |\n",
        by=author,
    )
    page.add_section(
        heading="Challenges Faced and Solutions",
        body="### Scaling API performance\n\nThe list endpoint made one query per row:\n\n"
        "```python\nfor order in Order.objects.select_related('customer'):\n"
        "    print(order.customer.name)\n```\n\n- [x] Added `select_related`\n"
        "- [x] Paginated the endpoint\n- [ ] Cache the totals in Redis\n",
        by=author,
    )
    page.add_section(
        heading="Best Practices and Personal Takeaways",
        prompt="What will you keep doing?",
        by=author,
    )
    for name in ["Python", "Django", "Docker"]:
        page.tags.create(name=name, slug=name.lower())
    return page


def visit_all(browser: Browser, base: str, paths: list[str], label: str, login: bool) -> None:
    for scheme in ("light", "dark"):
        for width in (360, 1280):
            context = browser.new_context(
                viewport={"width": width, "height": 800}, color_scheme=scheme
            )
            page = context.new_page()
            if login:
                page.goto(f"{base}/accounts/login/")
                page.get_by_label("Email").fill("lena@example.com")
                page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
                page.get_by_role("button", name="Log in", exact=True).click()
                page.wait_for_url(f"{base}/")
            for path in paths:
                response = page.goto(base + path)
                assert response.status == (404 if "missing" in path else 200), path
                name = path.strip("/").replace("/", "-").replace("@", "").replace("?", "-")
                name = name.replace("=", "-")[:40] or "home"
                page.screenshot(
                    path=str(ARTIFACTS / f"{label}-{name}-{width}-{scheme}.png"), full_page=True
                )
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                culprits = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
                )
                assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px: {culprits}"
                assert page.locator("h1").count() == 1, path
            context.close()


def test_visitor_screens_fit_phone_and_desktop(browser: Browser, live_server):
    invite = cohort_with_people()
    paths = [*VISITOR_SCREENS, f"/join/{invite.token}/"]
    visit_all(browser, live_server.url, paths, "visitor", login=False)


def test_member_screens_fit_phone_and_desktop(browser: Browser, live_server):
    invite = cohort_with_people()
    from pathlib import Path

    from portfolio.models import Page, Section, User
    from portfolio.readme import parse_readme
    from portfolio.services import page_import

    section = Section.objects.get(heading="Challenges Faced and Solutions")
    section.save_text(
        heading=section.heading,
        body=section.body.replace("Paginated the endpoint", "Paginated the endpoint (50 a page)"),
        base_version=section.version,
        by=section.page.author,
    )
    revision = section.revisions.first().pk
    readme = Path(__file__).resolve().parents[1] / "portfolio/tests/fixtures/readmes"
    imported = page_import(
        cohort=section.page.cohort,
        author=User.objects.get(username="lena"),
        parsed=parse_readme((readme / "12-reference-links-toc.md").read_text()),
    )
    assert Page.objects.filter(pk=imported.pk).exists()
    formats = {"section": section.pk, "revision": revision, "imported": imported.slug}
    paths = [*(p.format(**formats) for p in MEMBER_SCREENS), f"/join/{invite.token}/"]
    visit_all(browser, live_server.url, paths, "member", login=True)
