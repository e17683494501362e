from __future__ import annotations

import time

import pytest
from django.urls import reverse

from portfolio.diff import diff_text, inline_diff
from portfolio.models import Revision, RevisionKind, Section

pytestmark = pytest.mark.django_db


def url(name, page, *args):
    return reverse(name, args=[page.author.username, page.slug, *args])


def edit(section, body, by):
    section.save_text(
        heading=section.heading_markdown, body=body, base_version=section.version, by=by
    )


def test_the_history_lists_who_changed_which_section_when(client, learner, mentor, journal):
    section = journal.sections.first()
    edit(section, "A new body.", learner)
    client.force_login(mentor)
    html = client.get(url("page_history", journal)).content.decode()
    assert html.count("<h1") == 1
    assert html.count("<tr>") == 4  # header + two "Added" + one "Edited"
    assert "Edited" in html and "Section 1" in html and "Lena Learner" in html


def test_a_revision_compares_with_the_one_before_it_line_then_word(client, learner, journal):
    section = journal.sections.first()
    edit(section, "Intro stays.\n\nI learned Django and REST.", learner)
    edit(section, "Intro stays.\n\nI learned Django, REST and GraphQL.", learner)
    latest = Revision.objects.filter(section=section).first()
    client.force_login(learner)
    html = client.get(url("page_history", journal) + f"?b={latest.pk}").content.decode()
    # The unchanged line is context; the changed one shows what went and what came.
    assert '<tr class="diff-same">' in html and "Intro stays." in html
    assert "I learned Django and <del>REST</del>." in html
    assert "I learned Django<ins>, REST</ins> and <ins>GraphQL</ins>." in html
    assert "1 line removed, 1 added." in html
    # The newer version, rendered, beside the source.
    assert "<p>I learned Django, REST and GraphQL.</p>" in html


def test_any_two_revisions_can_be_compared(client, learner, journal):
    one, two = journal.sections.order_by("position")
    edit(two, "Completely different.", learner)
    first = Revision.objects.filter(section=one).last()
    last = Revision.objects.filter(section=two).first()
    client.force_login(learner)
    html = client.get(url("page_history", journal) + f"?a={first.pk}&b={last.pk}").content.decode()
    assert "<ins>Completely different</ins>" in html
    assert "<del>Body of **section 1**</del>." in html


def test_a_table_row_change_reads_as_one_change_not_confetti():
    old = "| Tool | Why |\n|---|---|\n| Tab | B |"
    new = "| Tool | Why |\n|---|---|\n| Tabby Tool | Better |"
    diff = diff_text(old, new)
    removed = [line for line in diff.lines if line.kind == "del"]
    added = [line for line in diff.lines if line.kind == "add"]
    assert [line.html for line in removed] == ["| <del>Tab | B</del> |"]
    assert [line.html for line in added] == ["| <ins>Tabby Tool | Better</ins> |"]
    assert (diff.removed, diff.added) == (1, 1)


def test_long_unchanged_stretches_fold_around_the_change():
    old = "\n".join(f"line {n}" for n in range(40))
    new = old.replace("line 20", "line twenty")
    diff = diff_text(old, new)
    kinds = [line.kind for line in diff.lines]
    assert kinds == ["fold", "same", "same", "same", "del", "add", "same", "same", "same", "fold"]
    assert [line.folded for line in diff.lines if line.kind == "fold"] == [17, 16]


def test_diffs_escape_html():
    diff = diff_text("<b>old</b>", "<i>new</i>")
    html = "".join(line.html for line in diff.lines)
    assert "<b>" not in html and "<i>" not in html and "&lt;" in html
    assert "<del>" in html and "<ins>" in html
    assert "<script>" not in inline_diff("<script>", "x")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("the cat sat on the mat " * 4000, "the mat sat on the cat " * 4000),
        ("a b " * 50_000, "b a " * 50_000),
        ("\n".join(["x"] * 20_000), "\n".join(["x", "y"] * 10_000)),
        (
            "\n".join(f"{n % 7}" for n in range(30_000)),
            "\n".join(f"{n % 5}" for n in range(30_000)),
        ),
    ],
    ids=["repetitive-words", "alternating-words", "alternating-lines", "periodic-lines"],
)
def test_hostile_versions_diff_quickly(old, new):
    """difflib's matcher is cubic on repetitive text (two 500-word versions cost
    seconds): the diff only runs it on small middles, whatever the input."""
    started = time.perf_counter()
    diff = diff_text(old, new)
    assert time.perf_counter() - started < 0.5
    assert diff.changed


def test_a_deleted_section_is_restored_from_history(client, learner, journal):
    section = journal.sections.first()
    uid = section.uid
    section.remove(by=learner)
    deleted = Revision.objects.get(kind=RevisionKind.DELETED)
    client.force_login(learner)
    html = client.get(url("page_history", journal)).content.decode()
    assert "Restore" in html
    response = client.post(url("revision_restore", journal, deleted.pk))
    restored = Section.objects.get(uid=uid)
    assert response["Location"].endswith(f"#{restored.anchor}")
    assert restored.body == "Body of **section 1**."
    assert restored.position == 2  # at the end
    assert Revision.objects.filter(section=restored).count() >= 3  # its whole story
    again = client.post(url("revision_restore", journal, deleted.pk), follow=True)
    assert "on the page already" in again.content.decode()


def test_any_version_of_a_live_section_can_be_restored(client, learner, journal):
    section = journal.sections.first()
    first = Revision.objects.filter(section=section).get()
    edit(section, "Second version.", learner)
    edit(section, "Third version.", learner)
    client.force_login(learner)
    html = client.get(url("page_history", journal)).content.decode()
    # Section 1's two older versions; never a section's newest, which is its text now.
    assert html.count("Restore this version") == 2
    response = client.post(url("revision_restore", journal, first.pk), follow=True)
    section.refresh_from_db()
    assert section.body == "Body of **section 1**."
    assert section.version == 4
    assert "<strong>section 1</strong>" in section.body_html
    latest = Revision.objects.filter(section=section).first()
    assert (latest.kind, latest.body) == (RevisionKind.RESTORED, "Body of **section 1**.")
    assert "Restored “Section 1” to its version of" in response.content.decode()


def test_the_newest_version_offers_no_restore(client, learner, journal):
    section = journal.sections.first()
    edit(section, "Second version.", learner)
    newest = Revision.objects.filter(section=section).first()
    client.force_login(learner)
    html = client.get(url("page_history", journal) + f"?b={newest.pk}").content.decode()
    assert f'action="{url("revision_restore", journal, newest.pk)}"' not in html
    older = Revision.objects.filter(section=section).last()
    assert f'action="{url("revision_restore", journal, older.pk)}"' in html


def test_restoring_a_version_with_its_own_heading_brings_the_heading_back(learner, journal):
    section = journal.sections.first()
    first = Revision.objects.filter(section=section).get()
    section.save_text(heading="Renamed", body="x", base_version=1, by=learner)
    first.restore(by=learner)
    section.refresh_from_db()
    assert (section.heading_source, section.heading, section.body) == (
        "## Section 1\n",
        "Section 1",
        "Body of **section 1**.",
    )


def test_the_page_as_it_was_shows_every_section_at_that_moment(client, learner, journal):
    one, two = journal.sections.order_by("position")
    moment = Revision.objects.filter(section=two).get()
    edit(one, "Rewritten later.", learner)
    two.remove(by=learner)
    client.force_login(learner)
    html = client.get(url("page_as_of", journal, moment.pk)).content.decode()
    assert html.count("<h1") == 1
    assert "You are reading an earlier version" in html
    assert "Body of <strong>section 1</strong>." in html and "Rewritten later" not in html
    assert "Body of <strong>section 2</strong>." in html  # deleted since, there then
    assert html.index('id="md-section-1"') < html.index('id="md-section-2"')


def test_history_stays_with_members_even_on_a_public_page(client, learner, outsider, journal):
    journal.visibility = "public"
    journal.save()
    revision = Revision.objects.filter(page=journal).first()
    assert client.get(journal.get_absolute_url()).status_code == 200
    for name, args in [("page_history", []), ("page_as_of", [revision.pk])]:
        assert client.get(url(name, journal, *args)).status_code == 404
        client.force_login(outsider)
        assert client.get(url(name, journal, *args)).status_code == 404
        client.logout()


def test_only_the_author_restores(client, learner, mentor, journal):
    journal.sections.first().remove(by=learner)
    deleted = Revision.objects.get(kind=RevisionKind.DELETED)
    client.force_login(mentor)
    assert client.post(url("revision_restore", journal, deleted.pk)).status_code == 403


@pytest.mark.parametrize("value", ["²", "1²", "9" * 40, "-1", "0", "１"])
def test_odd_numbers_in_the_comparison_are_ignored_not_errors(client, learner, journal, value):
    client.force_login(learner)
    for query in (f"?b={value}", f"?a={value}&b=1", f"?page={value}"):
        assert client.get(url("page_history", journal) + query).status_code == 200


def test_the_history_is_paginated(client, learner, journal, django_assert_max_num_queries):
    section = journal.sections.first()
    for n in range(60):
        edit(section, f"Version {n}", learner)
    client.force_login(learner)
    # Session, user, page, role, count, revisions, live sections, newest per section.
    with django_assert_max_num_queries(10):
        html = client.get(url("page_history", journal)).content.decode()
    assert "Page 1 of 2" in html


def test_a_huge_rewrite_shows_its_first_lines_and_counts_the_rest():
    from portfolio.diff import SHOWN_LINES

    old = "\n".join(f"old line {n}" for n in range(SHOWN_LINES + 250))
    new = "\n".join(f"new line {n}" for n in range(SHOWN_LINES + 30))
    diff = diff_text(old, new)
    kinds = [line.kind for line in diff.lines]
    assert kinds.count("del") == SHOWN_LINES and kinds.count("add") == SHOWN_LINES
    assert [line.folded for line in diff.lines if line.kind == "more"] == [250, 30]
    assert (diff.removed, diff.added) == (SHOWN_LINES + 250, SHOWN_LINES + 30)
