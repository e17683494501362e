"""Restore a cohort from a cohort_backup file, normally into an empty database.

Everything happens in one transaction, and nothing is written unless the whole file
fits: a wrong or damaged file, a cohort with the same slug, any row of the cohort whose
id is taken, or a person whose email or username belongs to someone else here is
refused with the reason, and the database is left as it was.

Rows the cohort shares with the rest of the site (users, their email addresses and
preferences, tags) may already be here, for example when a cohort deleted by mistake
is restored into the live database: a user with the same id and email, or a tag with
the same id and slug, is the same one, and is kept as it is here (a password changed
since the backup stays changed).

After the rows: sequences move past the restored ids (PostgreSQL), pages without a
search vector get one (a backup made on SQLite has none), and the public page cache
forgets what it held about these people.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import batched
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError, DeserializedObject
from django.db import IntegrityError, connection, models, transaction
from django.db.models.fields.related import RelatedField
from django.db.models.functions import Lower

from portfolio.dashboards import forget_activity
from portfolio.generations import bump_authors
from portfolio.management.commands.cohort_backup import (
    FORMAT,
    MODELS,
    SHARED,
    VERSION,
    fields_of,
    label,
    link_model,
    plural,
    schema,
    size_of,
    title,
)
from portfolio.management.progress import Progress
from portfolio.models import Cohort, Comment, EmailPreference, Membership, Page, Tag, User

BY_LABEL = {label(model): model for model in MODELS}
OWNED = [model for model in MODELS if model not in SHARED]

# The file's rows, deserialized, by model.
type Rows = dict[type[models.Model], list[DeserializedObject]]


def objects_of[M: models.Model](rows: Sequence[DeserializedObject], model: type[M]) -> list[M]:
    """The objects of rows of one model (deserialize files every row under its type)."""
    return [row.object for row in rows if isinstance(row.object, model)]


def read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rt", encoding="utf-8") as stream:
            document = json.load(stream)
    except FileNotFoundError:
        raise CommandError(f"There is no file {path}.") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError) as error:
        raise CommandError(
            f"{path} is not a cohort backup: it is not readable JSON ({error})."
        ) from error
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CommandError(f"{path} is not a cohort backup (no “format”: “{FORMAT}”).")
    version = document.get("version")
    if version != VERSION:
        raise CommandError(
            f"{path} is a version {version!r} cohort backup; this Nexus reads version {VERSION}."
        )
    objects, counts = document.get("objects"), document.get("counts")
    if not isinstance(objects, list) or not isinstance(counts, dict):
        raise CommandError(f"{path} is damaged: it has no list of objects or no counts.")
    return document


def check_shape(objects: list[Any], counts: dict[str, Any]) -> None:
    """Only the models and fields a backup holds, and exactly as many as it says."""
    found: dict[str, int] = defaultdict(int)
    for number, item in enumerate(objects, start=1):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("fields"), dict)
            and isinstance(item.get("pk"), int)
        ):
            raise CommandError(f"Object {number} is damaged: it needs a model, a pk and fields.")
        name = item.get("model")
        model = BY_LABEL.get(name) if isinstance(name, str) else None
        if model is None:
            raise CommandError(
                f"Object {number} is a {item.get('model')!r}, which a cohort backup never holds."
            )
        unknown = set(item["fields"]) - set(fields_of(model))
        if unknown:
            raise CommandError(
                f"Object {number} ({item['model']} {item['pk']}) has fields a cohort "
                f"backup never holds: {', '.join(sorted(unknown))}."
            )
        found[item["model"]] += 1
    expected = {name: count for name, count in counts.items() if count}
    if dict(found) != expected:
        raise CommandError(
            "The file is incomplete or was edited: its objects do not match its counts "
            f"(counts say {expected}, the file holds {dict(found)})."
        )


def in_chunks[V: (int, str)](
    rows: models.QuerySet[models.Model] | models.Manager[models.Model],
    lookup: str,
    values: Iterable[V],
    *fields: str,
) -> list[tuple[Any, ...]]:
    """values_list of the rows whose `lookup` is among many values, in chunks that
    stay under the database's limit on query parameters."""
    found: list[tuple[Any, ...]] = []
    for chunk in batched(sorted(set(values)), 2000, strict=False):
        found += rows.filter(**{f"{lookup}__in": chunk}).values_list(*fields)
    return found


def some(values: Iterable[Any]) -> str:
    values = sorted(values)
    shown = ", ".join(str(value) for value in values[:5])
    return shown + (f" and {len(values) - 5} more" if len(values) > 5 else "")


class Command(BaseCommand):
    help = (
        "Restore a cohort from a cohort_backup file. Refuses, changing nothing, when the "
        "database holds the cohort or any of its rows already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A file written by cohort_backup (.json or .json.gz).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file against this database, load it all, then roll it back: "
            "reports what a restore would do and changes nothing.",
        )

    def handle(
        self, *args: str, file: str, dry_run: bool, verbosity: int, **options: object
    ) -> None:
        started = time.monotonic()
        path = Path(file)
        progress = Progress(self.stdout, verbosity)
        document = read(path)
        check_shape(document["objects"], document["counts"])
        progress.say(
            f"Reading {path} ({size_of(path)}): cohort “{document.get('cohort')}”, "
            f"backed up {document.get('created')}."
        )
        if document.get("schema") != schema():
            progress.say(
                f"Note: the backup was made at migrations {document.get('schema')}, this "
                f"database is at {schema()}. Fields the backup lacks take their defaults."
            )
        rows = self.deserialize(document["objects"])
        cohort = self.the_cohort(rows, document.get("cohort"))
        try:
            with transaction.atomic():
                kept = self.check_conflicts(rows, cohort)
                self.insert(rows, kept, progress)
                self.refresh(rows, progress)
                connection.check_constraints(table_names=self.tables())
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    self.reset_sequences()
                    bump_authors(*(user.username for user in objects_of(rows[User], User)))
                    # Revisions were written without signals: drop cached activity.
                    forget_activity(cohort.pk)
        except IntegrityError as error:
            raise CommandError(
                f"The database refused the restore, so nothing was changed: {error}"
            ) from error
        self.report(rows, kept, cohort, dry_run, time.monotonic() - started, progress)

    def deserialize(self, objects: list[dict[str, Any]]) -> Rows:
        rows: Rows = {model: [] for model in MODELS}
        try:
            for row in serializers.deserialize("python", objects):
                rows[type(row.object)].append(row)
        except (DeserializationError, FieldDoesNotExist, ValidationError, ValueError) as error:
            raise CommandError(f"The file is damaged: {error}") from error
        return rows

    def the_cohort(self, rows: Rows, slug: object) -> Cohort:
        """The file's one cohort, and proof that the file holds every row its rows
        point at, so that nothing restored can attach to what is here already."""
        cohorts = objects_of(rows[Cohort], Cohort)
        if len(cohorts) != 1 or cohorts[0].slug != slug:
            raise CommandError(f"The file is damaged: it should hold exactly the cohort “{slug}”.")
        held = {model: {row.object.pk for row in rows[model]} for model in MODELS}
        for model in MODELS:
            relations = [
                field for field in model._meta.concrete_fields if isinstance(field, RelatedField)
            ]
            for row in rows[model]:
                pointed = [(field, getattr(row.object, field.attname)) for field in relations]
                for many in model._meta.local_many_to_many:
                    pointed += [(many, pk) for pk in (row.m2m_data or {}).get(many.name, [])]
                for field, pk in pointed:
                    if pk is not None and pk not in held[field.related_model]:
                        raise CommandError(
                            f"The file is damaged: {label(model)} {row.object.pk} points at "
                            f"{label(field.related_model)} {pk}, which it does not hold."
                        )
        return cohorts[0]

    def check_conflicts(self, rows: Rows, cohort: Cohort) -> dict[type[models.Model], set[int]]:
        """Refuse when the database holds rows the restore would collide with. Returns
        the ids of shared rows that are here already and are the same (kept as they are)."""
        problems: list[str] = []
        existing = Cohort.objects.filter(slug=cohort.slug).first()
        if existing is not None:
            problems.append(
                f"A cohort “{existing.name}” with the slug “{cohort.slug}” exists already "
                f"(id {existing.pk}). Delete it, or restore into another database."
            )
        for model in OWNED:
            taken = in_chunks(
                model._default_manager, "pk", (row.object.pk for row in rows[model]), "pk"
            )
            if taken:
                problems.append(
                    f"{plural(len(taken), str(model._meta.verbose_name))} with the ids "
                    f"of the backup exist already (ids {some(pk for (pk,) in taken)})."
                )
        kept = self.same_people(rows, problems)
        if problems:
            raise CommandError(
                "Refusing to restore, nothing was changed:\n- " + "\n- ".join(problems)
            )
        return kept

    def same_people(self, rows: Rows, problems: list[str]) -> dict[type[models.Model], set[int]]:
        kept: dict[type[models.Model], set[int]] = defaultdict(set)
        users = {user.pk: user for user in objects_of(rows[User], User)}
        for pk, email in in_chunks(User.objects, "pk", users, "pk", "email"):
            if email.lower() == users[pk].email.lower():
                kept[User].add(pk)
            else:
                problems.append(
                    f"User id {pk} is {email} here but {users[pk].email} in the backup."
                )
        new = [user for pk, user in users.items() if pk not in kept[User]]
        people = User.objects.annotate(email_ci=Lower("email"), username_ci=Lower("username"))
        for field in ("email", "username"):
            wanted = {getattr(user, field).lower(): user for user in new}
            for pk, value in in_chunks(people, f"{field}_ci", wanted, "pk", field):
                problems.append(
                    f"The {field} {value} belongs to user id {pk} here, but to user id "
                    f"{wanted[value.lower()].pk} in the backup."
                )
        # A kept user keeps their own addresses and preferences; a new one brings theirs.
        for model in (EmailAddress, EmailPreference):
            mine = [obj for obj in objects_of(rows[model], model) if obj.user_id in kept[User]]
            kept[model].update(obj.pk for obj in mine)
            brought = [row.object.pk for row in rows[model] if row.object.pk not in kept[model]]
            taken = in_chunks(model.objects, "pk", brought, "pk")
            if taken:
                problems.append(
                    f"{plural(len(taken), str(model._meta.verbose_name))} of people new "
                    f"here exist already (ids {some(pk for (pk,) in taken)})."
                )
        addresses = {
            address.email.lower(): address
            for address in objects_of(rows[EmailAddress], EmailAddress)
            if address.pk not in kept[EmailAddress]
        }
        taken_addresses = EmailAddress.objects.annotate(email_ci=Lower("email"))
        for user_id, email in in_chunks(taken_addresses, "email_ci", addresses, "user", "email"):
            problems.append(f"The email address {email} belongs to user id {user_id} here.")
        tags = {tag.pk: tag for tag in objects_of(rows[Tag], Tag)}
        for pk, slug in in_chunks(Tag.objects, "pk", tags, "pk", "slug"):
            if slug == tags[pk].slug:
                kept[Tag].add(pk)
            else:
                problems.append(
                    f"Tag id {pk} is “{slug}” here but “{tags[pk].slug}” in the backup."
                )
        new_tags = [tag for pk, tag in tags.items() if pk not in kept[Tag]]
        named = Tag.objects.annotate(name_ci=Lower("name"))
        for field, lookup, queryset in (("slug", "slug", Tag.objects), ("name", "name_ci", named)):
            wanted_tags = {getattr(tag, field).lower(): tag for tag in new_tags}
            for pk, value in in_chunks(queryset, lookup, wanted_tags, "pk", field):
                problems.append(f"The tag {field} “{value}” is tag id {pk} here, not a new tag.")
        return kept

    def insert(
        self,
        rows: Rows,
        kept: dict[type[models.Model], set[int]],
        progress: Progress,
    ) -> None:
        for model in MODELS:
            fresh = [row for row in rows[model] if row.object.pk not in kept[model]]
            name = title(model)
            if model is Page and connection.vendor != "postgresql":
                for page in objects_of(fresh, Page):
                    page.search_vector = None  # only PostgreSQL has search vectors
            fields = model._meta.local_concrete_fields
            size = max(1, min(1000, connection.ops.bulk_batch_size(fields, fresh)))
            done = 0
            for batch in batched(fresh, size, strict=False):
                # A raw insert, as loaddata's saves are: values go in exactly as stored
                # (bulk_create would stamp auto_now fields with the time of the restore),
                # and no signal fires for a half-restored cohort.
                # (QuerySet._insert, private, is not in the stubs.)
                model._base_manager._insert(  # type: ignore[attr-defined]
                    [row.object for row in batch], fields=fields, using=connection.alias, raw=True
                )
                done += len(batch)
                progress.step(name, done, len(fresh))
            if not fresh:
                progress.step(name, 0, 0)
            for field in model._meta.local_many_to_many:
                self.link(field, fresh)

    @staticmethod
    def link(field: models.ManyToManyField[Any, Any], rows: list[DeserializedObject]) -> None:
        through = link_model(field)
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = [
            through(**{f"{source}_id": row.object.pk, f"{target}_id": other})
            for row in rows
            for other in (row.m2m_data or {}).get(field.name, [])
        ]
        through._default_manager.bulk_create(links, batch_size=1000)

    def refresh(self, rows: Rows, progress: Progress) -> None:
        """Build the search vectors the backup lacks."""
        if connection.vendor != "postgresql":
            return
        # Fresh statistics first: to the planner, tables filled within this transaction
        # still look empty, and it would scan every section once per page.
        with connection.cursor() as cursor:
            for table in self.tables():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        pages = [page for page in objects_of(rows[Page], Page) if page.search_vector is None]
        for done, page in enumerate(pages, start=1):
            page.refresh_search()
            if done % 500 == 0 or done == len(pages):
                progress.step("search index", done, len(pages))
        if not pages:
            progress.step("search index", 0, 0)

    @staticmethod
    def restored_models() -> list[type[models.Model]]:
        links = [link_model(field) for model in MODELS for field in model._meta.local_many_to_many]
        return MODELS + links

    def tables(self) -> list[str]:
        return [model._meta.db_table for model in self.restored_models()]

    def reset_sequences(self) -> None:
        """Move each id sequence past the restored ids, so new rows do not collide."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.restored_models())
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)

    def report(
        self,
        rows: Rows,
        kept: dict[type[models.Model], set[int]],
        cohort: Cohort,
        dry_run: bool,
        seconds: float,
        progress: Progress,
    ) -> None:
        counts = {model: len(rows[model]) for model in MODELS}
        kept_users = len(kept[User])
        what = (
            f"cohort “{cohort.name}” ({cohort.slug}): "
            f"{plural(counts[Membership], 'member')}, "
            f"{plural(counts[Page], 'page')}, "
            f"{plural(counts[Comment], 'comment')}, "
            f"{plural(counts[User] - kept_users, 'new user account')}"
        )
        if kept_users:
            what += f" (and {plural(kept_users, 'account')} here already, kept as they are)"
        if dry_run:
            progress.say(f"Dry run: would restore {what}. Nothing was changed ({seconds:.1f} s).")
        else:
            progress.say(f"Restored {what} in {seconds:.1f} s.")
