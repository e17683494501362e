"""Markdown from an author never makes a render cost seconds: each hostile document
here is as large as a section may be, and was measured at seconds (or minutes) before
its bound existed."""

from __future__ import annotations

import re
import time

import pytest

from portfolio.limits import MAX_SECTION_BODY
from portfolio.markdown import MAX_HTML_DEPTH, MAX_NESTING, render_markdown

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
    20,000 items took 138 s (3,000 about 3 s); one pass now."""
    html, seconds = timed("- [ ] to do\n- [x] done\n" * 1500)
    assert seconds < 1.0
    assert html.count('class="task-list-item"') == 3000
    assert html.count('checked="checked"') == 1500
    assert html.startswith('<ul class="contains-task-list">')


def test_a_task_item_is_a_disabled_checkbox_in_a_label_with_its_text():
    html = render_markdown("- [ ] write *tests*\n- [X] ship\n- plain\n")
    assert (
        '<li class="task-list-item"><label><input class="task-list-item-checkbox" '
        'disabled="disabled" type="checkbox"> write <em>tests</em></label></li>'
    ) in html
    assert 'checked="checked" disabled="disabled" type="checkbox"> ship</label>' in html
    assert "<li>plain</li>" in html
