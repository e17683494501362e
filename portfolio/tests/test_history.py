from __future__ import annotations

import pytest
from django.urls import reverse

from portfolio.diff import word_diff
from portfolio.models import Revision, RevisionKind, Section

pytestmark = pytest.mark.django_db


def url(name, page, *args):
    return reverse(name, args=[page.author.username, page.slug, *args])


def edit(section, body, by):
    section.save_text(heading=section.heading, body=body, base_version=section.version, by=by)


def test_the_history_lists_who_changed_which_section_when(client, learner, mentor, journal):
    section = journal.sections.first()
    edit(section, "A new body.", learner)
    client.force_login(mentor)
    html = client.get(url("page_history", journal)).content.decode()
    assert html.count("<h1") == 1
    assert html.count("<tr>") == 4  # header + two "Added" + one "Edited"
    assert "Edited" in html and "Section 1" in html and "Lena Learner" in html


def test_a_revision_compares_with_the_one_before_it_word_by_word(client, learner, journal):
    section = journal.sections.first()
    edit(section, "I learned Django and REST.", learner)
    edit(section, "I learned Django, REST and GraphQL.", learner)
    latest = Revision.objects.filter(section=section).first()
    client.force_login(learner)
    html = client.get(url("page_history", journal) + f"?b={latest.pk}").content.decode()
    assert "I learned Django<ins>, REST</ins> and <del>REST</del><ins>GraphQL</ins>." in html


def test_any_two_revisions_can_be_compared(client, learner, journal):
    one, two = journal.sections.order_by("position")
    edit(two, "Completely different.", learner)
    first = Revision.objects.filter(section=one).last()
    last = Revision.objects.filter(section=two).first()
    client.force_login(learner)
    html = client.get(url("page_history", journal) + f"?a={first.pk}&b={last.pk}").content.decode()
    assert "<ins>Completely different</ins>" in html or "Completely" in html
    assert "<del>" in html


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


def test_only_the_author_restores(client, learner, mentor, journal):
    journal.sections.first().remove(by=learner)
    deleted = Revision.objects.get(kind=RevisionKind.DELETED)
    client.force_login(mentor)
    assert client.post(url("revision_restore", journal, deleted.pk)).status_code == 403


def test_word_diff_escapes_html():
    html = word_diff("<b>old</b>", "<i>new</i>")
    assert "<b>" not in html and "<i>" not in html and "&lt;" in html
    assert "<del>" in html and "<ins>" in html


def test_the_history_is_paginated(client, learner, journal, django_assert_max_num_queries):
    section = journal.sections.first()
    for n in range(60):
        edit(section, f"Version {n}", learner)
    client.force_login(learner)
    with django_assert_max_num_queries(10):
        html = client.get(url("page_history", journal)).content.decode()
    assert "Page 1 of 2" in html
