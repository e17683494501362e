"""Drafts of open section editors (issue 17): kept per person and section, offered back,
resumed without overwriting, purged, exported; and who is editing what."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import DEFAULT_PASSWORD, make_page
from portfolio import presence
from portfolio.limits import MAX_SECTION_BODY
from portfolio.models import Draft, Section
from portfolio.web import cache as resilient
from portfolio.web.cache import ResilientRedisCache

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}


def url(name, journal, *args):
    return reverse(name, args=[journal.author.username, journal.slug, *args])


def first(journal) -> Section:
    return journal.sections.order_by("position").first()


@pytest.fixture
def author(client, learner):
    client.force_login(learner)
    return client


def draft_of(section, text="My unsaved words", **extra):
    return {"heading": section.heading_markdown, "body": text, "version": section.version, **extra}


def keep(author, journal, section, text="My unsaved words", headers=JSON, **extra):
    return author.post(
        url("draft_save", journal, section.pk), draft_of(section, text, **extra), headers=headers
    )


# Keeping a draft ------------------------------------------------------------------------


def test_a_draft_is_kept_once_per_person_and_section_with_its_base_version(
    author, journal, learner
):
    section = first(journal)
    response = keep(author, journal, section, "First words")
    assert response.status_code == 200
    answer = response.json()
    draft = Draft.objects.get()
    # The status the editor shows comes from the stored draft, not from hope.
    assert answer["saved_at"] == draft.updated_at.isoformat()
    assert answer["time"] == timezone.localtime(draft.updated_at).strftime("%H:%M")
    assert (draft.user, draft.section, draft.page) == (learner, section, journal)
    assert (draft.body, draft.base_version) == ("First words", 1)
    keep(author, journal, section, "Second words")
    assert Draft.objects.count() == 1
    assert Draft.objects.get().body == "Second words"
    # A draft is not a revision, and the section is unchanged.
    section.refresh_from_db()
    assert section.body == "Body of **section 1**."
    assert section.revisions.count() == 1


def test_a_draft_the_same_as_the_saved_text_is_not_kept_and_clears_an_earlier_one(author, journal):
    section = first(journal)
    keep(author, journal, section, "Something new")
    response = keep(author, journal, section, section.body + "\n\n")
    assert response.json()["unchanged"] is True
    assert not Draft.objects.exists()


@pytest.mark.parametrize("sections", [2, 40])
def test_the_draft_endpoint_reads_once_and_writes_once(
    author, learner, cohort, sections, django_assert_max_num_queries
):
    journal = make_page(learner, cohort, title=f"Long {sections}", sections=sections)
    section = journal.sections.order_by("position").last()
    keep(author, journal, section, "warm")  # sessions and the like, already in the cache
    with CaptureQueriesContext(connection) as queries:
        response = keep(author, journal, section, f"Words for {sections} sections")
    assert response.status_code == 200
    # The signed-in user (the auth middleware's), then the endpoint's own: one read (the
    # section with its page, author, cohort and the person's role), one write (upsert).
    user, read, write = [query["sql"] for query in queries.captured_queries]
    assert user.startswith("SELECT") and 'FROM "portfolio_user"' in user
    assert read.startswith("SELECT") and 'FROM "portfolio_section"' in read
    assert '"portfolio_membership"' in read
    assert write.startswith('INSERT INTO "portfolio_draft"') and "ON CONFLICT" in write
    with django_assert_max_num_queries(3):
        keep(author, journal, section, "again")


def test_a_draft_over_the_section_limit_is_refused_with_a_reason(author, journal):
    section = first(journal)
    response = keep(author, journal, section, "x" * (MAX_SECTION_BODY + 1))
    assert response.status_code == 422
    assert "Body" in response.json()["detail"]
    assert not Draft.objects.exists()
    response = author.post(
        url("draft_save", journal, section.pk), {"body": "no version"}, headers=JSON
    )
    assert response.status_code == 422
    assert response.json()["detail"].startswith("Version")


def test_without_javascript_a_refused_draft_shows_the_editor_with_the_text_kept(author, journal):
    section = first(journal)
    text = "Kept words " + "y" * MAX_SECTION_BODY
    response = keep(author, journal, section, text, headers={})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="journal-section editing"' in html
    assert "Kept words yyyy" in html
    assert "Ensure this value has at most" in html


def test_draft_writes_are_rate_limited_per_person(author, journal, settings):
    settings.DRAFTS_PER_MINUTE = 3
    section = first(journal)
    codes = [keep(author, journal, section, f"Words {n}").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "kept in this browser" in keep(author, journal, section, "more").json()["detail"]
    assert Draft.objects.get().body == "Words 2"


def test_save_draft_without_javascript_comes_back_to_the_editor_with_the_draft(author, journal):
    section = first(journal)
    response = keep(author, journal, section, "Typed without scripts", headers={})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/sections/{section.pk}/edit/?draft=1")
    page = author.get(response["Location"]).content.decode()
    assert "Draft saved" in page
    assert "Typed without scripts</textarea>" in page
    assert "Resumed your draft from" in page
    # The draft open in the editor is not offered again: no empty notice either.
    assert '<section id="drafts" class="notice notice-info drafts" hidden' in page


# Offering drafts back -------------------------------------------------------------------


def test_the_page_offers_the_authors_drafts_and_nobody_else_sees_them(
    author, journal, client, mentor
):
    section = first(journal)
    keep(author, journal, section, "Unsaved thoughts")
    html = author.get(journal.get_absolute_url()).content.decode()
    assert "You have unsaved changes to “Section 1” from" in html
    assert f'href="{url("section_edit", journal, section.pk)}?draft=1"' in html
    assert f'href="{url("draft_compare", journal, section.pk)}"' in html
    assert f'action="{url("draft_discard", journal, section.pk)}"' in html
    client.force_login(mentor)
    seen = client.get(journal.get_absolute_url()).content.decode()
    assert "Unsaved thoughts" not in seen
    assert "You have unsaved changes" not in seen


def test_resuming_a_fresh_draft_opens_the_editor_with_it(author, journal):
    section = first(journal)
    keep(author, journal, section, "Resume me")
    response = author.get(url("section_edit", journal, section.pk) + "?draft=1", headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="journal-section editing"' in html
    assert "Resume me</textarea>" in html
    assert 'name="version" value="1"' in html


def test_resuming_a_draft_of_a_section_saved_since_shows_both_versions(author, journal, learner):
    section = first(journal)
    keep(author, journal, section, "My older draft")
    section.save_text(heading="Section 1", body="Saved elsewhere", base_version=1, by=learner)
    page = author.get(journal.get_absolute_url()).content.decode()
    assert "The section was saved since" in page
    response = author.get(url("section_edit", journal, section.pk) + "?draft=1", headers=HX)
    html = response.content.decode()
    assert "changed while you were editing" in html
    assert "My older draft</textarea>" in html
    assert "Saved elsewhere" in html
    # Keeping mine is a save against the current version: nothing was overwritten unseen.
    assert 'name="version" value="2"' in html


def test_saving_the_section_deletes_the_draft(author, journal):
    section = first(journal)
    keep(author, journal, section, "Soon saved")
    data = {"heading": "Section 1", "body": "Soon saved", "version": 1}
    assert (
        author.post(url("section_edit", journal, section.pk), data, headers=HX).status_code == 200
    )
    assert not Draft.objects.exists()


def test_a_conflicting_save_keeps_the_draft(author, journal, learner):
    section = first(journal)
    keep(author, journal, section, "Still mine")
    section.save_text(heading="Section 1", body="Theirs", base_version=1, by=learner)
    data = {"heading": "Section 1", "body": "Still mine", "version": 1}
    assert (
        author.post(url("section_edit", journal, section.pk), data, headers=HX).status_code == 409
    )
    assert Draft.objects.get().body == "Still mine"


def test_discarding_removes_the_draft(author, journal):
    section = first(journal)
    keep(author, journal, section, "Throw away")
    response = author.post(url("draft_discard", journal, section.pk))
    assert response.status_code == 302
    assert not Draft.objects.exists()
    assert "You have unsaved changes" not in author.get(journal.get_absolute_url()).content.decode()
    assert author.post(url("draft_discard", journal, section.pk), headers=JSON).status_code == 204


def test_compare_shows_what_the_draft_changes(author, journal):
    section = first(journal)
    keep(author, journal, section, "Body of **section 1**.\n\nA new paragraph.")
    response = author.get(url("draft_compare", journal, section.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your draft of “Section 1”" in html
    assert "0 lines removed, 2 added" in html
    assert "A new paragraph." in html
    author.post(url("draft_discard", journal, section.pk))
    assert author.get(url("draft_compare", journal, section.pk)).status_code == 302


def test_compare_of_a_hostile_draft_is_bounded(author, journal):
    section = first(journal)
    # The most a draft holds: thousands of short, almost equal lines against the text.
    line = "a " * 30
    hostile = "\n".join(f"{line}{n}" for n in range(MAX_SECTION_BODY // (len(line) + 6)))
    assert keep(author, journal, section, hostile).status_code == 200
    started = time.process_time()
    response = author.get(url("draft_compare", journal, section.pk))
    assert response.status_code == 200
    assert time.process_time() - started < 1.0


# Who is editing -------------------------------------------------------------------------


def test_an_open_editor_is_shown_to_readers_and_to_the_authors_other_windows(
    author, journal, client, mentor, learner
):
    section = first(journal)
    editing = url("section_editing", journal, section.pk)
    assert author.post(editing, {"editor": "window-a"}).json() == {"editing": ""}
    other = author.post(editing, {"editor": "window-b"}).json()["editing"]
    assert other.startswith("You are also editing this section in another window")
    client.force_login(mentor)
    html = client.get(journal.get_absolute_url()).content.decode()
    assert f'id="editing-{section.pk}">Lena Learner is editing this section.</p>' in html
    notes = client.get(url("page_editing", journal)).content.decode()
    assert f'id="editing-{section.pk}" hx-swap-oob="true">Lena Learner is editing' in notes
    second = first(journal).pk + 1
    assert f'id="editing-{second}" hx-swap-oob="true" hidden>' in notes


def test_saving_forgets_the_editor_at_once(author, journal, client, mentor):
    section = first(journal)
    author.post(url("section_editing", journal, section.pk), {"editor": "window-a"})
    data = {"heading": "Section 1", "body": "Done", "version": 1, "editor": "window-a"}
    author.post(url("section_edit", journal, section.pk), data, headers=HX)
    assert presence.editing([section.pk]) == {}


def test_reports_expire(journal, learner, monkeypatch):
    section = first(journal)
    presence.report(section.pk, learner, "window-a")
    assert [e.name for e in presence.editing([section.pk])[section.pk]] == ["Lena Learner"]
    # A minute on, for the reports only (the cache still holds the key): the expiry
    # each report carries decides.
    later = time.time() + presence.FRESH_SECONDS + 1
    monkeypatch.setattr(presence, "time", SimpleNamespace(time=lambda: later))
    assert presence.editing([section.pk]) == {section.pk: []}


def test_with_the_cache_down_nobody_is_shown_editing_and_nothing_fails(
    author, journal, monkeypatch
):
    monkeypatch.setattr(resilient, "_down_since", {})
    dead = ResilientRedisCache(
        "redis://127.0.0.1:9/0", {"OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}}
    )
    monkeypatch.setattr(presence, "cache", dead)
    section = first(journal)
    response = author.post(url("section_editing", journal, section.pk), {"editor": "w"})
    assert response.json() == {"editing": ""}
    assert author.get(journal.get_absolute_url()).status_code == 200


def test_the_names_of_several_editors_read_as_a_sentence(learner, mentor, peer):
    editors = [
        presence.Editor(mentor.pk, "Maya Mentor", "a"),
        presence.Editor(peer.pk, "Pat Peer", "b"),
        presence.Editor(learner.pk, "Lena Learner", "c"),
    ]
    assert (
        presence.describe(editors, learner) == "Maya Mentor and Pat Peer are editing this section."
    )
    assert presence.describe(editors[:1], learner) == "Maya Mentor is editing this section."
    assert presence.describe([], learner) == ""


# An ended session -----------------------------------------------------------------------


def test_a_script_meeting_an_ended_session_gets_401_not_the_login_page(client, journal):
    section = first(journal)
    data = {"heading": "Section 1", "body": "Typed before expiry", "version": 1}
    response = client.post(url("section_edit", journal, section.pk), data, headers=HX)
    assert response.status_code == 401
    assert response.json()["error"] == "signed_out"
    assert response.json()["login"].startswith(reverse("account_login"))
    assert "nexus:signedOut" in json.loads(response["HX-Trigger"])
    response = client.post(url("draft_save", journal, section.pk), data, headers=JSON)
    assert response.status_code == 401
    # A page load still goes to the login page.
    response = client.post(url("section_edit", journal, section.pk), data)
    assert response.status_code == 302


def test_the_session_state_says_whether_signed_in_with_a_fresh_token(client, learner):
    answer = client.get(reverse("session_state"))
    assert answer.json()["signed_in"] is False
    assert "no-store" in answer["Cache-Control"]
    client.force_login(learner)
    state = client.get(reverse("session_state")).json()
    assert state["signed_in"] is True
    assert len(state["csrf"]) >= 32


# Keeping, purging, exporting, deleting ---------------------------------------------------


def test_purge_removes_drafts_older_than_thirty_days_and_is_idempotent(journal, learner):
    section = first(journal)
    old = Draft.keep(user_id=learner.pk, section=section, heading="", body="old", base_version=1)
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    recent = journal.sections.order_by("position").last()
    Draft.keep(user_id=learner.pk, section=recent, heading="", body="new", base_version=1)
    out = io.StringIO()
    call_command("purge_drafts", "--dry-run", stdout=out)
    assert "1 draft older than 30 days would be removed" in out.getvalue()
    assert Draft.objects.count() == 2
    out = io.StringIO()
    call_command("purge_drafts", stdout=out)
    assert "1 draft older than 30 days removed" in out.getvalue()
    assert list(Draft.objects.values_list("body", flat=True)) == ["new"]
    out = io.StringIO()
    call_command("purge_drafts", stdout=out)
    assert "0 drafts older than 30 days were removed" in out.getvalue()
    assert Draft.objects.count() == 1


def test_the_learners_export_holds_their_drafts(author, journal):
    section = first(journal)
    keep(author, journal, section, "Exported draft words")
    response = author.get(reverse("pages_export_zip"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = [name for name in archive.namelist() if name.startswith("drafts/")]
    assert names == [f"drafts/my-journey--{section.pk}.md"]
    text = archive.read(names[0]).decode()
    assert "## Section 1\n\nExported draft words\n" in text
    assert "Draft of a section of “My journey”" in text


def test_deleting_the_account_deletes_its_drafts(author, journal):
    keep(author, journal, first(journal), "Mine alone")
    response = author.post(
        reverse("account_delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"}
    )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="lena").exists()
    assert not Draft.objects.exists()


@pytest.mark.parametrize("sections", [2, 40])
def test_who_is_editing_costs_the_same_at_any_page_length(
    client, learner, mentor, cohort, sections, django_assert_max_num_queries
):
    journal = make_page(learner, cohort, title=f"Long {sections}", sections=sections)
    section = journal.sections.order_by("position").last()
    client.force_login(learner)
    # An open editor reporting in: the user, then one read (section, page, role).
    with django_assert_max_num_queries(2):
        response = client.post(url("section_editing", journal, section.pk), {"editor": "a"})
    assert response.status_code == 200
    client.force_login(mentor)
    # A reader's poll: the user, the page with the role, the section ids; the notes
    # themselves are one cache read.
    with django_assert_max_num_queries(3):
        notes = client.get(url("page_editing", journal)).content.decode()
    assert notes.count("hx-swap-oob") == sections
    assert "Lena Learner is editing this section." in notes


def test_a_page_unloading_says_its_editor_left(author, journal, client, mentor):
    section = first(journal)
    editing = url("section_editing", journal, section.pk)
    author.post(editing, {"editor": "window-a"})
    assert author.post(editing, {"editor": "window-a", "left": "1"}).status_code == 204
    # The window reopened at once is not told about the one it replaced.
    assert author.post(editing, {"editor": "window-b"}).json() == {"editing": ""}


def test_reading_the_page_the_author_is_not_told_about_their_own_editor(author, journal):
    section = first(journal)
    author.post(url("section_editing", journal, section.pk), {"editor": "window-a"})
    html = author.get(journal.get_absolute_url()).content.decode()
    assert f'<p class="editing-note" id="editing-{section.pk}" hidden></p>' in html
    notes = author.get(url("page_editing", journal)).content.decode()
    assert "editing this section" not in notes


@pytest.mark.parametrize("finish", ["save", "discard"])
def test_a_late_draft_of_a_finished_editor_is_not_kept(author, journal, finish):
    section = first(journal)
    if finish == "save":
        data = {"heading": "Section 1", "body": "Saved text", "version": 1, "editor": "tab-1"}
        assert (
            author.post(url("section_edit", journal, section.pk), data, headers=HX).status_code
            == 200
        )
    else:
        keep(author, journal, section, "To throw away", editor="tab-1")
        author.post(url("draft_discard", journal, section.pk), {"editor": "tab-1"}, headers=JSON)
    # The editor's last autosave, sent before the save or discard, arrives after it.
    late = keep(author, journal, section, "Saved tex", editor="tab-1")
    assert late.json() == {"closed": True}
    assert not Draft.objects.exists()
    # Another editor's drafts are kept as ever.
    assert keep(author, journal, section, "New window", editor="tab-2").json()["time"]
    assert Draft.objects.get().body == "New window"
