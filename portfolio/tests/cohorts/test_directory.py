from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_page, make_user
from portfolio.models import Membership, Page, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(learner, peer, cohort, other_cohort, outsider):
    a = make_page(learner, cohort, title="Alpha REST notes", visibility="cohort")
    b = make_page(peer, cohort, title="Beta Docker diary", visibility="cohort", status="in_review")
    c = make_page(peer, cohort, title="Private scratch", visibility="private")
    d = make_page(outsider, other_cohort, title="Other cohort page", visibility="cohort")
    a.tags.create(name="Django", slug="django")
    return {"a": a, "b": b, "c": c, "d": d}


def url(cohort, **params):
    from urllib.parse import urlencode

    return reverse("cohort_detail", args=[cohort.slug]) + (
        "?" + urlencode(params) if params else ""
    )


def test_the_directory_shows_only_pages_the_viewer_may_see(client, learner, cohort, pages):
    client.force_login(learner)
    html = client.get(url(cohort)).content.decode()
    assert "Alpha REST notes" in html and "Beta Docker diary" in html
    assert "Private scratch" not in html and "Other cohort page" not in html


def test_the_tag_filter_offers_only_tags_of_pages_the_viewer_may_see(
    client, learner, peer, cohort, pages
):
    pages["c"].tags.create(name="Burnout", slug="burnout")  # Pete's private page
    client.force_login(learner)
    html = client.get(url(cohort)).content.decode()
    assert '<option value="django">Django</option>' in html
    assert "Burnout" not in html
    client.force_login(peer)
    assert '<option value="burnout">Burnout</option>' in client.get(url(cohort)).content.decode()


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"tag": "django"}, "Alpha REST notes", "Beta Docker diary"),
        ({"status": "in_review"}, "Beta Docker diary", "Alpha REST notes"),
        ({"learner": "pete"}, "Beta Docker diary", "Alpha REST notes"),
    ],
)
def test_filters_narrow_the_list_and_stay_in_the_url(
    client, learner, cohort, pages, params, shown, hidden
):
    client.force_login(learner)
    html = client.get(url(cohort, **params)).content.decode()
    directory = html[html.index('id="directory"') :]
    assert shown in directory and hidden not in directory


def test_sorting_by_title(client, learner, cohort, pages):
    client.force_login(learner)
    html = client.get(url(cohort, sort="title")).content.decode()
    assert html.index("Alpha REST notes") < html.index("Beta Docker diary")


def test_htmx_gets_just_the_directory(client, learner, cohort, pages):
    client.force_login(learner)
    response = client.get(
        url(cohort, status="in_review"), headers={"HX-Request": "true", "HX-Target": "directory"}
    )
    html = response.content.decode()
    assert html.strip().startswith('<div id="directory"') and "<html" not in html
    assert "Beta Docker diary" in html and "Alpha REST notes" not in html


def test_bad_filter_values_are_ignored_not_errors(client, learner, cohort, pages):
    client.force_login(learner)
    response = client.get(url(cohort, status="bogus", sort="sideways", page="x"))
    assert response.status_code == 200


@pytest.mark.parametrize("size", [5, 60])
def test_directory_queries_do_not_grow_with_pages_or_page_number(
    client, mentor, cohort, size, django_assert_max_num_queries
):
    for n in range(size):
        author = make_user(f"writer{n}")
        Membership.objects.create(user=author, cohort=cohort, role=Role.LEARNER)
        make_page(author, cohort, title=f"Page {n:03}", visibility="cohort", sections=2)
    client.force_login(mentor)
    for number in (1, 3):
        # Session, user, unread count, cohort, role, staff, first learners, learner
        # count, tags, authors, count, rows, their tags and their section counts: the
        # same on page 1 and page 3, for 5 or 60 pages.
        with django_assert_max_num_queries(14):
            response = client.get(url(cohort, page=number))
        assert response.status_code == 200
    assert Page.objects.count() == size


def test_the_author_filter_lists_members_escaped_and_keeps_the_choice(
    client, learner, peer, cohort, pages
):
    peer.display_name = 'Pete "<b>" Peer'
    peer.save()
    client.force_login(learner)
    html = client.get(url(cohort, learner="pete")).content.decode()
    select = html[
        html.index('id="filter-learner"') : html.index(
            "</select>", html.index('id="filter-learner"')
        )
    ]
    assert '<option value="pete" selected>Pete &quot;&lt;b&gt;&quot; Peer</option>' in select
    assert '<option value="lena">Lena Learner</option>' in select
    assert select.count(" selected") == 1
