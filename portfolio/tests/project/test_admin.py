from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import make_invite, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["user", "cohort", "membership", "invite"])
def test_staff_can_list_and_open_every_model_in_the_admin(staff_client, cohort, model):
    make_invite(cohort)
    listing = staff_client.get(reverse(f"admin:portfolio_{model}_changelist"))
    assert listing.status_code == 200
    assert staff_client.get(reverse(f"admin:portfolio_{model}_add")).status_code == 200


def test_staff_can_create_a_user_in_the_admin(staff_client):
    response = staff_client.post(
        reverse("admin:portfolio_user_add"),
        {
            "email": "added@example.com",
            "username": "added",
            "password1": "a-long-and-unusual-pass",
            "password2": "a-long-and-unusual-pass",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    from portfolio.models import User

    assert User.objects.filter(email="added@example.com").exists()


def test_the_cohort_page_in_the_admin_shows_members_inline(staff_client, cohort):
    response = staff_client.get(reverse("admin:portfolio_cohort_change", args=[cohort.pk]))
    assert response.status_code == 200
    assert "Lena Learner" in response.content.decode()
