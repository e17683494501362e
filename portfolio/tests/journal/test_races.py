"""Two requests at the same moment on one page (two tabs, a double click): the page's
row lock makes them take turns, so limits, positions and notifications hold."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from conftest import make_page
from portfolio.models import MAX_SECTIONS, Notification, Page, Section
from portfolio.services import page_submit

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(*actions: Callable[[], object]) -> list[object]:
    """Run the actions in threads released together; each result or the error raised."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite runs one writer at a time")
    start = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int, action: Callable[[], object]) -> None:
        try:
            start.wait()
            results[index] = action()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def fresh(page: Page) -> Page:
    return Page.objects.select_related("author", "cohort").get(pk=page.pk)


def test_two_sections_added_at_once_get_their_own_positions(learner, cohort):
    page = make_page(learner, cohort, sections=1)
    for _round in range(3):
        at_once(
            lambda: fresh(page).add_section(heading="Left", by=learner),
            lambda: fresh(page).add_section(heading="Right", by=learner),
        )
    positions = list(page.sections.values_list("position", flat=True))
    assert len(positions) == 7 and len(set(positions)) == 7
    exported = fresh(page).markdown()
    assert exported.count("## Left\n") == 3 and exported.count("## Right\n") == 3


def test_the_last_free_place_goes_to_one_of_two(learner, cohort):
    page = make_page(learner, cohort, sections=1)
    Section.objects.bulk_create(
        Section(page=page, heading=f"S{n}", heading_source=f"## S{n}\n", position=n + 1)
        for n in range(MAX_SECTIONS - 2)
    )
    results = at_once(
        lambda: fresh(page).add_section(heading="One", by=learner),
        lambda: fresh(page).add_section(heading="Two", by=learner),
    )
    assert sorted(type(result).__name__ for result in results) == ["Section", "ValidationError"]
    assert page.sections.count() == MAX_SECTIONS


def test_a_double_submit_submits_and_notifies_once(learner, mentor, organizer, cohort):
    page = make_page(learner, cohort)
    results = at_once(
        lambda: page_submit(page=fresh(page), by=learner),
        lambda: page_submit(page=fresh(page), by=learner),
    )
    assert sum(isinstance(result, ValidationError) for result in results) == 1
    # One notification for each of the cohort's reviewers, not two.
    assert Notification.objects.filter(kind="submitted").count() == 2


def test_two_pages_of_one_title_created_at_once_both_get_an_address(learner, cohort):
    from portfolio.readme import parse_readme
    from portfolio.services import page_import

    text = "# Week 9\n\n## Notes\n\nSynced from GitHub.\n"
    for _round in range(3):
        results = at_once(
            lambda: page_import(cohort=cohort, author=learner, parsed=parse_readme(text)),
            lambda: page_import(cohort=cohort, author=learner, parsed=parse_readme(text)),
        )
        assert [type(result).__name__ for result in results] == ["Page", "Page"]
    slugs = sorted(Page.objects.filter(title="Week 9").values_list("slug", flat=True))
    assert slugs == ["week-9", *[f"week-9-{n}" for n in range(2, 7)]]


def test_the_page_that_loses_the_race_to_an_address_takes_the_next(learner, cohort, monkeypatch):
    # What the race does, made certain: the address looked up is taken by the time
    # the page is inserted.
    from portfolio import services

    make_page(learner, cohort, title="Week 9")
    looked_up = []

    def stale(author, title):
        looked_up.append(title)
        return "week-9" if len(looked_up) == 1 else real(author, title)

    real = services.unique_page_slug
    monkeypatch.setattr(services, "unique_page_slug", stale)
    page = services.page_create(cohort=cohort, author=learner, title="Week 9", from_template=False)
    assert (page.slug, len(looked_up)) == ("week-9-2", 2)
