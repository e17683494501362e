"""Markdown from an author never makes a render cost seconds: each hostile document
here is as large as a section may be, and was measured at seconds (or minutes) before
its bound existed."""

from __future__ import annotations

import re
import time
from html import unescape
from pathlib import Path

import pytest
from django.utils.html import strip_tags

from portfolio.limits import MAX_PAGE_LINES, MAX_PAGE_TOKENS, MAX_SECTION_BODY
from portfolio.markdown import (
    MAX_BACKREFS,
    MAX_HTML_DEPTH,
    MAX_NESTING,
    html_text,
    parse_document,
    render_markdown,
)

SIZE = MAX_SECTION_BODY - 100


def fill(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


def timed(text: str) -> tuple[str, float]:
    started = time.perf_counter()
    html = render_markdown(text)
    return html, time.perf_counter() - started


@pytest.mark.parametrize(
    "text",
    [
        fill("<http://"),  # 101 s: markdown-it's linkify searched all text before each "://"
        fill("x://x."),
        fill("<div>"),  # 3.9 s: the HTML parser under nh3 is quadratic in nesting
        fill("<ul>"),
        fill("[[a]("),  # 4 s of inline parsing
        fill("!["),
        "> " * (SIZE // 2),  # nesting: stops at MAX_NESTING
        "".join(" " * (2 * depth) + "- a\n" for depth in range(400)),
        "`" * SIZE,
        "".join("`" * run + "a" for run in range(1, 600)),
    ],
    ids=[
        "autolinks",
        "bare-schemes",
        "nested-divs",
        "nested-uls",
        "link-brackets",
        "image-brackets",
        "blockquotes",
        "nested-lists",
        "backticks",
        "backtick-runs",
    ],
)
def test_a_hostile_section_renders_within_a_second(text):
    html, seconds = timed(text)
    assert seconds < 1.0
    assert html


def test_bare_links_still_become_links_without_emphasis_inside():
    html = render_markdown("See https://example.com/a_b_c and http://files.example.org/x.")
    assert '<a href="https://example.com/a_b_c"' in html
    assert "<em>" not in html
    assert '<a href="http://files.example.org/x"' in html
    assert "<a" not in render_markdown("A `code://x` span and no link.").split("</code>")[1]


def test_html_nested_past_the_limit_shows_as_text_and_shallower_html_is_kept():
    kept = render_markdown("<div>" * 50 + "inside" + "</div>" * 50)
    assert kept.count("<div>") == 50
    deep = render_markdown("<div>" * (MAX_HTML_DEPTH + 20) + "inside")
    assert deep.count("<div>") == MAX_HTML_DEPTH
    assert deep.count("&lt;div&gt;") == 20


def test_markdown_nesting_stops_at_the_limit():
    html = render_markdown("> " * 200 + "deep")
    # markdown-it stops descending there (and drops what is deeper: the source keeps it).
    assert html.count("<blockquote>") == MAX_NESTING


def test_when_inline_parsing_runs_out_of_time_the_structure_is_still_whole():
    text = fill("[[a](")[: SIZE // 2] + "\n\n## Later heading\n\n*still* here\n"
    html = render_markdown(text)
    assert re.search(r"<h2[^>]*>Later heading</h2>", html)
    assert "still" in html


def test_task_lists_cost_the_same_per_item_however_many():
    """The task-list plugin looked back through every token for each item's list:
    20,000 items took 138 s (3,000 about 3 s); one pass now. As many as a page holds:"""
    items = MAX_PAGE_TOKENS // 5 - 10
    html, seconds = timed("- [ ] to do\n- [x] done\n" * (items // 2))
    assert seconds < 1.0
    assert html.count('class="task-list-item"') == items
    assert html.count('checked="checked"') == items // 2
    assert "md-overflow" not in html
    assert html.startswith('<ul class="contains-task-list">')


def test_a_task_item_is_a_disabled_checkbox_in_a_label_with_its_text():
    html = render_markdown("- [ ] write *tests*\n- [X] ship\n- plain\n")
    assert (
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'disabled="disabled" type="checkbox"> write <em>tests</em></label></li>'
    ) in html
    assert 'checked="checked" disabled="disabled" type="checkbox"> ship</label>' in html
    assert "<li>plain</li>" in html


# Past the line and token limits -----------------------------------------------------------


def overflow_of(html: str) -> str:
    found = re.search(r'<div class="md-overflow">.*?<pre>(.*?)</pre></div>', html, re.S)
    assert found, html[-300:]
    return found.group(1)


def test_past_the_token_limit_the_rest_is_plain_escaped_text_at_the_same_place_every_time():
    items = MAX_PAGE_TOKENS // 5 + 50
    text = "".join(f"- item {n} *<b>x</b>*\n" for n in range(items))
    first, second = parse_document(text), parse_document(text)
    assert first.overflowed
    cut = [t.map for t in first.tokens if t.type == "nexus_overflow"]
    assert cut == [t.map for t in second.tokens if t.type == "nexus_overflow"]
    html = render_markdown(text)
    assert "Shown as plain text" in html
    rest = overflow_of(html)
    assert rest.startswith("- item ")
    assert rest.endswith(f"- item {items - 1} *&lt;b&gt;x&lt;/b&gt;*\n")
    assert "<li>item 0 <em><b>x</b></em></li>" in html  # formatted up to the limit
    shown = html.count("<li>item ") + rest.count("- item ")
    assert shown == items  # nothing lost: every item is either a list item or in the rest


def test_past_the_line_limit_the_lines_after_it_are_plain_text():
    text = "intro *emphasis*\n" + "\n" * (MAX_PAGE_LINES - 1) + "late *not emphasis*\n"
    assert not parse_document(text[: text.index("late")]).overflowed
    doc = parse_document(text)
    assert doc.overflowed
    html = render_markdown(text)
    assert "<em>emphasis</em>" in html
    assert overflow_of(html).strip() == "late *not emphasis*"


def test_a_table_past_the_limit_stops_at_it_instead_of_becoming_one_long_paragraph():
    text = "| a | b |\n|---|---|\n" + "| 1 | 2 |\n" * (MAX_PAGE_TOKENS // 8 + 100)
    html, seconds = timed(text)
    assert seconds < 1.0
    rows = html.count("<tr>")
    assert 1_000 < rows < MAX_PAGE_TOKENS // 8 + 100
    assert overflow_of(html).startswith("| 1 | 2 |")
    assert "<p>" not in html.split('<div class="md-overflow">')[0]


def test_html_text_reads_what_django_strip_tags_reads_with_entities_decoded():
    corpus = Path(__file__).parents[1] / "fixtures" / "readmes"
    for path in sorted(corpus.glob("*.md")):
        html = render_markdown(path.read_text(encoding="utf-8-sig"))
        assert html_text(html) == unescape(strip_tags(html)), path.name
    assert html_text('<p title="a > b">x &amp; <code>&lt;y&gt;</code></p>') == "x & <y>"


def test_a_note_cited_many_times_links_back_to_its_first_citations_only():
    html = render_markdown("Cited" + "[^a]" * 50 + ".\n\n[^a]: The note.\n")
    assert html.count('class="footnote-ref"') == 50
    assert html.count('class="footnote-backref"') == MAX_BACKREFS
    assert 'href="#md-fnref-1-9"' in html
    assert 'href="#md-fnref-1-10"' not in html
