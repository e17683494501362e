"""Code highlighting is bounded: only listed languages, only blocks up to a size, and
one time budget per render, whatever the author feeds the lexers."""

from __future__ import annotations

import time

import pytest
from pygments.lexers import get_lexer_by_name

from portfolio.limits import MAX_PAGE_LINES
from portfolio.markdown import (
    HIGHLIGHT_CHARS,
    HIGHLIGHT_SECONDS,
    LANGUAGES,
    _highlight,
    render_markdown,
)

# Bodies that kept common lexers busy for seconds at 20,000 characters (measured:
# C and Java 20 s on newlines, Makefile 29 s on "${", Markdown 27 s, YAML 5 s on
# backticks, INI 4 s on colons, Perl 2 s on "<").
# Each at the largest size still highlighted (the fence adds a final newline), the
# newlines at the most a page's lines allow.
SIZE = HIGHLIGHT_CHARS - 1
HOSTILE = {
    "newlines": "\n" * (MAX_PAGE_LINES - 100),
    "dashes": "-" * SIZE,
    "dollar-braces": ("${" * SIZE)[:SIZE],
    "colons": ":" * SIZE,
    "backticks": "`" * SIZE,
    "angles": "<" * SIZE,
}
# What a render may take beyond the budget: one step of a lexer between two checks.
SLACK = 0.35


def lexers() -> dict[str, str]:
    """One alias per distinct lexer in the allow-list."""
    chosen: dict[str, str] = {}
    for alias in sorted(LANGUAGES):
        chosen.setdefault(type(get_lexer_by_name(alias)).__name__, alias)
    return chosen


def test_every_listed_language_has_a_lexer():
    for alias in LANGUAGES:
        assert get_lexer_by_name(alias), alias


@pytest.mark.parametrize("alias", sorted(lexers().values()))
def test_every_listed_lexer_stays_within_the_budget_on_hostile_input(alias):
    fence = "`" * 4  # the backtick body cannot close it
    document = "\n\n".join(f"{fence}{alias}\n{body}\n{fence}" for body in HOSTILE.values())
    started = time.perf_counter()
    html = render_markdown(document)
    assert time.perf_counter() - started < HIGHLIGHT_SECONDS + SLACK, alias
    assert html.count("<pre") == len(HOSTILE)


@pytest.mark.parametrize("alias", ["c", "make", "markdown"])
def test_a_lexer_that_would_take_seconds_is_stopped_and_its_block_shown_plain(alias):
    body = HOSTILE["dollar-braces" if alias == "make" else "newlines"]
    started = time.perf_counter()
    assert _highlight(body + "\n", alias, "") == ""
    assert time.perf_counter() - started < HIGHLIGHT_SECONDS + SLACK


def test_a_language_off_the_list_is_shown_plain():
    assert _highlight("x = 1", "ansys", "") == ""
    assert "hl-" in render_markdown("```python\nx = 1\n```")
    assert "hl-" not in render_markdown("```ansys\nx = 1\n```")
    assert "x = 1" in render_markdown("```ansys\nx = 1\n```")


def test_a_block_over_the_size_limit_is_shown_plain():
    # Ordinary code: a commented function, a few tokens a line (Pygments takes ~0.05 s
    # for 20,000 characters of real Python, well inside the budget).
    unit = (
        "def add(a, b):\n    # Two numbers, added, as the tests expect them.\n    return a + b\n\n"
    )
    code = unit * (HIGHLIGHT_CHARS // len(unit) + 1)
    assert len(code) > HIGHLIGHT_CHARS
    assert _highlight(code, "python", "") == ""
    assert _highlight(code[:HIGHLIGHT_CHARS], "python", "").count("hl-k") > 100


def test_once_the_budget_is_spent_later_blocks_are_plain():
    slow = "```make\n" + "${" * (HIGHLIGHT_CHARS // 2 - 1) + "\n```"
    document = "\n\n".join([slow, slow, "```python\nprint('after')\n```"])
    started = time.perf_counter()
    html = render_markdown(document)
    assert time.perf_counter() - started < HIGHLIGHT_SECONDS + SLACK
    assert "<code class=\"language-python\">print('after')" in html
    assert 'class="hl-nb">print' not in html
