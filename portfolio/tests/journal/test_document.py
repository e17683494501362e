"""A page is a faithful Markdown document: what a README says survives import, edits
and export byte for byte, and the page reads as the file rendered whole."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio.markdown import render_markdown
from portfolio.models import Page
from portfolio.readme import export_markdown, normalise, parse_readme
from portfolio.services import page_export, page_import

READMES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "readmes").glob("*.md"))
_META = re.compile(r"\n*<!-- nexus \{.*\} -->\n?\Z", re.DOTALL)
_ANCHOR = re.compile(r'<a class="anchor"[^>]*>#</a>')
_TAG = re.compile(r"<[^>]+>")


def exported(parsed) -> str:
    return export_markdown(
        title=parsed.title,
        title_source=parsed.title_source,
        summary=parsed.summary,
        tags=parsed.tags,
        sections=[section.source for section in parsed.sections],
    )


def comparable(text: str) -> str:
    """The documented normalisations: CRLF, a BOM, trailing whitespace at the end, the
    trailing nexus comment."""
    return _META.sub("", normalise(text)).rstrip()


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", _ANCHOR.sub("", fragment))).split())


def page_text(page: Page) -> str:
    parts = [page.head_html]
    for section in page.sections.all():
        parts += [section.heading_html, section.body_html]
    parts.append(page.footnotes_html)
    return text_of(" ".join(parts))


def whole_text(markdown: str, title: str) -> str:
    """The file rendered at once, less its title heading (the page shows the title in
    its header). A document's <h1> renders as an <h2>, one <h1> being the page's."""
    rendered = render_markdown(markdown)
    if title:
        for heading in re.finditer(r"<h2[^>]*>(.*?)</h2>", rendered, re.DOTALL):
            inner = re.sub(r'<sup class="footnote-ref">.*?</sup>', "", heading.group(1))
            if "".join(text_of(inner).split()) == "".join(title.split()):
                rendered = rendered[: heading.start()] + rendered[heading.end() :]
                break
    return text_of(rendered)


# The corpus -------------------------------------------------------------------------------


def test_the_corpus_is_there_and_covers_at_least_thirty_readmes():
    assert len(READMES) >= 30


@pytest.mark.parametrize("path", READMES, ids=lambda path: path.stem)
def test_every_readme_round_trips_byte_for_byte(path):
    raw = path.read_bytes().decode("utf-8")
    parsed = parse_readme(raw)
    again = exported(parsed)
    assert comparable(again) == comparable(raw)
    # What came out goes back in to the same page.
    second = parse_readme(again)
    assert (second.title, second.title_source) == (parsed.title, parsed.title_source)
    assert [s.source for s in second.sections][:-1] == [s.source for s in parsed.sections][:-1]
    assert comparable(exported(second)) == comparable(raw)


@pytest.mark.django_db
@pytest.mark.parametrize("path", READMES, ids=lambda path: path.stem)
def test_every_readme_reads_as_the_file_rendered_whole(path, learner, cohort):
    raw = path.read_bytes().decode("utf-8")
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(raw))
    assert page_text(page) == whole_text(normalise(raw), page.title)
    # Every #fragment link in the page lands on an id in the page.
    rendered = (
        page.head_html
        + page.footnotes_html
        + "".join(
            f'<h2 id="{s.heading_id}">{s.heading_html}</h2>{s.body_html}'
            for s in page.sections.all()
        )
    )
    ids = {html.unescape(i) for i in re.findall(r'id="(md-[^"]*)"', rendered)}
    for fragment in re.findall(r'href="#(md-[^"]*)"', rendered):
        # A browser looks the fragment up percent-decoded.
        assert unquote(html.unescape(fragment)) in ids, fragment
    # And the page exports back to the file.
    assert comparable(page_export(page=page)) == comparable(raw)


# What was measured, one bug each ------------------------------------------------------------


def test_a_hash_line_far_down_is_not_the_title():
    body = "\n".join(f"Line {n} of the setup notes." for n in range(130))
    text = f"## Setup\n\n{body}\n\n    # Database\n    createdb app\n\n## Later\n\n# Database\n"
    parsed = parse_readme(text, fallback_title="notes")
    assert parsed.title == "notes"
    assert parsed.title_source == ""
    assert [s.heading for s in parsed.sections] == ["Setup", "Later"]
    assert parsed.sections[1].body == "# Database"  # a level-1 heading stays where it was
    assert comparable(exported(parsed)) == comparable(text)


def test_an_html_h1_is_the_title_and_no_overview_is_invented():
    text = '<h1 align="center">Café &amp; Code</h1>\n\n> A tagline.\n\n## 🌟 Overview\n\nHi.\n'
    parsed = parse_readme(text)
    assert parsed.title == "Café & Code"
    assert [s.heading for s in parsed.sections] == ["", "🌟 Overview"]
    assert parsed.sections[0].heading_source == ""
    assert parsed.sections[0].body == "> A tagline."
    assert exported(parsed) == text  # no "# README", no "## Overview"


def test_badges_above_the_title_stay_above_it():
    text = "[![CI](https://x.test/ci.svg)](https://x.test)\n\n# Tool\n\n## Use\n\nRun it.\n"
    parsed = parse_readme(text)
    assert parsed.title == "Tool"
    assert parsed.title_source == "[![CI](https://x.test/ci.svg)](https://x.test)\n\n# Tool\n\n"
    assert exported(parsed) == text
    assert '<img src="https://x.test/ci.svg"' in parsed.head_html


def test_thematic_breaks_between_sections_are_all_kept():
    text = "# T\n\n" + "".join(f"## Part {n}\n\nText {n}.\n\n---\n\n" for n in range(20))
    parsed = parse_readme(text)
    assert len(parsed.sections) == 20
    assert exported(parsed).count("\n---\n") == 20


def test_a_setext_heading_at_the_end_of_a_section_starts_the_next_one():
    text = "# T\n\n## One\n\nText.\n\nTwo\n---\n\nMore.\n"
    parsed = parse_readme(text)
    assert [s.heading for s in parsed.sections] == ["One", "Two"]
    assert parsed.sections[1].heading_source == "Two\n---\n"
    assert exported(parsed) == text


def test_mixed_heading_levels_keep_their_level_and_reimport_the_same():
    text = "# T\n\n## A\n\nx\n\n# B\n\ny\n\n#### C\n\nz\n\n## D ##\n\nw\n"
    first = parse_readme(text)
    second = parse_readme(exported(first))
    assert exported(first) == text
    assert [s.source for s in second.sections] == [s.source for s in first.sections]
    assert [s.heading for s in first.sections] == ["A", "D"]


@pytest.mark.django_db
def test_reference_links_and_a_table_of_contents_work_across_sections(learner, cohort):
    text = (
        "# Project\n\n[![CI][ci-badge]][ci]\n\n- [Overview](#overview)\n- [Usage](#-usage)\n\n"
        "## Overview\n\nRead the [docs][docs-link].\n\n## 🚀 Usage\n\nRun it.[^1]\n\n"
        "[docs-link]: https://docs.example.com\n[ci]: https://ci.example.com\n"
        "[ci-badge]: https://ci.example.com/badge.svg\n[^1]: A footnote.\n"
    )
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(text))
    lead, overview, usage = page.sections.all()
    assert '<a href="https://ci.example.com" rel="nofollow noopener ugc">' in lead.body_html
    assert '<img src="https://ci.example.com/badge.svg" alt="CI">' in lead.body_html
    assert 'href="#md-overview"' in lead.body_html and 'href="#md--usage"' in lead.body_html
    assert (overview.heading_id, usage.heading_id) == ("md-overview", "md--usage")
    assert '<a href="https://docs.example.com"' in overview.body_html
    assert "[docs]" not in overview.body_html
    assert 'href="#md-fn-1"' in usage.body_html
    assert 'id="md-fn-1"' in page.footnotes_html and "A footnote." in page.footnotes_html


def test_details_around_a_heading_stay_whole():
    text = (
        "# T\n\n## Notes\n\n<details>\n<summary>More</summary>\n\n## Inside\n\nHidden.\n\n"
        "</details>\n\n## After\n\nx\n"
    )
    parsed = parse_readme(text)
    assert [s.heading for s in parsed.sections] == ["Notes", "After"]
    notes = parsed.sections[0].body_html
    assert notes.index("<details>") < notes.index("Inside") < notes.index("</details>")


def test_a_comment_holding_a_heading_is_no_section_and_shows_nothing():
    text = "# T\n\n## Real\n\nx\n\n<!--\n## Draft\nnot yet\n-->\n\n## Next\n\ny\n"
    parsed = parse_readme(text)
    assert [s.heading for s in parsed.sections] == ["Real", "Next"]
    assert "Draft" not in parsed.sections[0].body_html
    assert "not yet" not in parsed.sections[0].body_html
    assert exported(parsed) == text


def test_inline_markup_and_entities_in_headings_render():
    parsed = parse_readme("# T\n\n## My `cli` **tool**\n\nx\n\n## Caf&eacute; &amp; Bar\n\ny\n")
    cli, cafe = parsed.sections
    assert cli.heading == "My cli tool"
    assert cli.heading_html == "My <code>cli</code> <strong>tool</strong>"
    assert (cafe.heading, cafe.heading_html) == ("Café & Bar", "Café &amp; Bar")
    assert cafe.heading_id == "md-café--bar"


def test_task_list_checkboxes_are_labelled_and_disabled():
    rendered = render_markdown("- [x] Done\n- [ ] Todo\n")
    assert rendered.count("<label>") == 2
    assert rendered.count('disabled="disabled"') == 2
    assert '<label><input class="task-list-item-checkbox" checked="" disabled="disabled"' in (
        rendered.replace('checked="checked"', 'checked=""')
    )


def test_front_matter_is_kept_and_not_shown():
    text = "---\ntitle: Notes\ntags: [a]\n---\n\n# Notes\n\n## A\n\nx\n"
    parsed = parse_readme(text)
    assert parsed.title == "Notes"
    assert parsed.title_source.startswith("---\ntitle: Notes")
    assert "tags" not in parsed.head_html
    assert exported(parsed) == text


def test_duplicate_headings_get_github_numbered_ids():
    parsed = parse_readme("# T\n\n## Notes\n\na\n\n## Notes\n\nb\n\n## Notes 1\n\nc\n")
    assert [s.heading_id for s in parsed.sections] == ["md-notes", "md-notes-1", "md-notes-1-1"]


def test_crlf_and_a_bom_are_the_only_changes():
    text = "\ufeff# Windows\r\n\r\n## A\r\n\r\nText\r\n"
    assert exported(parse_readme(text)) == "# Windows\n\n## A\n\nText\n"


def test_a_document_without_a_title_carries_the_chosen_one_in_its_comment():
    parsed = parse_readme("## Only sections\n\nx\n", fallback_title="my-notes")
    out = exported(parsed)
    assert out.startswith("## Only sections\n\nx\n\n<!-- nexus ")
    assert parse_readme(out).title == "my-notes"


# Editing keeps the document ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_edit_changes_only_the_section_edited(learner, cohort):
    text = "<!-- top -->\n# T\n\n## A\nfirst\n## B ##\n\n\nsecond   \n\n***\n\nC\n---\nthird\n"
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(text))
    assert page_export(page=page) == text
    b = page.sections.get(heading="B")
    b.save_text(heading="B", body="second, rewritten", base_version=b.version, by=learner)
    assert page_export(page=page) == text.replace("second   \n\n***", "second, rewritten")


@pytest.mark.django_db
def test_a_new_heading_keeps_the_authors_style(learner, cohort):
    text = "# T\n\n  ## Old name ##\n\nx\n\nSetext\n------\n\ny\n"
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(text))
    atx, setext = page.sections.all()
    atx.save_text(heading="New name", body="x", base_version=1, by=learner)
    setext.save_text(heading="Renamed", body="y", base_version=1, by=learner)
    assert page_export(page=page) == "# T\n\n  ## New name ##\n\nx\n\nRenamed\n------\n\ny\n"


@pytest.mark.django_db
def test_a_title_edit_rewrites_the_title_heading_in_its_style(learner, cohort):
    text = "Old title\n=========\n\n## A\n\nx\n"
    page = page_import(cohort=cohort, author=learner, parsed=parse_readme(text))
    page.save_meta(title="New *title*", summary="", base_version=page.version)
    assert page_export(page=page).startswith("New \\*title\\*\n=========\n\n## A")
    assert parse_readme(page_export(page=page)).title == "New *title*"


@pytest.mark.django_db
def test_text_that_would_swallow_the_next_section_is_refused(learner, cohort):
    from django.core.exceptions import ValidationError

    page = page_import(
        cohort=cohort, author=learner, parsed=parse_readme("# T\n\n## A\n\nx\n\n## B\n\ny\n")
    )
    first = page.sections.first()
    with pytest.raises(ValidationError, match="code block"):
        first.save_text(heading="A", body="```python\nopen", base_version=1, by=learner)
    last = page.sections.last()  # nothing after it to swallow
    assert last.save_text(heading="B", body="```python\nopen", base_version=1, by=learner)


@pytest.mark.django_db
def test_a_section_added_after_an_open_fence_still_shows(learner, cohort):
    page = page_import(
        cohort=cohort, author=learner, parsed=parse_readme("# T\n\n## A\n\n```\ncode\n")
    )
    added = page.add_section(heading="Later", body="", by=learner)
    added.save_text(heading="Later", body="Words.", base_version=added.version, by=learner)
    added.refresh_from_db()
    assert (added.heading_html, added.body_html) == ("Later", "<p>Words.</p>\n")


# Limits and hostile input -------------------------------------------------------------------


@pytest.mark.django_db
def test_whatever_imports_exports_and_imports_again_at_the_limit(client, learner, cohort):
    from portfolio.limits import MAX_PAGE_BYTES

    head = "# Big\n\n## A\n\n"
    text = head + "word " * ((MAX_PAGE_BYTES - len(head)) // 5)
    text += "x" * (MAX_PAGE_BYTES - len(text.encode()))
    assert len(text.encode()) == MAX_PAGE_BYTES
    client.force_login(learner)
    assert client.post("/pages/import/", {"cohort": cohort.pk, "text": text}).status_code == 302
    page = Page.objects.get()
    page.summary = "A summary, so the export carries a comment."
    page.save()
    export = page_export(page=page)
    assert len(export.encode()) > MAX_PAGE_BYTES
    response = client.post("/pages/import/", {"cohort": cohort.pk, "text": export})
    assert response.status_code == 302
    assert Page.objects.count() == 2


def test_a_heading_line_of_spaces_imports_in_linear_time():
    """The old regex importer was quadratic on `## a` + spaces + `x`."""
    text = "# T\n\n## a" + " " * 150_000 + "x\n\nbody\n"
    started = time.perf_counter()
    parsed = parse_readme(text)
    assert time.perf_counter() - started < 1
    assert parsed.sections[0].heading.startswith("a") and comparable(
        exported(parsed)
    ) == comparable(text)


# Generated documents ------------------------------------------------------------------------

_words = st.text(
    alphabet=st.sampled_from("abc xyz ÄéЖ学🚀 *_`[]()#<>!&;|-\\"), min_size=0, max_size=12
)
_blank = st.sampled_from(["", "\n", "\n\n", "  \n", "\n\n\n"])
_block = st.one_of(
    st.builds(lambda w: f"# {w}\n", _words),
    st.builds(lambda w: f"## {w}\n", _words),
    st.builds(lambda w: f"  ## {w} ##\n", _words),
    st.builds(lambda w: f"### {w}\n", _words),
    st.builds(lambda w: f"{w or 'x'}\n===\n", _words),
    st.builds(lambda w: f"{w or 'x'}\n---\n", _words),
    st.builds(lambda w: f"{w}\n", _words),
    st.just("---\n"),
    st.just("***\n"),
    st.builds(lambda w: f"```\n## {w}\n```\n", _words),
    st.builds(lambda w: f"~~~md\n```\n# {w}\n```\n~~~\n", _words),
    st.builds(lambda w: f"    # indented {w}\n", _words),
    st.builds(lambda w: f"<!--\n## {w}\n-->\n", _words),
    st.builds(lambda w: f"<details>\n<summary>{w}</summary>\n\n## In\n\n</details>\n", _words),
    st.builds(lambda w: f'<h1 align="center">{w}</h1>\n', _words),
    st.builds(lambda w: f"- [ ] {w}\n  - [x] nested\n", _words),
    st.builds(lambda w: f"| a | {w} |\n|---|:-:|\n| 1 | 2 |\n", _words),
    st.builds(lambda w: f"[ref]: https://example.com/{len(w)}\nSee [x][ref].\n", _words),
    st.builds(lambda w: f"Note[^n].\n\n[^n]: {w}\n", _words),
    st.builds(lambda w: f"> {w}\n", _words),
    st.just("[![b](https://x.test/b.svg)](https://x.test)\n"),
)
_document = st.lists(st.tuples(_block, _blank), max_size=14).map(
    lambda parts: "".join(block + blank for block, blank in parts)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_document, st.sampled_from(["", "\ufeff"]), st.booleans())
def test_any_document_of_these_constructs_round_trips(text, bom, crlf):
    raw = bom + (text.replace("\n", "\r\n") if crlf else text)
    parsed = parse_readme(raw, fallback_title="generated")
    out = exported(parsed)
    assert comparable(out) == comparable(raw)
    again = parse_readme(out, fallback_title="other")
    assert again.title == parsed.title
    assert comparable(exported(again)) == comparable(raw)


@pytest.mark.django_db
def test_every_readme_of_the_corpus_imports_through_the_form(client, learner, cohort):
    client.force_login(learner)
    for path in READMES:
        upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/markdown")
        response = client.post("/pages/import/", {"cohort": cohort.pk, "file": upload})
        assert response.status_code == 302, (path.name, response.content.decode()[:500])
    assert Page.objects.count() == len(READMES)
    assert max(page.sections.count() for page in Page.objects.all()) == 100


_TRICKY_LINES = [
    "", "", "text", "## Head", "## Head ##", "#", "# Title", "===", "---", "***", "```", "~~~",
    "````md", "    # code", "> ## quoted", "- ## item", "1. x", "<!--", "-->", "<!-- c -->",
    "<details>", "</details>", "<div align=\"center\">", "</div>", "<h1>T</h1>", "<script>",
    "</script>", "| a | b |", "|---|---|", "[r]: https://example.com", "[^1]: note", "x[^1]",
    "Setext", "\t## tab", "   ## three", "<pre>", "</pre>", "\\## escaped", "## <!-- -->",
]  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TRICKY_LINES), max_size=30), st.sampled_from(["", "\n"]))
def test_any_sequence_of_tricky_lines_round_trips(lines, end):
    raw = "\n".join(lines) + end
    parsed = parse_readme(raw, fallback_title="lines")
    out = exported(parsed)
    assert comparable(out) == comparable(raw)
    again = parse_readme(out, fallback_title="other")
    assert (again.title, comparable(exported(again))) == (parsed.title, comparable(raw))
    shown = [parsed.head_html, parsed.footnotes_html]
    shown[1:1] = [part for s in parsed.sections for part in (s.heading_html, s.body_html)]
    title = parsed.title if parsed.title_source.strip() else ""
    assert text_of(" ".join(shown)) == whole_text(normalise(raw), title)
