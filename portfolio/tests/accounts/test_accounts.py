from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from conftest import DEFAULT_PASSWORD
from portfolio.models import User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.com",
    "username": "newbie",
    "display_name": "New Learner",
    "password1": "a-long-and-unusual-pass",
    "password2": "a-long-and-unusual-pass",
}


def link_in(message) -> str:
    return re.search(r"https?://testserver(\S+)", message.body).group(1)


def test_signup_creates_the_user_and_sends_a_confirmation(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(email="new@example.com")
    assert user.username == "newbie"
    assert user.display_name == "New Learner"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("[Nexus]")


def test_the_confirmation_link_verifies_the_email(client):
    client.post(reverse("account_signup"), SIGNUP)
    confirm = link_in(mail.outbox[0])
    assert client.get(confirm).status_code == 200
    assert client.post(confirm).status_code == 302
    assert EmailAddress.objects.get(email="new@example.com").verified


def test_signup_refuses_a_reserved_username_and_keeps_what_was_typed(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "username": "admin"})
    assert response.status_code == 200
    assert "reserved" in response.content.decode()
    assert 'value="new@example.com"' in response.content.decode()
    assert not User.objects.exists()


def test_signup_refuses_a_taken_username_in_any_case(client, user_factory):
    user_factory("newbie")
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "email": "b@example.com", "username": "NewBie"}
    )
    assert response.status_code == 200
    assert User.objects.count() == 1


def test_signup_refuses_a_taken_email_in_any_case(client, user_factory):
    user_factory("first", email="new@example.com")
    client.post(reverse("account_signup"), {**SIGNUP, "email": "NEW@example.com"})
    assert User.objects.count() == 1


def test_mandatory_verification_keeps_unverified_users_out(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    client.post(link_in(mail.outbox[0]))
    assert client.session["_auth_user_id"] == str(User.objects.get().pk)


def test_login_by_email_in_any_case_and_logout(client, learner):
    response = client.post(
        reverse("account_login"), {"login": "LENA@example.com", "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)
    assert client.post(reverse("account_logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_says_so_on_the_page(client, learner):
    response = client.post(
        reverse("account_login"), {"login": "lena@example.com", "password": "nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_failed_logins_are_rate_limited(client, learner):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "lena@example.com", "password": "x"})
    response = client.post(
        reverse("account_login"), {"login": "lena@example.com", "password": DEFAULT_PASSWORD}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, learner):
    client.post(reverse("account_reset_password"), {"email": "lena@example.com"})
    assert len(mail.outbox) == 1
    reset = client.get(link_in(mail.outbox[0]), follow=True)
    form_url = reset.redirect_chain[-1][0] if reset.redirect_chain else link_in(mail.outbox[0])
    response = client.post(
        form_url, {"password1": "brand-new-secret-42", "password2": "brand-new-secret-42"}
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("brand-new-secret-42")


def test_password_change(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": DEFAULT_PASSWORD,
            "password1": "another-fine-secret-7",
            "password2": "another-fine-secret-7",
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("another-fine-secret-7")


def test_email_management_adds_an_address(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "lena.work@example.com"}
    )
    assert response.status_code == 302
    assert EmailAddress.objects.filter(user=learner, email="lena.work@example.com").exists()


@pytest.mark.parametrize(
    "name", ["account_login", "account_signup", "account_reset_password", "account_email"]
)
def test_account_pages_use_the_site_layout(client, learner, name):
    if name == "account_email":
        client.force_login(learner)
    html = client.get(reverse(name)).content.decode()
    assert 'class="site-header"' in html
    assert '<main id="main"' in html
    assert html.count("<h1") == 1
    assert "nexus.css" in html
