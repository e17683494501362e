from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import DEFAULT_PASSWORD
from portfolio.models import Comment, Membership, Page, User
from portfolio.services import comment_post

pytestmark = pytest.mark.django_db


def test_a_learner_deletes_their_account_after_reentering_the_password(
    client, learner, mentor, peer, cohort, journal
):
    other = Page.objects.create(author=peer, cohort=cohort, title="Peer page", slug="peer")
    other.add_section(heading="S", body="B", by=peer)
    comment_post(page=other, author=learner, body="My comment", section=other.sections.first())
    client.force_login(learner)
    response = client.post(
        reverse("account_delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"}
    )
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(username="lena").exists()
    assert not Page.objects.filter(pk=journal.pk).exists()
    assert not Membership.objects.filter(user__username="lena").exists()
    comment = Comment.objects.get(body="My comment")
    assert comment.author is None
    client.force_login(peer)
    assert "deleted user" in client.get(other.get_absolute_url()).content.decode()


def test_a_wrong_password_or_no_confirmation_deletes_nothing(client, learner):
    client.force_login(learner)
    response = client.post(reverse("account_delete"), {"password": "wrong", "confirm": "on"})
    assert response.status_code == 422 and "That is not your password." in response.content.decode()
    response = client.post(reverse("account_delete"), {"password": DEFAULT_PASSWORD})
    assert response.status_code == 422 and "Tick the box" in response.content.decode()
    assert User.objects.filter(username="lena").exists()


def test_the_last_organizer_must_hand_over_first(client, organizer, cohort):
    client.force_login(organizer)
    response = client.post(
        reverse("account_delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 422
    assert "last organizer of" in response.content.decode()
    assert User.objects.filter(username="otto").exists()
