"""On PostgreSQL, the directory, search and queue queries use indexes: with sequential
scans and explicit sorts switched off, the plans must still find an index path for
their filters and order. (On test-sized tables the planner may otherwise pick any
index and sort, which made the named-index checks depend on statistics.)"""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import make_page
from portfolio.models import Page, Status
from portfolio.search import search

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN of PostgreSQL plans"),
]


def plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        return queryset.explain()


def test_search_uses_indexes_and_the_gin_index_serves_the_match(learner, mentor, cohort):
    from django.contrib.postgres.search import SearchQuery

    make_page(learner, cohort, title="Redis caching", visibility="public")
    for viewer in (None, mentor):
        text = plan(search(viewer, "redis"))
        assert "Seq Scan on portfolio_page" not in text, text
    terms = SearchQuery("redis", search_type="websearch", config="english")
    assert "page_search_gin" in plan(Page.objects.filter(search_vector=terms))


def test_the_directory_and_queue_use_the_cohort_index(learner, mentor, cohort):
    make_page(learner, cohort, visibility="cohort", status="in_review")
    queue = Page.objects.filter(cohort=cohort, status=Status.IN_REVIEW).order_by(
        "submitted_at", "pk"
    )
    text = plan(queue)
    assert "Index" in text and "Seq Scan on portfolio_page" not in text
    assert "page_review_queue" in text, text
    directory = Page.objects.visible_to(mentor).filter(cohort=cohort)
    text = plan(directory.order_by("-updated_at", "pk"))
    assert "Index" in text and "Seq Scan on portfolio_page" not in text
    assert "page_cohort_updated" in text, text
    assert "page_cohort_title" in plan(directory.order_by("title", "pk"))


def test_the_dashboard_queries_use_indexes(
    learner, mentor, cohort, django_capture_on_commit_callbacks
):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    from portfolio.dashboards import cohort_dashboard

    make_page(learner, cohort, sections=2)
    with conn.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    # Sorted by a learner's figure, first with nothing cached, then with the cohort's
    # past activity cached and only today's counted.
    with CaptureQueriesContext(conn) as captured:
        cohort_dashboard(cohort, "approved")
        cohort_dashboard(cohort, "approved")
    with conn.cursor() as cursor:
        for query in captured.captured_queries:
            if query["sql"].startswith("SET"):
                continue
            cursor.execute("EXPLAIN " + query["sql"])
            text = "\n".join(row[0] for row in cursor.fetchall())
            for table in ("portfolio_page", "portfolio_revision", "portfolio_section"):
                assert f"Seq Scan on {table}" not in text, text
