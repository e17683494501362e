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

from portfolio.markdown import html_text
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


# How much of each page's text a snippet is looked for in: enough for any journal page
# a person writes, and a bound on ts_headline's work for twenty results at a time.
SNIPPET_SOURCE_CHARS = 50_000
SNIPPET_CHARS = 220


def plain_text(html: str) -> str:
    """What a reader sees of rendered HTML: tags out, entities decoded, one space."""
    return " ".join(html_text(html).split())


def snippets(results: list[Page], query: str) -> list[Result]:
    """A highlighted snippet for each page on the current page of results: plain text
    from the rendered page (never Markdown), cut at word boundaries."""
    if not results:
        return []
    query = clean_query(query)
    texts = {page.pk: [page.summary] for page in results}
    for page_id, heading, body_html in (
        Section.objects.filter(page_id__in=list(texts))
        .order_by("page_id", "position")
        .values_list("page_id", "heading", "body_html")
    ):
        gathered = texts[page_id]
        if sum(len(part) for part in gathered) < SNIPPET_SOURCE_CHARS:
            # Markup is at most a few times the text it wraps, so this cut keeps
            # all the text that can be used and bounds the work on a huge page.
            gathered.append(f"{heading}. {plain_text(body_html[: SNIPPET_SOURCE_CHARS * 4])}")
    documents = {
        pk: " ".join(" ".join(parts).split())[:SNIPPET_SOURCE_CHARS] for pk, parts in texts.items()
    }
    if connection.vendor == "postgresql":
        return _pg_snippets(results, documents, query)
    words = [re.escape(w) for w in re.findall(r"\w+", query.lower()) if len(w) > 1]
    pattern = re.compile("|".join(words), re.IGNORECASE) if words else None
    out = []
    for page in results:
        text = documents[page.pk]
        match = pattern.search(text) if pattern else None
        excerpt = excerpt_around(text, match.start() if match else 0)
        if pattern:
            excerpt = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", excerpt)
        out.append(Result(page, _marked(excerpt)))
    return out


def excerpt_around(text: str, at: int) -> str:
    """About SNIPPET_CHARS of text around position `at`, starting and ending between
    words, with an ellipsis where text was left out."""
    start = max(0, at - SNIPPET_CHARS // 3)
    if start:
        space = text.find(" ", start, at)
        start = space + 1 if space != -1 else start
    end = start + SNIPPET_CHARS
    if end < len(text):
        space = text.rfind(" ", max(start, at), end)
        end = space if space != -1 else end
    excerpt = text[start:end].strip()
    return ("…" if start else "") + excerpt + ("…" if end < len(text) else "")


def _pg_snippets(results: list[Page], documents: dict[int, str], query: str) -> list[Result]:
    """Every headline of the current result page in one query (ts_headline cuts at
    words itself)."""
    sql = (
        "SELECT ts_headline('english', doc, websearch_to_tsquery('english', %s), "
        "'StartSel=\x02, StopSel=\x03, MaxWords=35, MinWords=15, MaxFragments=2, "
        'FragmentDelimiter=" … "\') '
        "FROM unnest(%s::text[]) WITH ORDINALITY AS t(doc, n) ORDER BY n"
    )
    # ts_headline's parser takes anything like a tag in its input for markup and drops
    # it, so the text goes in escaped (entities pass through whole) and comes back
    # escaped; any angle bracket left would be a surprise, and is escaped again.
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, [escape(documents[page.pk]) for page in results]])
        headlines = [row[0] for row in cursor.fetchall()]
    return [
        Result(page, _marked_escaped(text)) for page, text in zip(results, headlines, strict=True)
    ]


def _marked_escaped(text: str) -> SafeString:
    """Like _marked, for text that is escaped already."""
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return mark_safe(text.replace(_START, "<mark>").replace(_STOP, "</mark>"))
