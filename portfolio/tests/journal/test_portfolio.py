from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_page

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_a_public_page_is_fit_to_share(client, learner, cohort, settings):
    settings.SITE_URL = "https://nexus.example.com"
    page = make_page(learner, cohort, title="Shareable", visibility="public")
    page.summary = "What I built."
    page.save()
    html = client.get(page.get_absolute_url()).content.decode()
    assert '<link rel="canonical" href="https://nexus.example.com/@lena/shareable/">' in html
    assert '<meta property="og:title" content="Shareable">' in html
    assert '<meta property="og:description" content="What I built.">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_a_non_public_page_asks_not_to_be_indexed(client, mentor, journal):
    client.force_login(mentor)
    html = client.get(journal.get_absolute_url()).content.decode()
    assert '<meta name="robots" content="noindex">' in html and "og:title" not in html


def test_the_sitemap_lists_public_pages_and_their_authors_only(client, learner, peer, cohort):
    make_page(learner, cohort, title="Out in the open", visibility="public")
    make_page(peer, cohort, title="Just for mentors")
    xml = client.get("/sitemap.xml").content.decode()
    assert "/@lena/out-in-the-open/" in xml and "/@lena/</loc>" in xml
    assert "just-for-mentors" not in xml and "/@pete/" not in xml


def test_robots_txt_points_to_the_sitemap_and_away_from_private_areas(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /cohorts/" in text and "Disallow: /accounts/" in text


def test_the_print_stylesheet_drops_navigation_and_tools(client):
    from pathlib import Path

    css = (Path(__file__).resolve().parents[3] / "static" / "css" / "nexus.css").read_text()
    printing = css[css.index("@media print") :]
    for selector in [".site-header", ".page-aside", ".section-tools", ".comment-box"]:
        assert selector in printing


def test_learners_edit_their_profile_inline(client, learner):
    client.force_login(learner)
    form = client.get(reverse("profile_edit", args=["lena"]), headers=HX)
    assert 'name="bio"' in form.content.decode()
    response = client.post(
        reverse("profile_edit", args=["lena"]),
        {
            "display_name": "Lena Okoro",
            "bio": "Backend learner.",
            "links": "https://github.com/lena\nhttps://lena.dev",
        },
        headers=HX,
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Lena Okoro" in html and "github.com/lena" in html
    learner.refresh_from_db()
    assert learner.link_list == ["https://github.com/lena", "https://lena.dev"]


@pytest.mark.parametrize(
    ("links", "message"),
    [("javascript:alert(1)", "not a web address"), ("\n".join(["https://a.example"] * 6), "five")],
)
def test_bad_profile_links_are_refused_and_kept(client, learner, links, message):
    client.force_login(learner)
    response = client.post(
        reverse("profile_edit", args=["lena"]),
        {"display_name": "Kept name", "bio": "", "links": links},
        headers=HX,
    )
    assert response.status_code == 422
    assert message in response.content.decode() and "Kept name" in response.content.decode()


def test_nobody_edits_someone_elses_profile(client, learner, mentor):
    client.force_login(mentor)
    assert client.get(reverse("profile_edit", args=["lena"])).status_code == 403


def test_a_page_cannot_take_the_profile_editors_address(learner, cohort):
    assert make_page(learner, cohort, title="Edit").slug == "edit-page"
