from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import DEFAULT_PASSWORD, make_user
from e2e.conftest import ARTIFACTS
from portfolio.models import Membership, Role

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page, base: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def join_as_new_user(browser: Browser, link: str, username: str, name: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Join Data Science 4")
    page.get_by_role("link", name="Create an account to join").click()
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill("journals-are-great-42")
    page.get_by_label("Password (again)").fill("journals-are-great-42")
    page.get_by_role("button", name="Create account").click()
    # Back on the join page, now signed in.
    expect(page.get_by_role("button", name="Accept and join")).to_be_visible()
    page.get_by_role("button", name="Accept and join").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data Science 4")
    expect(page.locator("#toasts")).to_contain_text("Welcome to “Data Science 4”")
    context.close()


def test_an_organizer_invites_a_learner_and_a_mentor_and_changes_a_role(
    browser: Browser, live_server
):
    make_user("olga", display_name="Olga Organizer")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = live_server.url

    log_in(page, base, "olga@example.com")
    page.get_by_role("link", name="Cohorts", exact=True).click()
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Name").fill("Data Science 4")
    # The address is suggested from the name as you type.
    expect(page.get_by_label("Slug")).to_have_value("data-science-4")
    page.get_by_label("Program").fill("Data Science Bootcamp")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")

    links = {}
    for role in ("Learner", "Mentor"):
        page.get_by_label("Role", exact=True).select_option(label=role)
        page.get_by_label("Uses allowed").fill("5")
        page.get_by_role("button", name="Create invite link").click()
        field = page.get_by_label(f"Invite link for {role.lower()}s")
        expect(field).to_be_focused()
        links[role] = field.input_value()
    expect(page.get_by_role("button", name="Copy")).to_have_count(2)
    page.screenshot(path=str(ARTIFACTS / "cohort-members-invites.png"), full_page=True)

    join_as_new_user(browser, links["Learner"], "lina", "Lina Learner")
    join_as_new_user(browser, links["Mentor"], "milo", "Milo Mentor")

    page.reload()
    expect(page.locator(".member-row")).to_have_count(3)
    milo = page.locator(".member-row", has_text="Milo Mentor")
    expect(milo.get_by_label("Role of Milo Mentor")).to_have_value("mentor")
    milo.get_by_label("Role of Milo Mentor").select_option("organizer")
    milo.get_by_role("button", name="Change role").click()
    expect(page.locator("#toasts")).to_contain_text("Milo Mentor is now Organizer.")
    expect(page.get_by_label("Role of Milo Mentor")).to_be_focused()
    assert page.url.endswith("/cohorts/data-science-4/members/")  # no reload happened
    assert Membership.objects.get(user__username="milo").role == Role.ORGANIZER
    assert Membership.objects.get(user__username="lina").role == Role.LEARNER
    assert errors == []
    context.close()


def test_roles_change_without_javascript(browser: Browser, live_server):
    from portfolio.models import Cohort

    olga = make_user("olga", display_name="Olga Organizer")
    lina = make_user("lina", display_name="Lina Learner")
    cohort = Cohort.objects.create(name="Data Science 4", slug="ds-4")
    Membership.objects.create(user=olga, cohort=cohort, role=Role.ORGANIZER)
    Membership.objects.create(user=lina, cohort=cohort, role=Role.LEARNER)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "olga@example.com")
    page.goto(f"{live_server.url}/cohorts/ds-4/members/")
    page.get_by_label("Role of Lina Learner").select_option("mentor")
    page.locator(".member-row", has_text="Lina Learner").get_by_role(
        "button", name="Change role"
    ).click()
    expect(page.locator("#toasts")).to_contain_text("Lina Learner is now Mentor.")
    expect(page.get_by_label("Role of Lina Learner")).to_have_value("mentor")
    context.close()
