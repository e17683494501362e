from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from portfolio.models import Cohort, Comment, Page, Review, Section, User

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_the_demo_cohort_is_realistic_and_prints_logins():
    output = seed()
    assert "ada@demo.nexus.test      nexus-demo-2026" in output
    assert "[████████████████████████]" in output  # progress is reported
    cohort = Cohort.objects.get(slug="prodev-backend-7")
    assert cohort.memberships.count() == 5
    pages = Page.objects.filter(cohort=cohort)
    assert pages.count() == 5
    assert set(pages.values_list("status", flat=True)) == {
        "draft", "in_review", "approved", "changes_requested"
    }  # fmt: skip
    assert Section.objects.filter(page__in=pages).exclude(body_html="").exists()
    assert Comment.objects.exists() and Review.objects.exists()
    assert pages.filter(visibility="public").exists()


def test_seeding_twice_changes_nothing():
    seed()
    counts = (User.objects.count(), Page.objects.count(), Comment.objects.count())
    seed()
    assert (User.objects.count(), Page.objects.count(), Comment.objects.count()) == counts


def test_flags_scale_it_up_with_bulk_inserts(django_assert_max_num_queries):
    seed()
    with django_assert_max_num_queries(80):
        seed("--learners", "30", "--pages", "120", "--sections", "600", "--comments", "900")
    assert User.objects.filter(username__startswith="learner").count() == 30
    assert Page.objects.filter(slug__startswith="journal-").count() == 120
    assert Section.objects.filter(page__slug__startswith="journal-").count() == 600
    assert Comment.objects.filter(page__slug__startswith="journal-").count() == 900
    seed("--learners", "30")
    assert User.objects.filter(username__startswith="learner").count() == 30
