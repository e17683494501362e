from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import DEFAULT_PASSWORD, make_invite, make_page, make_user
from portfolio.generations import author_key
from portfolio.management.commands import cohort_backup
from portfolio.models import (
    Claim,
    Cohort,
    Comment,
    EmailPreference,
    Membership,
    Notification,
    Page,
    Revision,
    SavedReply,
    Section,
    SectionMark,
    Tag,
    User,
)
from portfolio.search import search
from portfolio.services import comment_post, page_submit, review_submit, tag_get_or_create

pytestmark = pytest.mark.django_db

# Helpers -------------------------------------------------------------------------------


def backup(path: Path | str, *args: str, verbosity: int = 1) -> str:
    out = StringIO()
    call_command(
        "cohort_backup", "prodev-7", "--output", str(path), *args, stdout=out, verbosity=verbosity
    )
    return out.getvalue()


def restore(path: Path, *args: str, verbosity: int = 1) -> str:
    out = StringIO()
    call_command("cohort_restore", str(path), *args, stdout=out, verbosity=verbosity)
    return out.getvalue()


def dump() -> dict[tuple[str, Any], dict[str, Any]]:
    """Every row of the app and of allauth's email addresses, column by column, with
    its many-to-many links: read straight from the tables, not through the backup's
    serializer, so the two cannot share a blind spot."""
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for model in [*apps.get_app_config("portfolio").get_models(), EmailAddress]:
        for obj in model._base_manager.order_by("pk"):
            row = {
                field.attname: getattr(obj, field.attname) for field in model._meta.concrete_fields
            }
            for field in model._meta.many_to_many:
                row[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
            rows[(model._meta.label_lower, obj.pk)] = row
    return rows


def key(obj: models.Model) -> tuple[str, Any]:
    return (obj._meta.label_lower, obj.pk)


def build(personas: dict, cohort: Cohort, other_cohort: Cohort) -> SimpleNamespace:
    """A cohort with one of everything, and beside it what its backup must leave out."""
    learner, peer, mentor, organizer, outsider = (
        personas[name] for name in ("learner", "peer", "mentor", "organizer", "outsider")
    )
    learner.bio = "Backend learner. Naïve about nothing — ünïcode welcome."
    learner.save(update_fields=["bio"])
    EmailAddress.objects.create(user=learner, email="lena@work.example", verified=False)
    EmailPreference.objects.create(user=learner, kind="comment", delivery="digest")

    journal = make_page(learner, cohort, title="Learning Django REST", sections=3)
    journal.tags.set([tag_get_or_create("Django"), tag_get_or_create("Docker")])
    journal.visibility = "public"
    journal.save(update_fields=["visibility"])
    first, _, last = journal.sections.order_by("position")
    first.save_text(
        heading="Overview",
        body="I learned **serializers** and zebrafish testing.",
        base_version=first.version,
        by=learner,
    )
    last.remove(by=learner)
    root = comment_post(
        page=journal, author=mentor, body="Nice, @lena!", section=first, quote="serializers"
    )
    comment_post(page=journal, author=learner, body="Thanks @maya.", section=first, parent=root)
    root.resolve(by=learner)
    question = comment_post(page=journal, author=peer, body="And viewsets?")
    question.mark_addressed(by=learner, revision=Revision.objects.filter(page=journal).first())
    comment_post(page=journal, author=peer, body="Oops, wrong page.").soft_delete()
    # A former member: their comment stays, so their account travels with the cohort.
    fiona = make_user("fiona", display_name="Fiona Former")
    left = Membership.objects.create(user=fiona, cohort=cohort)
    comment_post(page=journal, author=fiona, body="Good luck, all!")
    left.delete()
    # Mentioned while a member, gone since: the mention still names her.
    gina = make_user("gina")
    left = Membership.objects.create(user=gina, cohort=cohort)
    comment_post(page=journal, author=peer, body="Ask @gina about it.")
    Notification.objects.filter(recipient=gina).delete()
    left.delete()
    # A deleted account: its comment stays, written by nobody.
    dan = make_user("dan")
    Membership.objects.create(user=dan, cohort=cohort)
    comment_post(page=journal, author=dan, body="See you.")
    dan.delete()

    waiting = make_page(peer, cohort, title="Docker week", sections=2)
    page_submit(page=waiting, by=peer)
    review_submit(page=waiting, reviewer=mentor, verdict="changes_requested", summary="Compose?")
    section = waiting.sections.first()
    asked = comment_post(page=waiting, author=mentor, body="Which base image?", section=section)
    SectionMark.objects.create(
        page=waiting,
        section_uid=section.uid,
        section_version=section.version,
        mark="needs_work",
        reviewer=mentor,
        comment=asked,
    )
    page_submit(page=waiting, by=peer)
    Claim.objects.create(page=waiting, mentor=mentor, expires_at=timezone.now() + timedelta(1))
    SavedReply.objects.create(cohort=cohort, owner=mentor, title="Examples", body="Add one.")
    make_invite(cohort, created_by=organizer)
    make_invite(cohort, role="mentor", created_by=organizer).revoke()

    # Beyond the cohort, so beyond its backup: another cohort (where the mentor also
    # mentors), a tag only it uses, a tag nobody uses, a notification about no page.
    Membership.objects.create(user=mentor, cohort=other_cohort, role="mentor")
    elsewhere = make_page(outsider, other_cohort, title="CSS grid", sections=2)
    elsewhere.tags.add(tag_get_or_create("GraphQL"))
    comment_post(page=elsewhere, author=mentor, body="Grid areas, @oscar?")
    EmailPreference.objects.create(user=outsider, kind="reviewed", delivery="off")
    Notification.objects.create(recipient=learner, kind="comment", verb="said hi", url="/")
    unused = Tag.objects.create(name="Unused", slug="unused")
    other = {"page__cohort": other_cohort}
    left_out = {
        key(obj)
        for obj in [
            outsider,
            other_cohort,
            unused,
            Tag.objects.get(name="GraphQL"),
            *EmailAddress.objects.filter(user=outsider),
            *EmailPreference.objects.filter(user=outsider),
            *Membership.objects.filter(cohort=other_cohort),
            *Page.objects.filter(cohort=other_cohort),
            *Section.objects.filter(**other),
            *Revision.objects.filter(**other),
            *Comment.objects.filter(**other),
            *Notification.objects.filter(models.Q(**other) | models.Q(page=None)),
        ]
    }
    return SimpleNamespace(journal=journal, waiting=waiting, left_out=left_out)


@pytest.fixture
def rich(personas, cohort, other_cohort) -> SimpleNamespace:
    return build(personas, cohort, other_cohort)


@pytest.fixture
def round_trip(transactional_db, personas, cohort, other_cohort, tmp_path) -> SimpleNamespace:
    """Back the rich cohort up, empty the database completely, restore."""
    built = build(personas, cohort, other_cohort)
    before = dump()
    path = tmp_path / "prodev-7.json"
    backed_up = backup(path)
    call_command("flush", interactive=False, verbosity=0)
    assert not User.objects.exists() and not Comment.objects.exists()
    cache.set(author_key("lena"), 41, None)
    restored = restore(path)
    expected = {k: row for k, row in before.items() if k not in built.left_out}
    return SimpleNamespace(
        expected=expected, backed_up=backed_up, restored=restored, path=path, **vars(built)
    )


# Round trip into an empty database ----------------------------------------------------


def test_a_restore_gives_back_exactly_the_cohort_that_was_backed_up(round_trip):
    assert dump() == round_trip.expected
    assert not Cohort.objects.filter(slug="frontend-3").exists()
    assert not User.objects.filter(username="oscar").exists()
    assert User.objects.filter(username="fiona").exists()  # a former member, for her comment
    assert Comment.objects.filter(author=None, body="See you.").exists()


def test_backup_and_restore_report_what_they_do(round_trip):
    assert (
        "Backing up cohort “ProDev Backend 7” (prodev-7): 4 members, 2 pages, 8 comments, "
        "6 user accounts." in round_trip.backed_up
    )
    assert "comments          [████████████████████████] 8/8" in round_trip.backed_up
    assert f"rows to {round_trip.path} (" in round_trip.backed_up
    assert (
        "Restored cohort “ProDev Backend 7” (prodev-7): 4 members, 2 pages, 8 comments, "
        "6 new user accounts in" in round_trip.restored
    )


def test_members_sign_in_with_their_old_passwords_after_a_restore(round_trip, client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    for email in ["lena@example.com", "fiona@example.com"]:
        response = client.post(
            reverse("account_login"), {"login": email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(User.objects.get(email=email).pk)
        client.logout()
    client.force_login(User.objects.get(username="maya"))
    assert client.get(round_trip.waiting.get_absolute_url()).status_code == 200


def test_new_rows_after_a_restore_get_fresh_ids_and_search_finds_restored_pages(round_trip):
    learner, cohort = User.objects.get(username="lena"), Cohort.objects.get(slug="prodev-7")
    newest = {model: model.objects.order_by("pk").last().pk for model in (Page, Section, User)}
    page = make_page(learner, cohort, title="After the restore", sections=1)
    newcomer = make_user("nadia")
    comment_post(page=round_trip.journal, author=learner, body="Still here.")
    assert page.pk > newest[Page] and page.sections.get().pk > newest[Section]
    assert newcomer.pk > newest[User]
    assert [p.pk for p in search(learner, "zebrafish")] == [round_trip.journal.pk]
    if connection.vendor == "postgresql":
        assert not Page.objects.filter(search_vector=None).exists()


def test_a_page_backed_up_without_a_search_vector_gets_one(rich, cohort, learner, tmp_path):
    Page.objects.filter(pk=rich.journal.pk).update(search_vector=None)  # as from SQLite
    backup(tmp_path / "b.json", verbosity=0)
    cohort.delete()
    restore(tmp_path / "b.json", verbosity=0)
    assert [page.pk for page in search(learner, "zebrafish")] == [rich.journal.pk]


def test_a_restore_makes_the_public_page_cache_forget_the_restored_people(round_trip):
    assert cache.get(author_key("lena")) != 41


# Refusals ------------------------------------------------------------------------------


def test_restoring_over_the_existing_cohort_refuses_and_changes_nothing(rich, tmp_path):
    backup(tmp_path / "b.json", verbosity=0)
    before = dump()
    with pytest.raises(CommandError) as refused:
        restore(tmp_path / "b.json")
    message = str(refused.value)
    assert "Refusing to restore, nothing was changed" in message
    assert "with the slug “prodev-7” exists already" in message
    assert "2 pages with the ids of the backup exist already" in message
    assert dump() == before


def test_a_cohort_deleted_by_mistake_comes_back_beside_the_people_still_here(
    rich, cohort, learner, tmp_path
):
    before = dump()
    backup(tmp_path / "b.json", verbosity=0)
    cohort.delete()
    assert not Comment.objects.filter(page=rich.journal).exists()
    learner.set_password("changed-since-the-backup")
    learner.save(update_fields=["password"])
    output = restore(tmp_path / "b.json")
    assert "0 new user accounts (and 6 accounts here already, kept as they are)" in output
    before[key(learner)]["password"] = learner.password
    assert dump() == before


def test_someone_else_with_a_members_email_or_username_is_refused(rich, cohort, learner, tmp_path):
    backup(tmp_path / "b.json", verbosity=0)
    cohort.delete()
    old_pk = learner.pk
    learner.delete()
    usurper = make_user("lena")  # same email and username, another account
    before = dump()
    with pytest.raises(CommandError) as refused:
        restore(tmp_path / "b.json")
    message = str(refused.value)
    assert (
        f"The email lena@example.com belongs to user id {usurper.pk} here, "
        f"but to user id {old_pk} in the backup." in message
    )
    assert f"The username lena belongs to user id {usurper.pk} here" in message
    assert dump() == before


def test_a_row_id_taken_by_another_cohort_is_refused(rich, cohort, other_cohort, tmp_path):
    backup(tmp_path / "b.json", verbosity=0)
    journal_pk = rich.journal.pk
    cohort.delete()
    Page.objects.create(
        pk=journal_pk, cohort=other_cohort, author=other_cohort.memberships.first().user
    )
    before = dump()
    with pytest.raises(CommandError, match=rf"1 page with the ids .* \(ids {journal_pk}\)"):
        restore(tmp_path / "b.json")
    assert dump() == before


def test_a_collision_only_the_database_sees_is_refused_too(cohort, other_cohort, tmp_path):
    token = make_invite(cohort).token
    backup(tmp_path / "b.json", verbosity=0)
    cohort.delete()
    make_invite(other_cohort, token=token)
    before = dump()
    with pytest.raises(CommandError, match="The database refused the restore, so nothing was"):
        restore(tmp_path / "b.json")
    assert dump() == before


def edit(document: dict, change: str) -> dict | str:
    objects = document["objects"]
    page = next(item for item in objects if item["model"] == "portfolio.page")
    comment = next(item for item in objects if item["model"] == "portfolio.comment")
    if change == "format":
        document["format"] = "nexus-page-export"
    elif change == "version":
        document["version"] = 2
    elif change == "objects":
        del document["objects"]
    elif change == "one row fewer":
        objects.pop()
    elif change == "foreign model":
        objects.append({"model": "auth.group", "pk": 1, "fields": {"name": "staff"}})
    elif change == "left-out field":
        objects[0]["fields"]["groups"] = [1]
    elif change == "bad value":
        page["fields"]["created_at"] = "yesterday"
    elif change == "stray page":
        page["fields"]["cohort"] = 999
    elif change == "dangling author":
        comment["fields"]["author"] = 999_999
    elif change == "dangling tag":
        page["fields"]["tags"] = [999]
    elif change == "no pk":
        del page["pk"]
    elif change == "model not a name":
        page["model"] = ["portfolio", "page"]
    return document


BAD_FILES = {
    "format": "is not a cohort backup (no “format”: “nexus-cohort-backup”)",
    "version": "is a version 2 cohort backup; this Nexus reads version 1",
    "objects": "is damaged: it has no list of objects or no counts",
    "one row fewer": "The file is incomplete or was edited",
    "foreign model": "is a 'auth.group', which a cohort backup never holds",
    "left-out field": "has fields a cohort backup never holds: groups",
    "bad value": "“yesterday” value has an invalid format. It must be in YYYY-MM-DD",
    "stray page": "points at portfolio.cohort 999, which it does not hold",
    "dangling author": "points at portfolio.user 999999, which it does not hold",
    "dangling tag": "points at portfolio.tag 999, which it does not hold",
    "no pk": "needs a model, a pk and fields",
    "model not a name": "which a cohort backup never holds",
}


@pytest.mark.parametrize("change", BAD_FILES)
def test_a_damaged_or_foreign_file_is_refused_with_the_reason(
    journal, mentor, cohort, tmp_path, change
):
    comment_post(page=journal, author=mentor, body="A page, and a comment on it.")
    path = tmp_path / "b.json"
    backup(path, verbosity=0)
    cohort.delete()
    document = json.loads(path.read_text())
    path.write_text(json.dumps(edit(document, change)))
    before = dump()
    with pytest.raises(CommandError) as refused:
        restore(path)
    assert BAD_FILES[change] in str(refused.value)
    assert dump() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"this is not json", "is not a cohort backup: it is not readable JSON"),
        (b'{"format": "nexus-cohort-backup", "version": 1, "objects": [', "not readable JSON"),
        (b"\x1f\x8b\x08 truncated gzip", "not readable JSON"),
        (b"[1, 2, 3]", "is not a cohort backup (no “format”"),
    ],
)
def test_a_file_that_is_no_backup_at_all_is_refused(cohort, tmp_path, content, reason):
    path = tmp_path / "b.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=re.escape(reason)):
        restore(path)
    with pytest.raises(CommandError, match="There is no file"):
        restore(tmp_path / "missing.json")


def test_a_cohort_that_does_not_exist_is_not_backed_up(tmp_path):
    with pytest.raises(CommandError, match="There is no cohort with the slug “prodev-7”"):
        backup(tmp_path / "b.json")
    assert not list(tmp_path.iterdir())


# Dry run, output, files -----------------------------------------------------------------


def test_a_dry_run_reports_what_it_would_restore_and_changes_nothing(rich, cohort, tmp_path):
    path = tmp_path / "b.json.gz"
    backup(path, verbosity=0)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    cohort.delete()
    before = dump()
    output = restore(path, "--dry-run")
    assert (
        "Dry run: would restore cohort “ProDev Backend 7” (prodev-7): 4 members, 2 pages, "
        "8 comments, 0 new user accounts (and 6 accounts here already" in output
    )
    assert "Nothing was changed" in output
    assert "pages             [████████████████████████] 2/2" in output
    assert dump() == before


def test_verbosity_zero_is_quiet(journal, cohort, tmp_path):
    assert backup(tmp_path / "b.json", verbosity=0) == ""
    cohort.delete()
    assert restore(tmp_path / "b.json", verbosity=0) == ""
    assert Cohort.objects.filter(slug="prodev-7").exists()


def test_a_backup_to_standard_output_keeps_progress_on_stderr(journal, peer):
    make_page(peer, journal.cohort, title="Second")
    out, err = StringIO(), StringIO()
    call_command("cohort_backup", "prodev-7", "--output", "-", stdout=out, stderr=err)
    document = json.loads(out.getvalue())
    assert document["format"] == "nexus-cohort-backup" and document["version"] == 1
    assert document["cohort"] == "prodev-7"
    assert document["counts"]["portfolio.page"] == 2
    assert "Backing up cohort" in err.getvalue()


def test_the_backup_holds_the_cohort_only_and_is_private_to_its_owner(rich, tmp_path):
    path = tmp_path / "b.json"
    backup(path, verbosity=0)
    text = path.read_text()
    assert "oscar@example.com" not in text and "frontend-3" not in text
    assert "CSS grid" not in text and "GraphQL" not in text and "said hi" not in text
    assert "Naïve about nothing" in text  # unicode kept readable
    assert path.stat().st_mode & 0o077 == 0  # it holds password hashes


def test_a_failed_backup_leaves_the_previous_file_alone(journal, tmp_path, monkeypatch):
    path = tmp_path / "b.json"
    path.write_text("the previous backup")

    def broken(model, queryset):
        raise RuntimeError("disk on fire")
        yield

    monkeypatch.setattr(cohort_backup, "serialized", broken)
    with pytest.raises(RuntimeError):
        backup(path)
    assert path.read_text() == "the previous backup"
    assert [p.name for p in tmp_path.iterdir()] == ["b.json"]


def test_the_backup_makes_the_same_queries_however_many_rows(personas, cohort, tmp_path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            backup(tmp_path / "b.json", verbosity=0)
        return len(captured)

    def grow(n: int) -> None:
        for i in range(n):
            page = make_page(personas["learner"], cohort, title=f"Week {i}", sections=2)
            page.tags.add(tag_get_or_create(f"Topic {i}"))
            comment_post(page=page, author=personas["mentor"], body=f"@lena {i}")

    grow(2)
    small = queries()
    grow(12)
    assert queries() == small  # one query per model (per 2,000 rows), links included


# Guards ---------------------------------------------------------------------------------


def test_every_model_of_the_app_is_backed_up():
    assert set(apps.get_app_config("portfolio").get_models()) <= set(cohort_backup.MODELS)


def test_every_relation_of_a_backed_up_row_points_at_a_backed_up_model():
    for model in cohort_backup.MODELS:
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if field.is_relation and field.name not in cohort_backup.LEFT_OUT.get(model, ()):
                assert field.related_model in cohort_backup.MODELS, (model, field.name)


def test_restore_writes_each_model_after_the_models_it_points_at():
    order = {model: n for n, model in enumerate(cohort_backup.MODELS)}
    for model in cohort_backup.MODELS:
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is not model:
                assert order[field.related_model] < order[model], (model, field.name)
