"""Every state-changing endpoint, HTMX included, refuses a request without the CSRF
token (the matrix lists them all)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from portfolio.tests.test_permission_matrix import MATRIX, Row

POSTS = [row for row in MATRIX if row.method == "post" and row.name != "notifications_unsubscribe"]


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("row", POSTS, ids=lambda row: row.name)
def test_a_post_without_the_csrf_token_is_refused(personas, objects, row: Row, htmx: bool):
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        personas["organizer"] if row.expected["organizer"] < 400 else personas["learner"]
    )
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(reverse(row.name, args=row.args(objects)), row.data, headers=headers)
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_one_click_unsubscribe_needs_no_session_but_a_signed_token(personas, objects):
    from portfolio.notifications import unsubscribe_token

    client = Client(enforce_csrf_checks=True)
    token = unsubscribe_token(personas["learner"])
    response = client.post(reverse("notifications_unsubscribe", args=[token]))
    # Refused without the CSRF token too: the confirmation page carries it.
    assert response.status_code == 403
