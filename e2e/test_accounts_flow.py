from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_user_signs_up_confirms_logs_out_and_logs_back_in(page: Page, live_server, shoot):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url)
    page.get_by_role("link", name="Start your journal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your Nexus account")
    page.get_by_label("Email").fill("ifeoma@example.com")
    page.get_by_label("Username").fill("ifeoma")
    page.get_by_label("Display name").fill("Ifeoma Eze")
    page.get_by_label("Password", exact=True).fill("journals-are-great-42")
    page.get_by_label("Password (again)").fill("journals-are-great-42")
    shoot("signup-filled")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ifeoma Eze")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#toasts")).to_contain_text("You have confirmed ifeoma@example.com")

    page.locator("summary", has_text="Ifeoma Eze").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("You are logged out. See you soon.")

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("IFEOMA@example.com")
    page.get_by_label("Password", exact=True).fill("journals-are-great-42")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Ifeoma Eze")
    assert errors == []
