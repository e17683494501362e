from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import make_page, make_user
from e2e.conftest import ARTIFACTS
from e2e.test_cohort_flow import log_in
from portfolio.models import Cohort, Membership, Role, Section

pytestmark = pytest.mark.django_db(transaction=True)
SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "portfolio"
    / "tests"
    / "fixtures"
    / "project-nexus-README.md"
)


@pytest.fixture
def lena():
    user = make_user("lena", display_name="Lena Learner")
    cohort = Cohort.objects.create(name="ProDev Backend 7", slug="prodev-7")
    Membership.objects.create(user=user, cohort=cohort, role=Role.LEARNER)
    return user


def watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_write_a_journal_page_inline_from_the_template(browser: Browser, live_server, lena):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, live_server.url, "lena@example.com")
    page.get_by_role("link", name="New page").first.click()
    page.get_by_label("Title").fill("My ProDev Backend journey")
    page.get_by_role("button", name="Create page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My ProDev Backend journey")
    expect(page.locator(".journal-section")).to_have_count(5)
    url_after_create = page.url

    # Section one: the prompt opens the editor; the preview follows the typing.
    overview = page.locator(".journal-section").first
    overview.get_by_role("link", name="What is the program").click()
    editor = page.get_by_label("Text (Markdown)")
    expect(editor).to_be_focused()
    # Typed key by key, as a person would: each keystroke is an input event.
    editor.press_sequentially("Twelve weeks of **Django** and `pytest`.", delay=5)
    expect(page.locator(".preview strong")).to_have_text("Django")
    expect(page.locator(".preview code")).to_have_text("pytest")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#toasts")).to_contain_text("Saved “Overview”.")
    saved = page.locator(".journal-section").first
    expect(saved.locator(".prose strong")).to_have_text("Django")
    expect(saved.get_by_role("heading", name="Overview")).to_be_focused()

    # Section four: edit, change the heading, save with the button.
    challenges = page.locator(".journal-section").nth(3)
    challenges.get_by_role("link", name="Edit “Challenges Faced and Solutions”").click()
    expect(page.get_by_label("Text (Markdown)")).to_be_focused()
    page.get_by_label("Heading", exact=True).fill("Challenges and fixes")
    page.get_by_label("Text (Markdown)").press_sequentially(
        "```python\nprint('fixed')\n```", delay=5
    )
    expect(page.locator(".preview .hl-nb, .preview .hl-n").first).to_be_visible()
    page.get_by_role("button", name="Save section").click()
    expect(page.get_by_role("heading", name="Challenges and fixes")).to_be_visible()

    # Escape cancels an edit and restores the section.
    page.locator(".journal-section").first.get_by_role("link", name="Edit “Overview”").click()
    expect(page.get_by_label("Text (Markdown)")).to_be_focused()
    page.get_by_label("Text (Markdown)").fill("thrown away")
    page.keyboard.press("Escape")
    expect(page.locator(".journal-section").first.locator(".prose strong")).to_have_text("Django")

    # Reorder: move the fourth section up, past the third while it is being edited.
    page.locator(".journal-section").nth(2).get_by_role("link", name="Edit").click()
    page.get_by_label("Text (Markdown)").fill("Half a thought, not saved yet")
    page.get_by_role("button", name="Move “Challenges and fixes” up").click()
    expect(page.locator(".journal-section h2").nth(2)).to_have_text("Challenges and fixes")
    expect(page.get_by_role("button", name="Move “Challenges and fixes” up")).to_be_focused()
    # The open editor moved down with its section, the typed text still in it.
    expect(page.locator(".journal-section").nth(3)).to_have_class(re.compile("editing"))
    expect(page.get_by_label("Text (Markdown)")).to_have_value("Half a thought, not saved yet")
    expect(page.locator(".journal-section")).to_have_count(5)
    page.get_by_label("Text (Markdown)").press("Escape")

    # Tags and visibility inline.
    page.get_by_label("Add a tag").fill("Django")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".tag span")).to_have_text(["Django"])
    page.get_by_label("Who can see this page").select_option("cohort")
    page.get_by_role("button", name="Save visibility").click()
    expect(page.locator("#toasts")).to_contain_text("Everyone in the cohort")

    page.screenshot(path=str(ARTIFACTS / "journal-page-edited.png"), full_page=True)
    assert page.url == url_after_create  # everything happened without a reload
    headings = list(Section.objects.order_by("position").values_list("heading", flat=True))
    assert headings[2] == "Challenges and fixes"
    assert errors == []
    context.close()


def test_two_tabs_conflict_and_nothing_is_lost(browser: Browser, live_server, lena):
    journal = make_page(lena, Cohort.objects.get(), title="Week 3", sections=1)
    first_tab = browser.new_context().new_page()
    second_tab = browser.new_context().new_page()
    for tab in (first_tab, second_tab):
        log_in(tab, live_server.url, "lena@example.com")
        tab.goto(live_server.url + journal.get_absolute_url())
        tab.get_by_role("link", name="Edit “Section 1”").click()

    first_tab.get_by_label("Text (Markdown)").fill("Written in the first tab.")
    first_tab.get_by_role("button", name="Save section").click()
    expect(first_tab.locator(".journal-section .prose")).to_have_text("Written in the first tab.")

    second_tab.get_by_label("Text (Markdown)").fill("Written in the second tab.")
    second_tab.get_by_role("button", name="Save section").click()
    expect(second_tab.locator(".conflict h2")).to_contain_text("changed while you were editing")
    expect(second_tab.get_by_label("Text", exact=True)).to_have_value("Written in the second tab.")
    expect(second_tab.locator(".conflict-current .prose")).to_have_text("Written in the first tab.")
    second_tab.screenshot(path=str(ARTIFACTS / "journal-conflict.png"), full_page=True)

    # Keep mine, after adding what the other tab wrote: nothing typed is lost.
    second_tab.get_by_label("Text", exact=True).fill(
        "Written in the first tab. Written in the second tab."
    )
    second_tab.get_by_role("button", name="Keep mine").click()
    expect(second_tab.locator(".journal-section .prose")).to_have_text(
        "Written in the first tab. Written in the second tab."
    )
    section = Section.objects.get()
    assert section.body == "Written in the first tab. Written in the second tab."
    assert section.revisions.count() == 3  # created, first tab, second tab


def test_import_a_readme_then_export_it(browser: Browser, live_server, lena, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server.url, "lena@example.com")
    page.goto(live_server.url + "/pages/import/")
    page.get_by_label("Markdown file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ALX Project Nexus")
    expect(page.locator(".journal-section")).to_have_count(6)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as Markdown").click()
    exported = tmp_path / "export.md"
    download.value.save_as(exported)
    # The same file, byte for byte, apart from trailing whitespace at its end.
    assert exported.read_bytes().rstrip() == SAMPLE.read_bytes().rstrip()
    context.close()


TOC_README = """\
# Field notes

[![Docs][docs-badge]][docs]

- [Overview](#overview)
- [The 🐳 Docker part](#the--docker-part)
- [Takeaways](#takeaways)

## Overview

See [the docs][docs] for more.

{filler}

## The 🐳 Docker part

{filler}

## Takeaways

Keep the image small.[^1]

[docs]: https://docs.example.com
[docs-badge]: https://img.example.com/docs.svg
[^1]: Multi-stage builds.
"""


def test_a_table_of_contents_link_lands_on_its_heading(browser: Browser, live_server, lena):
    filler = "\n\n".join(f"Paragraph {n} of notes, long enough to scroll." for n in range(60))
    context = browser.new_context(viewport={"width": 1280, "height": 700})
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, live_server.url, "lena@example.com")
    page.goto(live_server.url + "/pages/import/")
    page.get_by_label("…or paste Markdown").fill(TOC_README.format(filler=filler))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Field notes")
    docs = page.get_by_role("link", name="the docs")
    expect(docs).to_have_attribute("href", "https://docs.example.com")
    expect(page.get_by_role("img", name="Docs")).to_be_visible()
    takeaways = page.get_by_role("heading", name="Takeaways", level=2)
    expect(takeaways).not_to_be_in_viewport()
    page.get_by_role("link", name="Takeaways", exact=True).click()
    expect(page).to_have_url(re.compile(r"#md-takeaways$"))
    expect(takeaways).to_be_in_viewport()
    page.get_by_role("link", name="The 🐳 Docker part", exact=True).click()
    expect(page.get_by_role("heading", name="The 🐳 Docker part", level=2)).to_be_in_viewport()
    page.locator("sup.footnote-ref a").click()
    expect(page.get_by_text("Multi-stage builds.")).to_be_in_viewport()
    # The badge's host does not exist from here; nothing else may fail.
    assert [e for e in errors if "ERR_NAME_NOT_RESOLVED" not in e] == []
    context.close()


def test_editing_works_with_javascript_off(browser: Browser, live_server, lena):
    journal = make_page(lena, Cohort.objects.get(), title="Week 4", sections=2)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, "lena@example.com")
    page.goto(live_server.url + journal.get_absolute_url())
    page.get_by_role("link", name="Edit “Section 2”").click()
    page.get_by_label("Text (Markdown)").fill("No *JavaScript* needed.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".preview em")).to_have_text("JavaScript")
    page.get_by_role("button", name="Save section").click()
    expect(page.locator("#toasts")).to_contain_text("Saved “Section 2”.")
    expect(page.locator(".journal-section").nth(1).locator("em")).to_have_text("JavaScript")
    page.get_by_role("button", name="Move “Section 2” up").click()
    expect(page.locator(".journal-section h2").first).to_have_text("Section 2")
    page.get_by_role("link", name="Delete “Section 1”").click()
    page.get_by_role("button", name="Delete section").click()
    expect(page.locator(".journal-section")).to_have_count(1)
    page.get_by_label("New section heading").fill("Added without JS")
    page.get_by_role("button", name="Add section").click()
    page.get_by_label("Text (Markdown)").fill("Still works.")
    page.get_by_role("button", name="Save section").click()
    expect(page.get_by_role("heading", name="Added without JS")).to_be_visible()
    context.close()


def test_escape_in_the_title_editor_gives_focus_back_to_its_button(
    browser: Browser, live_server, lena
):
    journal = make_page(lena, Cohort.objects.get(), title="Week 4", sections=1)
    context = browser.new_context()
    page = context.new_page()
    log_in(page, live_server.url, "lena@example.com")
    page.goto(live_server.url + journal.get_absolute_url())
    page.get_by_role("link", name="Edit title and summary").click()
    expect(page.get_by_role("textbox", name="Title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Edit title and summary")).to_be_focused()
    # Escape at once, while the editor's own swap is still settling (made slow here, as
    # a busy phone can be): focus still returns to the button.
    page.evaluate("htmx.config.defaultSettleDelay = 400")
    page.get_by_role("link", name="Edit title and summary").click()
    page.get_by_role("textbox", name="Title").press("Escape")
    expect(page.get_by_role("link", name="Edit title and summary")).to_be_focused()
    context.close()
