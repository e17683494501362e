"""Search across the pages a viewer may see (always Page.objects.visible_to).

PostgreSQL: real full-text search over the stored, weighted search vector (title above
headings above text), websearch syntax, ranked, with highlighted snippets. SQLite: a
plain substring match with the same interface, so the embedded default works too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portfolio.models import Page, Section, Viewer

MAX_QUERY = 200
_START, _STOP = "\x02", "\x03"


@dataclass
class Result:
    page: Page
    snippet: SafeString


def _marked(text: str) -> SafeString:
    """Escape user text, then turn the sentinels around matches into <mark>."""
    return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))


def clean_query(query: str) -> str:
    """One space between words, NUL bytes out (PostgreSQL refuses them in text), and
    no longer than MAX_QUERY."""
    return " ".join(query.replace("\x00", " ").split())[:MAX_QUERY]


def search(viewer: Viewer, query: str) -> QuerySet[Page]:
    """The matching pages the viewer may see, best first."""
    query = clean_query(query)
    pages = Page.objects.visible_to(viewer).select_related("author", "cohort")
    if not query:
        return pages.none()
    if connection.vendor == "postgresql":
        terms = SearchQuery(query, search_type="websearch", config="english")
        return (
            pages.filter(search_vector=terms)
            .annotate(rank=SearchRank(F("search_vector"), terms))
            .order_by("-rank", "-updated_at", "pk")
        )
    words = [word for word in re.findall(r"\w+", query.lower()) if len(word) > 1][:8]
    if not words:
        return pages.none()
    condition = Q()
    for word in words:
        condition &= (
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(pk__in=Subquery(Section.objects.filter(body__icontains=word).values("page_id")))
            | Q(pk__in=Subquery(Section.objects.filter(heading__icontains=word).values("page_id")))
        )
    return pages.filter(condition).order_by("-updated_at", "pk")


def snippets(results: list[Page], query: str) -> list[Result]:
    """A highlighted snippet for each page on the current page of results."""
    if not results:
        return []
    query = clean_query(query)
    texts = {page.pk: [page.summary] for page in results}
    for page_id, heading, body in Section.objects.filter(page_id__in=list(texts)).values_list(
        "page_id", "heading", "body"
    ):
        texts[page_id].append(f"{heading}: {body}")
    if connection.vendor == "postgresql":
        return _pg_snippets(results, texts, query)
    words = [re.escape(w) for w in re.findall(r"\w+", query.lower()) if len(w) > 1]
    pattern = re.compile("|".join(words), re.IGNORECASE) if words else None
    out = []
    for page in results:
        text = " ".join(" ".join(texts[page.pk]).split())
        match = pattern.search(text) if pattern else None
        start = max(0, match.start() - 80) if match else 0
        excerpt = text[start : start + 220]
        if pattern:
            excerpt = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", excerpt)
        out.append(Result(page, _marked(("…" if start else "") + excerpt)))
    return out


def _pg_snippets(results: list[Page], texts: dict[int, list[str]], query: str) -> list[Result]:
    """Every headline of the current result page in one query."""
    sql = (
        "SELECT ts_headline('english', doc, websearch_to_tsquery('english', %s), "
        "'StartSel=\x02, StopSel=\x03, MaxWords=35, MinWords=15, MaxFragments=2, "
        'FragmentDelimiter=" … "\') '
        "FROM unnest(%s::text[]) WITH ORDINALITY AS t(doc, n) ORDER BY n"
    )
    documents = [" ".join(texts[page.pk]) for page in results]
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, documents])
        headlines = [row[0] for row in cursor.fetchall()]
    return [Result(page, _marked(text)) for page, text in zip(results, headlines, strict=True)]
