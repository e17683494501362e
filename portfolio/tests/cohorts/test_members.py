from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_user
from portfolio.models import Membership, Role

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def membership(user, cohort) -> Membership:
    return Membership.objects.get(user=user, cohort=cohort)


def test_members_see_everyone_but_only_organizers_get_controls(client, learner, cohort):
    client.force_login(learner)
    html = client.get(reverse("member_list", args=[cohort.slug])).content.decode()
    assert "Maya Mentor" in html and "Otto Organizer" in html
    assert "Change role" not in html and "Invite links" not in html
    assert "Leave ProDev Backend 7" in html


def test_an_organizer_changes_a_role_inline(client, organizer, mentor, cohort):
    client.force_login(organizer)
    target = membership(mentor, cohort)
    response = client.post(
        reverse("member_role", args=[cohort.slug, target.pk]), {"role": "organizer"}, headers=HX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="member-{target.pk}"')
    assert '<option value="organizer" selected>' in html
    assert "Maya Mentor is now Organizer." in response["HX-Trigger"]
    assert membership(mentor, cohort).role == Role.ORGANIZER


def test_role_changes_work_without_javascript(client, organizer, learner, cohort):
    client.force_login(organizer)
    target = membership(learner, cohort)
    response = client.post(
        reverse("member_role", args=[cohort.slug, target.pk]), {"role": "mentor"}
    )
    assert response["Location"] == reverse("member_list", args=[cohort.slug])
    assert membership(learner, cohort).role == Role.MENTOR


def test_a_role_that_does_not_exist_is_refused_with_a_message(client, organizer, learner, cohort):
    client.force_login(organizer)
    target = membership(learner, cohort)
    response = client.post(
        reverse("member_role", args=[cohort.slug, target.pk]), {"role": "overlord"}, headers=HX
    )
    assert response.status_code == 422
    assert "is not a role" in response.content.decode()
    assert membership(learner, cohort).role == Role.LEARNER


def test_another_cohorts_membership_id_is_not_found_and_unchanged(
    client, organizer, cohort, other_cohort, outsider
):
    client.force_login(organizer)
    foreign = membership(outsider, other_cohort)
    for name in ["member_role", "member_remove"]:
        response = client.post(
            reverse(name, args=[cohort.slug, foreign.pk]), {"role": "learner"}, headers=HX
        )
        assert response.status_code == 404
    assert membership(outsider, other_cohort).role == Role.ORGANIZER


def test_the_last_organizer_cannot_be_demoted(client, organizer, cohort):
    client.force_login(organizer)
    own = membership(organizer, cohort)
    response = client.post(
        reverse("member_role", args=[cohort.slug, own.pk]), {"role": "learner"}, headers=HX
    )
    assert response.status_code == 422
    assert "at least one organizer" in response.content.decode()
    assert membership(organizer, cohort).role == Role.ORGANIZER


def test_the_last_organizer_cannot_be_removed(client, organizer, cohort):
    client.force_login(organizer)
    own = membership(organizer, cohort)
    response = client.post(reverse("member_remove", args=[cohort.slug, own.pk]), headers=HX)
    assert response.status_code == 422
    assert Membership.objects.filter(pk=own.pk).exists()


def test_an_organizer_can_step_down_once_there_is_another(client, organizer, mentor, cohort):
    membership(mentor, cohort).change_role(Role.ORGANIZER)
    client.force_login(organizer)
    own = membership(organizer, cohort)
    response = client.post(
        reverse("member_role", args=[cohort.slug, own.pk]), {"role": "mentor"}, headers=HX
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"
    assert membership(organizer, cohort).role == Role.MENTOR


def test_an_organizer_removes_someone_inline(client, organizer, peer, cohort):
    client.force_login(organizer)
    target = membership(peer, cohort)
    response = client.post(reverse("member_remove", args=[cohort.slug, target.pk]), headers=HX)
    assert response.status_code == 200
    assert response.content == b""
    assert "Pete Peer was removed" in response["HX-Trigger"]
    assert not Membership.objects.filter(pk=target.pk).exists()


def test_removing_without_javascript_redirects_back(client, organizer, peer, cohort):
    client.force_login(organizer)
    target = membership(peer, cohort)
    response = client.post(reverse("member_remove", args=[cohort.slug, target.pk]))
    assert response["Location"] == reverse("member_list", args=[cohort.slug])


def test_members_cannot_manage_each_other(client, mentor, learner, cohort):
    client.force_login(mentor)
    target = membership(learner, cohort)
    response = client.post(
        reverse("member_role", args=[cohort.slug, target.pk]), {"role": "mentor"}, headers=HX
    )
    assert response.status_code == 403
    assert membership(learner, cohort).role == Role.LEARNER


def test_two_organizers_cannot_both_demote_each_other_into_none(organizer, mentor, cohort):
    second = membership(mentor, cohort)
    second.change_role(Role.ORGANIZER)
    first = membership(organizer, cohort)
    first.change_role(Role.LEARNER)
    from portfolio.models import LastOrganizerError

    with pytest.raises(LastOrganizerError):
        second.change_role(Role.LEARNER)


def test_the_members_page_query_count_does_not_grow_with_members(
    client, organizer, cohort, django_assert_max_num_queries
):
    client.force_login(organizer)
    url = reverse("member_list", args=[cohort.slug])
    client.get(url)
    # Session, user, cohort, role, members, invites: a handful, however many people.
    with django_assert_max_num_queries(8):
        small = client.get(url)
    for n in range(40):
        Membership.objects.create(user=make_user(f"extra{n}"), cohort=cohort)
    with django_assert_max_num_queries(8):
        large = client.get(url)
    assert large.content.decode().count('class="member-row"') == 44
    assert small.status_code == large.status_code == 200
