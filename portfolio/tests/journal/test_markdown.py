from __future__ import annotations

import pytest

from portfolio.markdown import render_markdown


def test_commonmark_basics():
    html = render_markdown("Some **bold**, *italic* and `code`.")
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<code>code</code>" in html


def test_tables_strikethrough_and_task_lists():
    html = render_markdown("| a | b |\n|--:|---|\n| 1 | 2 |\n\n~~old~~\n\n- [x] done\n- [ ] next\n")
    assert "<table>" in html and '<th class="align-right">a</th>' in html
    assert "style=" not in html  # the CSP allows no inline styles: alignment is a class
    assert "<s>old</s>" in html
    assert html.count('type="checkbox"') == 2 and "checked" in html
    assert 'disabled="disabled"' in html


def test_bare_and_bracketed_urls_become_links_with_safe_rel():
    html = render_markdown("See https://example.com and <https://django.org>.")
    assert '<a href="https://example.com" rel="nofollow noopener ugc">' in html
    assert '<a href="https://django.org" rel="nofollow noopener ugc">' in html


def test_fenced_code_is_highlighted_on_the_server_with_classes():
    html = render_markdown("```python\ndef hello():\n    return 42\n```")
    assert '<code class="language-python">' in html
    assert '<span class="hl-k">def</span>' in html
    assert '<span class="hl-nf">hello</span>' in html


def test_unknown_languages_are_escaped_not_highlighted():
    html = render_markdown("```nosuchlang\n<b>x</b>\n```")
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "hl-" not in html


def test_headings_get_prefixed_unique_anchors():
    html = render_markdown("### Setup\n\n### Setup\n")
    assert '<h3 id="md-setup">Setup</h3>' in html and '<h3 id="md-setup-1">Setup</h3>' in html


def test_code_and_tables_scroll_in_labelled_regions_the_keyboard_reaches():
    html = render_markdown("```python\nx = 1\n```\n\n    indented\n\n| a |\n|---|\n| 1 |\n")
    assert '<div class="code-block" role="region" tabindex="0" aria-label="Code: python">' in html
    assert '<div class="code-block" role="region" tabindex="0" aria-label="Code">' in html
    assert '<div class="table-wrap" role="region" tabindex="0" aria-label="Table"><table>' in html
    # Markup an author writes gets no other roles or tab stops.
    typed = render_markdown('<div role="button" tabindex="5" class="evil">x</div>')
    assert typed.startswith("<div>x</div>")


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<script>alert(1)</script>", "<script"),
        ('<img src="x" onerror="alert(1)">', "onerror"),
        ("[click](javascript:alert(1))", 'href="javascript'),
        ("[click](JaVaScRiPt:alert(1))", "<a"),
        ('<a href="javascript:alert(1)">x</a>', "javascript:"),
        ("![x](data:image/svg+xml;base64,PHN2Zz4=)", 'src="data:'),
        ('<img src="data:image/png;base64,AAAA">', "data:"),
        ('<svg onload="alert(1)"><circle /></svg>', "<svg"),
        ('<iframe src="https://evil.example"></iframe>', "<iframe"),
        ('<div hx-get="/admin/" hx-trigger="load">x</div>', "hx-"),
        ('<p hx-on:click="alert(1)">x</p>', "hx-on"),
        ('<a href="#" style="position:fixed">x</a>', "position"),
        ('<h2 id="main">clobber</h2>', 'id="main"'),
        ('<input type="text" value="phish">', "<input"),
        ("<style>body{display:none}</style>", "<style"),
        ('<form action="https://evil.example"><button>Go</button></form>', "<form"),
    ],
)
def test_dangerous_markup_never_survives(markdown, forbidden):
    assert forbidden not in render_markdown(markdown)


def test_safe_html_in_readmes_is_kept():
    html = render_markdown(
        "<details><summary>More</summary>\n\nHidden <kbd>Ctrl</kbd></details>\n\n"
        '<img src="https://img.shields.io/badge/ci-passing-green" alt="CI">'
    )
    assert "<details>" in html and "<summary>More</summary>" in html
    assert "<kbd>Ctrl</kbd>" in html
    assert '<img src="https://img.shields.io/badge/ci-passing-green" alt="CI">' in html


def test_empty_text_renders_nothing():
    assert render_markdown("   \n") == ""
