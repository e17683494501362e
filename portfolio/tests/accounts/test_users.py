from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portfolio.models import User

pytestmark = pytest.mark.django_db


def test_email_is_the_login_field():
    assert User.USERNAME_FIELD == "email"
    user = User.objects.create_user("ada@example.com", "ada", "pw-123456789")
    assert User.objects.get_by_natural_key("ADA@Example.com") == user


def test_emails_are_unique_whatever_their_case():
    User.objects.create_user("ada@example.com", "ada")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("Ada@Example.COM", "ada2")


def test_usernames_are_stored_lowercase_and_unique_whatever_their_case():
    user = User.objects.create_user("ada@example.com", "AdaL")
    assert user.username == "adal"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("other@example.com", "ADAL")


@pytest.mark.parametrize("name", ["admin", "Accounts", "cohorts", "healthz", "search"])
def test_reserved_usernames_are_refused(name):
    user = User(email="x@example.com", username=name)
    with pytest.raises(ValidationError) as caught:
        user.full_clean(exclude=["password"])
    assert "reserved" in str(caught.value)


@pytest.mark.parametrize("name", ["ada lovelace", "ada/l", "-ada", "ada_", "ada.l", "ädä"])
def test_usernames_must_be_url_safe(name):
    user = User(email="x@example.com", username=name)
    with pytest.raises(ValidationError):
        user.full_clean(exclude=["password"])


@pytest.mark.parametrize("name", ["ada", "ada-l", "ada_l99", "a1"])
def test_url_safe_usernames_are_accepted(name):
    User(email="x@example.com", username=name).full_clean(exclude=["password"])


def test_display_name_falls_back_to_the_username():
    user = User.objects.create_user("ada@example.com", "ada")
    assert str(user) == "ada"
    user.display_name = "Ada Lovelace"
    assert str(user) == "Ada Lovelace"


def test_superusers_can_be_created_for_the_admin():
    admin = User.objects.create_superuser("root@example.com", "boss", "pw-123456789")
    assert admin.is_staff and admin.is_superuser
