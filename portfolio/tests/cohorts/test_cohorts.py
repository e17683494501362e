from __future__ import annotations

import json

import pytest
from django.urls import reverse

from portfolio.models import Cohort, Membership, Role

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_my_cohort_list_shows_each_cohort_with_my_role(client, learner, cohort, other_cohort):
    client.force_login(learner)
    html = client.get(reverse("cohort_list")).content.decode()
    assert "ProDev Backend 7" in html
    assert "Learner" in html
    assert "Frontend 3" not in html
    assert reverse("cohort_create") in html


def test_an_empty_cohort_list_shows_the_way(client, outsider):
    client.force_login(outsider)
    Membership.objects.filter(user=outsider).delete()
    html = client.get(reverse("cohort_list")).content.decode()
    assert "You’re not in a cohort yet" in html


def test_creating_a_cohort_makes_me_its_organizer(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("cohort_create"),
        {"name": "Data Science 2", "slug": "", "program": "DS", "starts_on": "2026-09-01"},
    )
    cohort = Cohort.objects.get(name="Data Science 2")
    assert cohort.slug == "data-science-2"
    assert response["Location"] == reverse("member_list", args=[cohort.slug])
    assert Membership.objects.get(cohort=cohort).role == Role.ORGANIZER


def test_a_derived_slug_never_collides(client, learner, cohort):
    client.force_login(learner)
    client.post(reverse("cohort_create"), {"name": "Prodev 7"})
    client.post(reverse("cohort_create"), {"name": "Prodev 7"})
    assert set(Cohort.objects.filter(name="Prodev 7").values_list("slug", flat=True)) == {
        "prodev-7-2",
        "prodev-7-3",
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "X", "slug": "prodev-7"}, "Another cohort already uses this address."),
        ({"name": "X", "slug": "new"}, "is reserved"),
        ({"name": ""}, "This field is required."),
        (
            {"name": "X", "starts_on": "2026-09-01", "ends_on": "2026-08-01"},
            "must not be before the start",
        ),
        ({"name": "X", "starts_on": "someday"}, "Enter a valid date."),
    ],
)
def test_bad_cohort_input_is_explained_and_kept(client, learner, cohort, data, message):
    client.force_login(learner)
    response = client.post(reverse("cohort_create"), {"program": "Kept program", **data})
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert 'value="Kept program"' in html
    assert Cohort.objects.count() == 1


def test_the_cohort_home_groups_people_by_role(client, learner, cohort):
    client.force_login(learner)
    page = client.get(reverse("cohort_detail", args=[cohort.slug])).content.decode()
    html = page[page.index('id="people-title"') :]
    assert html.index("Organizers") < html.index("Otto Organizer")
    assert html.index("Mentors") < html.index("Maya Mentor") < html.index("Learners")
    assert "Lena Learner" in html and "Pete Peer" in html
    assert "Edit details" not in page


def test_organizers_get_the_edit_form_inline(client, organizer, cohort):
    client.force_login(organizer)
    response = client.get(reverse("cohort_edit", args=[cohort.slug]), headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="cohort-info"' in html and 'name="name"' in html
    assert response["Vary"].count("HX-Request") == 1


def test_an_inline_edit_returns_the_updated_details(client, organizer, cohort):
    client.force_login(organizer)
    response = client.post(
        reverse("cohort_edit", args=[cohort.slug]),
        {"name": "ProDev Backend Seven", "slug": "prodev-7", "description": "We build APIs."},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ProDev Backend Seven" in html and "We build APIs." in html
    assert "nexus:messages" in response["HX-Trigger"]
    cohort.refresh_from_db()
    assert cohort.name == "ProDev Backend Seven"


def test_an_invalid_inline_edit_answers_422_with_the_form_and_the_typed_text(
    client, organizer, cohort, other_cohort
):
    client.force_login(organizer)
    response = client.post(
        reverse("cohort_edit", args=[cohort.slug]),
        {"name": "Typed name", "slug": "frontend-3", "description": "Typed description"},
        headers=HX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Another cohort already uses this address." in html
    assert 'value="Typed name"' in html and "Typed description" in html
    assert "<html" not in html
    cohort.refresh_from_db()
    assert cohort.name == "ProDev Backend 7"


def test_editing_without_javascript_redirects_to_the_cohort(client, organizer, cohort):
    client.force_login(organizer)
    assert client.get(reverse("cohort_edit", args=[cohort.slug])).status_code == 200
    response = client.post(
        reverse("cohort_edit", args=[cohort.slug]), {"name": "Renamed", "slug": "renamed"}
    )
    assert response["Location"] == "/cohorts/renamed/"


def test_a_renamed_address_sends_htmx_to_the_new_page(client, organizer, cohort):
    client.force_login(organizer)
    response = client.post(
        reverse("cohort_edit", args=[cohort.slug]), {"name": "X", "slug": "renamed"}, headers=HX
    )
    assert json.loads(response["HX-Location"]) == {"path": "/cohorts/renamed/"}


def test_cancelling_an_inline_edit_restores_the_details(client, organizer, cohort):
    client.force_login(organizer)
    response = client.get(reverse("cohort_detail", args=[cohort.slug]), headers=HX)
    html = response.content.decode()
    assert 'id="cohort-info"' in html and "<html" not in html and "Edit details" in html


def test_an_archived_cohort_is_read_only_and_says_so(client, organizer, cohort):
    client.force_login(organizer)
    client.post(reverse("cohort_archive", args=[cohort.slug]), {"action": "archive"})
    cohort.refresh_from_db()
    assert cohort.archived
    html = client.get(reverse("cohort_detail", args=[cohort.slug])).content.decode()
    assert "read-only" in html and "Restore cohort" in html and "Edit details" not in html
    response = client.post(reverse("cohort_edit", args=[cohort.slug]), {"name": "Nope"})
    assert response.status_code == 403
    assert "archived and read-only" in response.content.decode()
    client.post(reverse("cohort_archive", args=[cohort.slug]), {"action": "restore"})
    cohort.refresh_from_db()
    assert not cohort.archived


def test_people_can_leave_a_cohort(client, learner, cohort):
    client.force_login(learner)
    response = client.post(reverse("cohort_leave", args=[cohort.slug]))
    assert response["Location"] == reverse("cohort_list")
    assert not Membership.objects.filter(user=learner, cohort=cohort).exists()


def test_the_last_organizer_cannot_leave(client, organizer, cohort):
    client.force_login(organizer)
    response = client.post(reverse("cohort_leave", args=[cohort.slug]), follow=True)
    assert "Make someone else an organizer first" in response.content.decode()
    assert Membership.objects.filter(user=organizer, cohort=cohort).exists()
