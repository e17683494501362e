"""Back up one cohort into a single JSON file that cohort_restore loads into an empty
database (after `migrate`) with identical content.

The file is one versioned JSON document, one serialized row per line:

    {"format": "nexus-cohort-backup", "version": 1, "created": "…", "cohort": "<slug>",
     "schema": {"portfolio": "<latest migration>", …}, "counts": {"portfolio.page": 140, …},
     "objects": [{"model": "portfolio.page", "pk": 7, "fields": {…}}, …]}

Rows keep their primary keys, so every relation survives as it is. What is in it: the
cohort, its memberships, invites and saved replies; its pages with tags, sections, the
authors' unsaved drafts of them, revisions, comments (with mentions), reviews, section
marks, claims, and the notifications about those pages; and every user any of these
rows points at (members, but also former members whose comments stay, invite creators,
people mentioned), with their password hashes, allauth email addresses and email
preferences, so they can sign in after a restore. A deleted account's comments already
point at nobody and stay so.

Left out: other cohorts, even of the same people; notifications about no page or another
cohort's page; sessions; groups and permissions (site-wide staff rights, not the
cohort's). Pages carry their PostgreSQL search vector as it is, since rebuilding ten
thousand of them takes a minute; a restore builds the ones that are missing.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from itertools import batched
from pathlib import Path
from typing import Any, TypedDict

from allauth.account.models import EmailAddress
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from portfolio.management.progress import Progress
from portfolio.models import (
    Claim,
    Cohort,
    Comment,
    Draft,
    EmailPreference,
    Invite,
    Membership,
    Notification,
    Page,
    Review,
    Revision,
    SavedReply,
    Section,
    SectionMark,
    Tag,
    User,
)

FORMAT = "nexus-cohort-backup"
VERSION = 1

# In the order a restore writes them: every row after the rows it points at.
MODELS: list[type[models.Model]] = [
    User,
    EmailAddress,
    EmailPreference,
    Tag,
    Cohort,
    Membership,
    Invite,
    Page,
    Section,
    Draft,
    Revision,
    Comment,
    Review,
    SectionMark,
    Claim,
    SavedReply,
    Notification,
]

# Rows the cohort shares with the rest of the site. A restore keeps the target's row
# when it is the very same one (same id and email, or same id and slug).
SHARED: frozenset[type[models.Model]] = frozenset({User, EmailAddress, EmailPreference, Tag})

# Site-wide rights, which no cohort grants.
LEFT_OUT: dict[type[models.Model], frozenset[str]] = {
    User: frozenset({"groups", "user_permissions"}),
}

# Apps whose latest migration is recorded, to explain a restore into another schema.
SCHEMA_APPS = ("portfolio", "account", "auth")


class SerializedRow(TypedDict):
    """One row as the "python" serializer writes it, and as the file holds it."""

    model: str
    pk: int
    fields: dict[str, Any]


def fields_of(model: type[models.Model]) -> list[str]:
    """The fields a backup holds for a model (the primary key travels as "pk")."""
    names = [
        field.name
        for field in model._meta.local_fields
        if field.serialize  # type: ignore[attr-defined]  # a Field attribute the stubs lack
    ]
    names += [field.name for field in model._meta.local_many_to_many]
    return [name for name in names if name not in LEFT_OUT.get(model, ())]


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def link_model(field: models.ManyToManyField[Any, Any]) -> type[models.Model]:
    """The model of a many-to-many field's link table."""
    through = field.remote_field.through
    if through is None:  # not before Django has set the models up
        raise CommandError(f"{field} has no link table yet.")
    return through


def schema() -> dict[str, str]:
    applied = MigrationRecorder(connection).applied_migrations()
    latest: dict[str, str] = {}
    for app, name in applied:
        if app in SCHEMA_APPS and name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def cohort_rows(cohort: Cohort) -> dict[type[models.Model], models.QuerySet[models.Model]]:
    """Every row the backup holds, as one queryset per model."""
    rows: dict[type[models.Model], models.QuerySet[models.Model]] = {
        Cohort: Cohort.objects.filter(pk=cohort.pk),
        Membership: Membership.objects.filter(cohort=cohort),
        Invite: Invite.objects.filter(cohort=cohort),
        Page: Page.objects.filter(cohort=cohort),
        SavedReply: SavedReply.objects.filter(cohort=cohort),
    }
    for on_page in (Section, Draft, Revision, Comment, Review, SectionMark, Claim, Notification):
        rows[on_page] = on_page.objects.filter(page__cohort=cohort)
    tagged = Page.tags.through.objects.filter(page__cohort=cohort).values("tag_id")
    rows[Tag] = Tag.objects.filter(pk__in=tagged)
    # Everyone a row points at, found from the models themselves, so a relation to
    # User added later is covered without touching this list.
    people = models.Q(pk__in=[])
    for model, queryset in list(rows.items()):
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if field.is_relation and field.related_model is User:
                people |= models.Q(pk__in=queryset.values(field.name))
    users = User.objects.filter(people)
    rows[User] = users
    rows[EmailAddress] = EmailAddress.objects.filter(user__in=users.values("pk"))
    rows[EmailPreference] = EmailPreference.objects.filter(user__in=users.values("pk"))
    return {model: rows[model] for model in MODELS}


def serialized(
    model: type[models.Model], queryset: models.QuerySet[models.Model]
) -> Iterator[SerializedRow]:
    fields = fields_of(model)
    many = [field for field in model._meta.local_many_to_many if field.name in fields]
    plain = [name for name in fields if name not in {field.name for field in many}]
    for chunk in batched(queryset.order_by("pk").iterator(chunk_size=2000), 2000, strict=False):
        rows: list[SerializedRow] = serializers.serialize("python", chunk, fields=plain)
        # Many-to-many links in one query per chunk: the serializer would build a
        # queryset per row, which is most of the time a large backup takes.
        for field in many:
            source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
            links = link_model(field)._default_manager.filter(
                **{f"{source}_id__in": [row["pk"] for row in rows]}
            )
            linked: dict[int, list[int]] = defaultdict(list)
            for row_pk, other_pk in links.order_by(f"{target}_id").values_list(
                f"{source}_id", f"{target}_id"
            ):
                linked[row_pk].append(other_pk)
            for row in rows:
                row["fields"][field.name] = linked[row["pk"]]
        yield from rows


def encode(value: Any) -> str:
    """JSON for what the python serializer leaves as objects. DjangoJSONEncoder would
    cut datetimes to milliseconds; a restore must give back the very same instant."""
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} to a backup.")


def title(model: type[models.Model]) -> str:
    # Django would call them "saved replys".
    return "saved replies" if model is SavedReply else str(model._meta.verbose_name_plural)


def size_of(path: Path) -> str:
    return filesizeformat(path.stat().st_size).replace("\xa0", " ")


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


class Command(BaseCommand):
    help = (
        "Back up a cohort (members, pages and everything on them) into one JSON file "
        "that cohort_restore loads into an empty database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The cohort's slug, as in /cohorts/<slug>/.")
        parser.add_argument(
            "--output",
            "-o",
            help="Where to write it: a path (ending .gz to compress) or - for standard "
            "output. Default: cohort-<slug>-<date>.json in the current directory.",
        )

    def handle(
        self, *args: str, slug: str, output: str | None, verbosity: int, **options: object
    ) -> None:
        cohort = Cohort.objects.filter(slug=slug).first()
        if cohort is None:
            raise CommandError(f"There is no cohort with the slug “{slug}”.")
        to_stdout = output == "-"
        # The file may be going to standard output: progress then goes to stderr.
        progress = Progress(self.stderr if to_stdout else self.stdout, verbosity)
        started = time.monotonic()
        if to_stdout:
            counts = self.dump(cohort, lambda text: self.stdout.write(text, ending=""), progress)
            seconds = time.monotonic() - started
            progress.say(f"Wrote {plural(sum(counts.values()), 'row')} in {seconds:.1f} s.")
            return
        path = Path(output or f"cohort-{slug}-{timezone.now():%Y%m%d-%H%M%S}.json")
        if not path.parent.is_dir():
            raise CommandError(f"There is no directory {path.parent} to write the backup in.")
        compress = path.suffix == ".gz"
        # Write beside the target and rename, so a reader never sees half a backup.
        # mkstemp makes it readable by its owner only: the file holds password hashes.
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        os.close(handle)
        try:
            opener = gzip.open if compress else open
            with opener(temporary, "wt", encoding="utf-8") as stream:
                counts = self.dump(cohort, stream.write, progress)
            with open(temporary, "rb") as written:
                os.fsync(written.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        seconds = time.monotonic() - started
        progress.say(
            f"Wrote {plural(sum(counts.values()), 'row')} to {path} ({size_of(path)}) "
            f"in {seconds:.1f} s."
        )

    def dump(
        self, cohort: Cohort, write: Callable[[str], object], progress: Progress
    ) -> dict[str, int]:
        # One snapshot for every query: a comment posted mid-backup must not appear
        # without its author. PostgreSQL needs asking, as the transaction's first
        # statement (an outer transaction, as in tests, holds its own snapshot already);
        # SQLite reads one snapshot anyway.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = cohort_rows(cohort)
            counts = {label(model): queryset.count() for model, queryset in rows.items()}
            progress.say(
                f"Backing up cohort “{cohort.name}” ({cohort.slug}): "
                f"{plural(counts['portfolio.membership'], 'member')}, "
                f"{plural(counts['portfolio.page'], 'page')}, "
                f"{plural(counts['portfolio.comment'], 'comment')}, "
                f"{plural(counts['portfolio.user'], 'user account')}."
            )
            header = {
                "format": FORMAT,
                "version": VERSION,
                "created": timezone.now().isoformat(),
                "cohort": cohort.slug,
                "schema": schema(),
                "counts": counts,
            }
            write(json.dumps(header, ensure_ascii=False)[:-1] + ', "objects": [\n')
            separator = ""
            for model, queryset in rows.items():
                name = title(model)
                total, done = counts[label(model)], 0
                for row in serialized(model, queryset):
                    write(separator + json.dumps(row, ensure_ascii=False, default=encode))
                    separator, done = ",\n", done + 1
                    if done % 5000 == 0:
                        progress.step(name, done, total)
                progress.step(name, done, total)
            write("\n]}\n")
        return counts
