"""Numbers from outside never make a 500: Unicode digits ("²".isdigit() is true, int()
refuses it), ids longer than any column, zero and negatives, in every query parameter
and form field that carries a number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_page
from portfolio.models import Page

pytestmark = pytest.mark.django_db

ODD = ["²", "١٢", "9" * 25, "9" * 4500, "0", "-1", "1e3", " 1", "1.5", "\x00"]


@pytest.fixture
def world(learner, mentor, cohort):
    page = make_page(learner, cohort, title="Numbers", sections=2)
    make_page(learner, cohort, title="Waiting", status="in_review")
    return {"page": page, "section": page.sections.first()}


def get_urls(world) -> list[tuple[str, str]]:
    page = world["page"]
    history = reverse("page_history", args=["lena", page.slug])
    return [
        (history, "a"),
        (history, "b"),
        (history, "page"),
        (reverse("notification_list"), "page"),
        (reverse("review_queue", args=["prodev-7"]), "page"),
        (reverse("cohort_dashboard", args=["prodev-7"]), "page"),
        (reverse("cohort_detail", args=["prodev-7"]), "page"),
        (reverse("search"), "page"),
    ]


@pytest.mark.parametrize("value", ODD)
def test_odd_numbers_in_query_parameters_never_fail(client, mentor, world, value):
    client.force_login(mentor)
    for url, name in get_urls(world):
        params = {name: value, **({"q": "numbers"} if "search" in url else {})}
        response = client.get(url, params)
        assert response.status_code in {200, 302, 404}, (url, name, value)


@pytest.mark.parametrize("value", ODD)
def test_odd_numbers_in_form_fields_never_fail(client, learner, mentor, world, value):
    page, section = world["page"], world["section"]
    args = ["lena", page.slug]
    client.force_login(learner)
    posts = [
        (reverse("comment_create", args=args), {"body": "Hi", "section": value}),
        (reverse("comment_create", args=args), {"body": "Hi", "parent": value}),
        (
            reverse("section_edit", args=[*args, section.pk]),
            {"heading": "H", "body": "B", "version": value},
        ),
        (reverse("section_move", args=[*args, section.pk]), {"direction": value}),
    ]
    for url, data in posts:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.post(url, data, headers=headers)
            assert response.status_code < 500, (url, data, headers)
    client.force_login(mentor)
    waiting = Page.objects.get(title="Waiting")
    mark = reverse("section_mark", args=["lena", waiting.slug, waiting.sections.first().pk])
    response = client.post(mark, {"mark": "looks_good", "saved_reply": value})
    assert response.status_code < 500
    invite = reverse("invite_create", args=["prodev-7"])
    response = client.post(invite, {"role": "learner", "expires_in": value, "max_uses": value})
    assert response.status_code < 500
