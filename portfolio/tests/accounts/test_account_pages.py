"""allauth's pages read like the rest of Nexus: Nexus's headings and buttons, labels
without placeholders that repeat them, and the next step spelled out."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

pytestmark = pytest.mark.django_db

STOCK_WORDS = ["Sign In", "Sign Up", "Sign Out", "Remember Me", "Email:", "Password:"]


def h1(html: str) -> str:
    found = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert len(found) == 1, found
    return " ".join(found[0].split())


def assert_nexus_voice(html: str) -> None:
    for stock in STOCK_WORDS:
        assert stock not in html, stock
    assert "placeholder=" not in html


@pytest.mark.parametrize(
    "name, heading, button",
    [
        ("account_login", "Log in to Nexus", "Log in"),
        ("account_signup", "Create your Nexus account", "Create account"),
        ("account_reset_password", "Reset your password", "Send the link"),
        ("account_reset_password_done", "Check your email", None),
    ],
)
def test_visitor_pages_speak_nexus(client, name, heading, button):
    html = client.get(reverse(name)).content.decode()
    assert h1(html) == heading
    assert_nexus_voice(html)
    if button:
        assert re.search(rf'<button[^>]*type="submit"[^>]*>\s*{button}\s*</button>', html)


def test_log_in_offers_to_keep_you_logged_in_with_the_box_before_its_label(client):
    html = client.get(reverse("account_login")).content.decode()
    box = html.index('type="checkbox" name="remember"')
    label = html.index(">Keep me logged in on this device</label>")
    assert box < label


@pytest.mark.parametrize(
    "name, heading",
    [
        ("account_email", "Email addresses"),
        ("account_change_password", "Change your password"),
        ("account_logout", "Log out of Nexus?"),
    ],
)
def test_signed_in_account_pages_speak_nexus(client, learner, name, heading):
    client.force_login(learner)
    html = client.get(reverse(name)).content.decode()
    assert h1(html) == heading
    assert_nexus_voice(html)


def test_the_email_page_says_which_address_is_confirmed(client, learner):
    EmailAddress.objects.create(user=learner, email="second@example.com", verified=False)
    client.force_login(learner)
    html = client.get(reverse("account_email")).content.decode()
    assert "second@example.com" in html
    assert "Not confirmed yet" in html


def test_confirming_an_address_names_it_and_an_expired_link_offers_a_new_one(client, learner):
    address = EmailAddress.objects.create(user=learner, email="new@example.com", verified=False)
    key = EmailConfirmationHMAC(address).key
    html = client.get(reverse("account_confirm_email", args=[key])).content.decode()
    assert h1(html) == "Confirm your email address"
    assert "<strong>new@example.com</strong>" in html
    html = client.get(reverse("account_confirm_email", args=["not-a-key"])).content.decode()
    assert "This confirmation link has expired or was already used." in html
    assert_nexus_voice(html)


def test_a_spent_password_link_says_so_and_offers_a_new_one(client):
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"})
    html = client.get(url, follow=True).content.decode()
    assert h1(html) == "This link has expired"
    assert reverse("account_reset_password") in html


def test_logging_in_and_out_say_so_in_nexus_words(client, learner):
    from conftest import DEFAULT_PASSWORD

    response = client.post(
        reverse("account_login"),
        {"login": learner.email, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert f"Logged in as {learner.name}." in response.content.decode()
    response = client.post(reverse("account_logout"), follow=True)
    assert "You are logged out. See you soon." in response.content.decode()
