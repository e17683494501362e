from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_invite, make_user
from portfolio.models import Invite, Membership, Role

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_an_organizer_creates_an_invite_link_inline(client, organizer, cohort):
    client.force_login(organizer)
    response = client.post(
        reverse("invite_create", args=[cohort.slug]),
        {"role": "mentor", "expires_in": "7", "max_uses": "3"},
        headers=HX,
    )
    assert response.status_code == 200
    invite = Invite.objects.get()
    assert (invite.role, invite.max_uses, invite.uses, invite.created_by) == (
        "mentor",
        3,
        0,
        organizer,
    )
    assert timedelta(days=6, hours=23) < invite.expires_at - timezone.now() <= timedelta(days=7)
    html = response.content.decode()
    assert f"http://testserver/join/{invite.token}/" in html
    assert "data-copy=" in html
    assert html.strip().startswith('<section id="invites"')


def test_invite_tokens_are_long_random_and_distinct(cohort):
    tokens = {make_invite(cohort).token for _ in range(20)}
    assert len(tokens) == 20
    assert all(len(token) >= 32 for token in tokens)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "overlord", "expires_in": "7", "max_uses": "3"}, "is not a role"),
        ({"role": "learner", "expires_in": "7", "max_uses": "0"}, "greater than or equal to 1"),
        ({"role": "learner", "expires_in": "999", "max_uses": "3"}, "Select a valid choice"),
    ],
)
def test_bad_invite_input_is_refused_with_a_message(client, organizer, cohort, data, message):
    client.force_login(organizer)
    response = client.post(reverse("invite_create", args=[cohort.slug]), data, headers=HX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Invite.objects.exists()


def test_organizers_revoke_links(client, organizer, cohort):
    invite = make_invite(cohort)
    client.force_login(organizer)
    response = client.post(reverse("invite_revoke", args=[cohort.slug, invite.pk]), headers=HX)
    assert response.status_code == 200
    invite.refresh_from_db()
    assert invite.revoked_at is not None
    assert "Revoked" in response.content.decode()


def test_another_cohorts_invite_cannot_be_revoked(client, organizer, cohort, other_cohort):
    invite = make_invite(other_cohort)
    client.force_login(organizer)
    response = client.post(reverse("invite_revoke", args=[cohort.slug, invite.pk]))
    assert response.status_code == 404
    invite.refresh_from_db()
    assert invite.revoked_at is None


def test_a_visitor_sees_the_cohort_and_is_sent_through_signup_back_here(client, cohort):
    invite = make_invite(cohort, role="mentor")
    url = reverse("join", args=[invite.token])
    html = client.get(url).content.decode()
    assert "Join ProDev Backend 7" in html and "<strong>mentor</strong>" in html
    assert f"/accounts/signup/?next=/join/{invite.token}/" in html
    assert f"/accounts/login/?next=/join/{invite.token}/" in html
    response = client.post(
        f"/accounts/signup/?next={url}",
        {
            "email": "newcomer@example.com",
            "username": "newcomer",
            "password1": "a-long-and-unusual-pass",
            "password2": "a-long-and-unusual-pass",
            "next": url,
        },
    )
    assert response["Location"] == url


def test_a_signed_in_user_accepts_and_joins_with_the_invites_role(client, cohort):
    newcomer = make_user("newcomer")
    invite = make_invite(cohort, role="mentor")
    client.force_login(newcomer)
    assert "Accept and join" in client.get(reverse("join", args=[invite.token])).content.decode()
    response = client.post(reverse("join", args=[invite.token]))
    assert response["Location"] == cohort.get_absolute_url()
    assert Membership.objects.get(user=newcomer, cohort=cohort).role == Role.MENTOR
    invite.refresh_from_db()
    assert invite.uses == 1


def test_accepting_twice_creates_one_membership(client, cohort):
    newcomer = make_user("newcomer")
    invite = make_invite(cohort)
    client.force_login(newcomer)
    client.post(reverse("join", args=[invite.token]))
    second = client.post(reverse("join", args=[invite.token]))
    assert second.status_code == 200
    assert "already in ProDev Backend 7" in second.content.decode()
    assert Membership.objects.filter(user=newcomer, cohort=cohort).count() == 1
    invite.refresh_from_db()
    assert invite.uses == 1


def test_a_member_following_a_link_is_told_they_are_in(client, learner, cohort):
    invite = make_invite(cohort, role="organizer")
    client.force_login(learner)
    response = client.get(reverse("join", args=[invite.token]))
    assert "already in ProDev Backend 7" in response.content.decode()
    assert Membership.objects.get(user=learner, cohort=cohort).role == Role.LEARNER


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"expires_at": timezone.now() - timedelta(minutes=1)}, "has expired"),
        ({"revoked_at": timezone.now()}, "was switched off"),
        ({"uses": 2, "max_uses": 2}, "has been used up"),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_unusable_links_get_a_clear_page_and_change_nothing(
    client, cohort, change, words, signed_in
):
    invite = make_invite(cohort, **change)
    newcomer = make_user("newcomer")
    if signed_in:
        client.force_login(newcomer)
    url = reverse("join", args=[invite.token])
    page = client.get(url)
    assert page.status_code == 410
    assert words in page.content.decode()
    accept = client.post(url)
    if signed_in:
        assert accept.status_code == 410
    else:
        assert accept["Location"].startswith(reverse("account_login"))
    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_link_to_an_archived_cohort_does_not_let_anyone_in(client, cohort):
    invite = make_invite(cohort)
    cohort.archive()
    client.force_login(make_user("newcomer"))
    response = client.post(reverse("join", args=[invite.token]))
    assert response.status_code == 410
    assert "archived" in response.content.decode()


def test_an_unknown_token_is_a_clear_404(client):
    response = client.get(reverse("join", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "doesn’t work" in response.content.decode()


def test_the_last_use_is_not_given_twice(cohort):
    invite = make_invite(cohort, max_uses=1)
    invite.accept(make_user("first"))
    from portfolio.models import InviteUnusable

    with pytest.raises(InviteUnusable):
        invite.accept(make_user("second"))
    assert cohort.memberships.count() == 5


def test_an_invite_opened_before_signing_up_waits_on_the_dashboard(client, cohort, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    invite = make_invite(cohort, role="mentor")
    client.get(reverse("join", args=[invite.token]))
    newcomer = make_user("newcomer")
    client.force_login(newcomer)
    html = client.get(reverse("home")).content.decode()
    assert "You were invited to join <strong>ProDev Backend 7</strong> as mentor." in html
    client.post(reverse("join", args=[invite.token]))
    assert "You were invited" not in client.get(reverse("home")).content.decode()
