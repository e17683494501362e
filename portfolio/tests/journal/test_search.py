from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from conftest import make_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(learner, peer, cohort, other_cohort, outsider):
    mine = make_page(learner, cohort, title="Caching with Redis", visibility="private", sections=0)
    mine.add_section(
        heading="Challenges", body="Cache invalidation with a generation key.", by=learner
    )
    shared = make_page(peer, cohort, title="Docker diary", visibility="cohort", sections=0)
    shared.add_section(heading="Compose", body="Redis and Postgres in compose.", by=peer)
    secret = make_page(peer, cohort, title="Secret Redis plans", visibility="private", sections=0)
    secret.add_section(heading="Hidden", body="Redis redis redis zebra.", by=peer)
    other = make_page(
        outsider, other_cohort, title="Other cohort Redis", visibility="cohort", sections=0
    )
    other.add_section(heading="Elsewhere", body="Redis zebra elsewhere.", by=outsider)
    public = make_page(
        outsider, other_cohort, title="Public Redis notes", visibility="public", sections=0
    )
    public.add_section(heading="Open", body="Everyone may read about Redis.", by=outsider)
    return {"mine": mine, "shared": shared, "secret": secret, "other": other, "public": public}


def titles(client, query: str) -> str:
    return client.get(reverse("search"), {"q": query}).content.decode()


def test_search_finds_what_the_viewer_may_see(client, learner, corpus):
    client.force_login(learner)
    html = titles(client, "redis")
    for title in ["Caching with Redis", "Docker diary", "Public Redis notes"]:
        assert title in html
    assert "<mark>" in html


@pytest.mark.parametrize(
    "query",
    [
        "zebra",
        "Secret Redis plans",
        '"Secret Redis plans"',
        "secret OR zebra",
        "redis -caching",
        "redi*",
        "elsewhere",
        "hidden",
        "' OR 1=1 --",
        "<script>",
    ],
)
def test_private_and_other_cohort_pages_never_appear(client, learner, corpus, query):
    client.force_login(learner)
    results = titles(client, query).split('id="results"')[1]
    for hidden in (corpus["secret"], corpus["other"]):
        assert hidden.get_absolute_url() not in results
    assert "Redis redis redis zebra" not in results and "Redis zebra elsewhere" not in results
    assert "<script>" not in results


def test_visitors_search_public_pages_only(client, corpus):
    html = titles(client, "redis")
    assert "Public Redis notes" in html
    assert "Docker diary" not in html and "Caching with Redis" not in html


def test_titles_rank_above_text_on_postgres_and_match_everywhere(client, learner, corpus):
    client.force_login(learner)
    html = titles(client, "caching")
    assert "Caching with Redis" in html


def test_htmx_gets_only_the_results(client, learner, corpus):
    client.force_login(learner)
    response = client.get(reverse("search"), {"q": "docker"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.strip().startswith('<div id="results"') and "Docker diary" in html


def test_snippets_escape_page_text(client, learner, cohort):
    page = make_page(learner, cohort, title="Escapes", visibility="cohort", sections=0)
    page.add_section(
        heading="XSS",
        body="zebra <img src=x onerror=alert(1)> stripes `<script>alert(2)</script>`",
        by=learner,
    )
    client.force_login(learner)
    html = titles(client, "zebra")
    snippet = html.split('class="result-snippet">', 1)[1].split("</p>", 1)[0]
    # The image is markup, not text: a reader never sees it, so neither does a snippet.
    assert "img" not in snippet
    # Code that shows markup as text stays text, escaped.
    assert "&lt;script&gt;alert(2)" in snippet
    assert "<script>alert(2)" not in html


def test_an_empty_query_shows_the_way(client):
    assert "Find good examples" in titles(client, "")


@pytest.mark.parametrize("size", [3, 30])
def test_search_query_count_is_fixed(client, learner, cohort, size, django_assert_max_num_queries):
    for n in range(size):
        make_page(learner, cohort, title=f"Zebra page {n}", visibility="cohort")
    client.force_login(learner)
    # Session, user, unread count, count, one page of results, their sections, and on
    # PostgreSQL one query for all the headlines.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("search"), {"q": "zebra"})
    assert response.status_code == 200


MARKDOWN_HEAVY = """Review: I spent **caching** time on this.

```python
cache.set("key", value)
```

| Layer | Caching |
|---|---|
| Redis | yes |

An unrelated closing paragraph that goes on for a while, long enough that the snippet
has to be cut somewhere in the middle of all these ordinary words about nothing."""


def test_snippets_are_plain_text_from_the_rendered_page(client, learner, cohort):
    page = make_page(learner, cohort, title="Week 3", sections=0)
    page.add_section(heading="Overview", body="Intro words " * 30 + MARKDOWN_HEAVY, by=learner)
    client.force_login(learner)
    html = client.get(reverse("search"), {"q": "caching"}).content.decode()
    snippet = html.split('class="result-snippet"', 1)[1].split("</p>", 1)[0]
    assert "<mark>caching</mark>" in snippet.lower()
    for markdown in ["**", "```", "|---", "| Layer"]:
        assert markdown not in snippet
    # Cut between words: the snippet starts and ends with whole words.
    words = snippet.split(">", 1)[1].replace("…", " ").split()
    assert words[0] in {"Intro", "words", "Overview.", "Review:"}
    source = set(("Overview. " + "Intro words " * 30 + MARKDOWN_HEAVY).split())
    assert words[-1].split("<")[0] in source


def test_excerpts_start_and_end_between_words():
    from portfolio.search import excerpt_around

    text = " ".join(f"word{i:03d}" for i in range(200))
    at = text.index("word100")
    excerpt = excerpt_around(text, at)
    assert excerpt.startswith("…word") and excerpt.endswith("…")
    inner = excerpt.strip("…")
    assert all(len(word) == 7 for word in inner.split())
    assert "word100" in inner
    assert excerpt_around("short text", 0) == "short text"


def test_snippets_of_a_huge_page_stay_cheap(client, learner, cohort):
    import time

    page = make_page(learner, cohort, title="Huge", sections=0)
    body = ("*emphasis* and `code` " * 2000)[:49_000]
    for number in range(4):
        page.add_section(heading=f"Part {number}", body=body, by=learner)
    client.force_login(learner)
    started = time.perf_counter()
    response = client.get(reverse("search"), {"q": "emphasis"})
    assert response.status_code == 200
    assert time.perf_counter() - started < 1.0
    assert "<mark>" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's tsvector limit")
def test_a_page_at_the_size_limit_of_distinct_words_saves_and_is_found(client, learner, cohort):
    from portfolio.limits import MAX_PAGE_BYTES

    page = make_page(learner, cohort, title="Vocabulary", sections=0)
    words, size, number = [], 0, 0
    while size < MAX_PAGE_BYTES - 2_000:
        word = f"w{number:x}q"
        words.append(word)
        size += len(word) + 1
        number += 1
    page.add_section(heading="All the words", body=" ".join(words), by=learner)
    client.force_login(learner)
    html = client.get(reverse("search"), {"q": words[-1]}).content.decode()
    assert "Vocabulary" in html


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search vector is PostgreSQL's")
def test_the_written_out_search_update_builds_the_vector_the_orm_expression_did(learner, cohort):
    """touch() rebuilds the vector with hand-written SQL; it must equal what Django's
    SearchVector expression (which it replaced) builds from the same page."""
    from django.contrib.postgres.search import SearchVector
    from django.db.models import OuterRef, StringAgg, Subquery, TextField, Value
    from django.db.models.functions import Coalesce, Left

    from portfolio.models import Page, Section
    from portfolio.models.journal import SEARCH_TEXT_CHARS

    page = make_page(learner, cohort, title="Caching with Redis", sections=3)
    Page.objects.filter(pk=page.pk).update(summary="Eviction, TTLs and the stampede.")
    page.add_section(heading="Cache stampede", body="Locks & *jitter*; café, naïve.", by=learner)
    page.refresh_from_db()

    def gathered(field):
        text = Subquery(
            Section.objects.filter(page=OuterRef("pk"))
            .values("page")
            .annotate(text=StringAgg(field, Value(" ")))
            .values("text")
        )
        return Left(Coalesce(text, Value(""), output_field=TextField()), SEARCH_TEXT_CHARS)

    expected = (
        Page.objects.filter(pk=page.pk)
        .annotate(
            v=SearchVector("title", weight="A", config="english")
            + SearchVector(gathered("heading"), weight="B", config="english")
            + SearchVector("summary", weight="C", config="english")
            + SearchVector(gathered("body"), weight="C", config="english")
        )
        .values_list("v", flat=True)
        .get()
    )
    stored = Page.objects.filter(pk=page.pk).values_list("search_vector", flat=True).get()
    assert "'stamped':" in stored
    assert stored == expected
