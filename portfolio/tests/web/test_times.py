"""Times read the way people say them, with the exact moment on hover and a valid
datetime attribute."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_page
from portfolio.models import Revision
from portfolio.templatetags.nexus import relative, since, when

NOW = timezone.make_aware(datetime(2026, 12, 3, 14, 30))


@pytest.mark.parametrize(
    "ago, words",
    [
        (timedelta(seconds=0), "just now"),
        (timedelta(seconds=40), "just now"),
        (timedelta(minutes=1), "1 minute ago"),
        (timedelta(minutes=5), "5 minutes ago"),
        (timedelta(hours=3), "3 hours ago"),
        (timedelta(hours=20, minutes=50), "yesterday at 17:40"),
        (timedelta(days=3), "Monday at 14:30"),
        (timedelta(days=20), "13 Nov"),
        (timedelta(days=400), "29 Oct 2025"),
        (-timedelta(hours=2), "in 2 hours"),
        (-timedelta(days=3), "in 3 days"),
    ],
)
def test_relative_times_read_like_speech(settings, ago, words):
    settings.TIME_ZONE = "UTC"
    assert relative(NOW - ago, now=NOW) == words


def test_a_time_element_has_a_valid_datetime_and_the_exact_time_on_hover():
    moment = timezone.now() - timedelta(minutes=5, microseconds=123456)
    html = str(when(moment))
    stamp = re.search(r'datetime="([^"]+)"', html).group(1)
    assert "." not in stamp  # whole seconds: the HTML checker refuses microseconds
    assert datetime.fromisoformat(stamp).tzinfo is not None
    assert re.search(r'title="\d+ \w+ \d{4}, \d\d:\d\d"', html)
    assert ">5 minutes ago</time>" in html
    assert str(when(None)) == ""


def test_a_wait_reads_as_a_length_of_time():
    html = str(since(timezone.now() - timedelta(days=3, hours=2)))
    assert ">3 days</time>" in html and 'title="since ' in html
    assert ">less than a minute</time>" in str(since(timezone.now()))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "apart, shown",
    [
        (timedelta(seconds=35), "Comparing 3 Dec, 14:30:05 with 3 Dec, 14:30:40"),
        (timedelta(minutes=10), "Comparing 3 Dec, 14:30 with 3 Dec, 14:40"),
    ],
)
def test_versions_within_one_minute_are_compared_to_the_second(
    client, settings, learner, cohort, apart, shown
):
    settings.TIME_ZONE = "UTC"
    page = make_page(learner, cohort, sections=2)
    first, second = Revision.objects.filter(page=page).order_by("pk")
    start = NOW.replace(second=5)
    Revision.objects.filter(pk=first.pk).update(created_at=start)
    Revision.objects.filter(pk=second.pk).update(created_at=start + apart)
    client.force_login(learner)
    history = reverse("page_history", args=[learner.username, page.slug])
    html = client.get(history, {"a": first.pk, "b": second.pk}).content.decode()
    assert shown in html
