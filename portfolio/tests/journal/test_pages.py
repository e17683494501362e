from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_page, make_user
from portfolio.models import Membership, Page, Role, Section, Visibility
from portfolio.permissions import can_view_page

pytestmark = pytest.mark.django_db


def test_a_page_starts_from_the_project_nexus_template(client, learner, cohort):
    client.force_login(learner)
    response = client.post(
        reverse("page_new"),
        {"cohort": cohort.pk, "title": "My ProDev journey", "start": "template"},
    )
    journal = Page.objects.get()
    assert response["Location"] == "/@lena/my-prodev-journey/"
    assert [s.heading for s in journal.sections.all()] == [
        "Overview",
        "Key Technologies Covered",
        "Important Backend Development Concepts",
        "Challenges Faced and Solutions",
        "Best Practices and Personal Takeaways",
    ]
    assert all(s.prompt for s in journal.sections.all())
    html = client.get(response["Location"]).content.decode()
    assert "Describe a real problem you hit" in html


def test_a_blank_page_has_no_sections_and_says_how_to_start(client, learner, cohort):
    client.force_login(learner)
    client.post(reverse("page_new"), {"cohort": cohort.pk, "title": "Notes", "start": "blank"})
    journal = Page.objects.get()
    assert journal.sections.count() == 0
    html = client.get(journal.get_absolute_url()).content.decode()
    assert "No sections yet" in html and "Add section" in html


def test_slugs_are_unique_per_author_not_globally(client, learner, peer, cohort):
    first = make_page(learner, cohort, title="Week 1")
    second = make_page(learner, cohort, title="Week 1")
    other = make_page(peer, cohort, title="Week 1")
    assert (first.slug, second.slug, other.slug) == ("week-1", "week-1-2", "week-1")


def test_pages_can_only_start_in_my_own_cohorts(client, learner, cohort, other_cohort):
    client.force_login(learner)
    response = client.post(
        reverse("page_new"), {"cohort": other_cohort.pk, "title": "Sneaky", "start": "blank"}
    )
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert 'value="Sneaky"' in response.content.decode()
    assert not Page.objects.exists()


def test_without_a_cohort_the_new_page_form_shows_the_way(client):
    loner = make_user("loner")
    client.force_login(loner)
    html = client.get(reverse("page_new")).content.decode()
    assert "Join a cohort first" in html


def test_the_page_shows_everything_a_reader_needs(client, learner, mentor, journal):
    journal.summary = "Twelve weeks of backend."
    journal.save()
    journal.tags.create(name="Django", slug="django")
    client.force_login(mentor)
    html = client.get(journal.get_absolute_url()).content.decode()
    for needle in [
        "<h1",
        "My journey",
        "Twelve weeks of backend.",
        "Django",
        "Draft",
        "Me and the cohort’s mentors",
        "Lena Learner",
        "ProDev Backend 7",
        "Last edited",
    ]:
        assert needle in html, needle
    assert html.index("Section 1") < html.index("Section 2")
    assert "<strong>section 1</strong>" in html
    assert "Edit title and summary" not in html


VISIBILITY_TABLE = {
    # visibility: personas who can see it (the author always can)
    "private": {"learner"},
    "mentors": {"learner", "mentor", "organizer"},
    "cohort": {"learner", "peer", "mentor", "organizer"},
    "public": {"learner", "peer", "mentor", "organizer", "outsider", "visitor"},
}


@pytest.mark.parametrize("visibility", list(VISIBILITY_TABLE))
def test_who_sees_a_page_follows_the_visibility_table(client, personas, cohort, visibility):
    journal = make_page(personas["learner"], cohort, visibility=visibility)
    for persona, user in personas.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        status = client.get(journal.get_absolute_url()).status_code
        expected = 200 if persona in VISIBILITY_TABLE[visibility] else 404
        assert status == expected, (persona, visibility)
        listed = Page.objects.visible_to(user).filter(pk=journal.pk).exists()
        assert listed == (expected == 200) == can_view_page(user, journal), (persona, visibility)


def test_a_former_mentor_loses_access(client, mentor, journal, cohort):
    Membership.objects.filter(user=mentor, cohort=cohort).update(role=Role.LEARNER)
    client.force_login(mentor)
    assert client.get(journal.get_absolute_url()).status_code == 404


def test_unknown_pages_and_authors_are_404(client, learner, journal):
    client.force_login(learner)
    assert client.get("/@lena/no-such-journal/").status_code == 404
    assert client.get(f"/@nobody/{journal.slug}/").status_code == 404


def test_author_urls_are_case_insensitive(client, learner, journal):
    client.force_login(learner)
    assert client.get(f"/@LENA/{journal.slug}/").status_code == 200


@pytest.mark.parametrize("count", [2, 40])
def test_the_page_view_makes_a_fixed_number_of_queries(
    client, learner, mentor, cohort, count, django_assert_max_num_queries
):
    journal = make_page(learner, cohort, sections=count)
    for name in ["Python", "Django", "Docker"]:
        journal.tags.create(name=name, slug=name.lower())
    for user, limit in [(mentor, 7), (learner, 9)]:
        client.force_login(user)
        # Session, user, unread count, page with author, cohort and the viewer's role,
        # sections, tags, comments with their authors' roles, last review (and for the
        # author, tag suggestions and their drafts of the page): the same whatever the
        # number of sections.
        with django_assert_max_num_queries(limit):
            response = client.get(journal.get_absolute_url())
        assert response.content.decode().count('class="journal-section"') == count


def test_the_page_view_never_renders_markdown(client, mentor, journal, monkeypatch):
    def refuse(text):
        raise AssertionError("Markdown rendered on a read path")

    monkeypatch.setattr("portfolio.markdown.render_markdown", refuse)
    client.force_login(mentor)
    assert client.get(journal.get_absolute_url()).status_code == 200


def test_sections_store_rendered_html(journal):
    section = Section.objects.filter(page=journal).first()
    assert section.body_html == "<p>Body of <strong>section 1</strong>.</p>\n"


def test_visibility_values_are_exactly_the_specs():
    assert Visibility.values == ["private", "mentors", "cohort", "public"]


def test_a_profile_lists_only_the_pages_the_viewer_may_see(client, learner, mentor, cohort):
    make_page(learner, cohort, title="Public one", visibility="public")
    make_page(learner, cohort, title="For mentors")
    approved = make_page(learner, cohort, title="Approved one", visibility="public")
    Page.objects.filter(pk=approved.pk).update(status="approved")
    html = client.get("/@lena/").content.decode()
    assert "Public one" in html and "Approved one" in html and "For mentors" not in html
    assert html.index("Approved one") < html.index("Public one")
    client.force_login(mentor)
    assert "For mentors" in client.get("/@lena/").content.decode()


def test_an_unknown_profile_is_404(client):
    assert client.get("/@nobody/").status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_the_profile_query_count_is_fixed(
    client, learner, cohort, count, django_assert_max_num_queries
):
    for n in range(count):
        make_page(learner, cohort, title=f"Page {n}", visibility="public")
    # User, then one query for the pages with their cohort, author and section counts.
    with django_assert_max_num_queries(3):
        assert client.get("/@lena/").status_code == 200


def test_abilities_on_a_public_page_for_nobody_signed_in(journal):
    from portfolio.permissions import page_abilities

    journal.visibility = "public"
    assert page_abilities(None, journal) == {
        "view": True,
        "history": False,
        "edit": False,
        "comment": False,
        "review": False,
    }
