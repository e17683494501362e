"""Journal pages: a page is one Markdown document, cut into sections that are edited
one at a time and rendered together (see portfolio.readme and portfolio.markdown)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Self

from django.apps import apps
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.functions import Lower
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone

from portfolio.limits import MAX_PAGE_BYTES, MAX_SECTION_BODY, MAX_SECTIONS
from portfolio.markdown import html_text
from portfolio.models.accounts import User, Viewer
from portfolio.models.cohorts import Cohort, Membership, Role
from portfolio.readme import (
    heading_markdown,
    open_ends,
    page_bytes,
    rebuild_heading,
    render_page,
    retitle,
    sealed,
    sealed_head,
    too_big,
    too_intricate,
)

if TYPE_CHECKING:
    from portfolio.diff import Diff
    from portfolio.models.feedback import Claim, SectionMark
    from portfolio.threads import ThreadList


class Visibility(models.TextChoices):
    PRIVATE = "private", "Only me"
    MENTORS = "mentors", "Me and the cohort’s mentors"
    COHORT = "cohort", "Everyone in the cohort"
    PUBLIC = "public", "Public: anyone with the link"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Tag(models.Model):
    name = models.CharField(max_length=40)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


# Generic as QuerySet is, so that rows of annotate() keep their figures' types.
class PageQuerySet[PageT: Page = Page, RowT = PageT](models.QuerySet[PageT, RowT]):
    def visible_to(self, user: Viewer) -> Self:
        """The pages a user may see, per the spec's visibility table. Every listing
        and search starts here, so no list can show more than the page view would."""
        public = models.Q(visibility=Visibility.PUBLIC)
        if user is None or not user.is_authenticated:
            return self.filter(public)
        cohorts = Membership.objects.filter(user=user).values("cohort_id")
        reviewing = Membership.objects.filter(
            user=user, role__in=[Role.MENTOR, Role.ORGANIZER]
        ).values("cohort_id")
        return self.filter(
            public
            | models.Q(author=user)
            | models.Q(visibility=Visibility.COHORT, cohort_id__in=cohorts)
            | models.Q(visibility=Visibility.MENTORS, cohort_id__in=reviewing)
        )


# What of a page's text goes into its search vector (the page limit is below it).
SEARCH_TEXT_CHARS = 300_000

# An unhurried reader of technical prose.
WORDS_PER_MINUTE = 200


def count_words(html: str) -> int:
    return len(_WORD.findall(html_text(html)))


_WORD = re.compile(r"\w+")

# Sent by Page.touch() after any change to what a page says.
page_touched = Signal()

# Sections whose rendered fields a page render may change.
RENDERED_FIELDS = ["heading", "heading_html", "heading_id", "body_html"]
# What Page.locked() reads afresh under the lock.
_LOCKED_FIELDS = [
    "title", "title_source", "head_html", "footnotes_html", "references", "summary",
    "version", "content_version", "updated_at",
]  # fmt: skip


class Page(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pages")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pages")
    title = models.CharField(max_length=200)
    # The document up to and including its title heading, as written (front matter,
    # badges, `# Title` or `<h1>`, the blank lines after); empty when it has none.
    title_source = models.TextField(blank=True, default="")
    # What the head shows besides the title (badges, a logo), rendered at save.
    head_html = models.TextField(blank=True, default="", editable=False)
    # The document's footnotes, gathered at its end as on GitHub.
    footnotes_html = models.TextField(blank=True, default="", editable=False)
    # The document's link reference definitions, so a section's preview resolves them.
    references = models.JSONField(blank=True, default=dict, editable=False)
    # Words a reader sees, counted at render, for the reading time.
    word_count = models.PositiveIntegerField(default=0, editable=False)
    # The author asked for the page to go on their public portfolio once approved.
    publish_on_approval = models.BooleanField(default=False)
    slug = models.SlugField(max_length=80)
    summary = models.TextField(max_length=600, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="pages")
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.MENTORS
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    # Optimistic lock for the page's own fields (title, summary): a save names the
    # version it started from and is refused when another save came first.
    version = models.PositiveIntegerField(default=1)
    # Bumped by every change to what the page says (title, summary, any section), so
    # comments and reviews can record exactly which text they were about.
    content_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # PostgreSQL full-text search: title (A) above headings (B) above text (C), kept
    # up to date by touch(); indexed with GIN by a PostgreSQL-only migration.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PageQuerySet.as_manager()

    # Not stored: what the review queue shows with a page (portfolio.views.reviews).
    waited: timedelta | None
    active_claim: Claim | None

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["author", "slug"], name="page_slug_unique_per_author"),
            models.CheckConstraint(
                condition=models.Q(visibility__in=Visibility.values), name="page_visibility_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values), name="page_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["cohort", "status", "-updated_at"], name="page_cohort_status"),
            models.Index(fields=["author", "-updated_at"], name="page_author_updated"),
            models.Index(fields=["visibility", "-updated_at"], name="page_visibility_updated"),
            # The review queue, oldest first, read in index order up to the shown rows.
            models.Index(
                fields=["cohort", "submitted_at", "id"],
                condition=models.Q(status=Status.IN_REVIEW),
                name="page_review_queue",
            ),
            # The cohort directory in either order, read in index order up to the shown rows.
            models.Index(fields=["cohort", "-updated_at", "id"], name="page_cohort_updated"),
            models.Index(fields=["cohort", "title", "id"], name="page_cohort_title"),
            # A learner's figures on the mentor dashboard, counted from the index alone.
            models.Index(
                fields=["author", "cohort", "status", "visibility", "submitted_at"],
                name="page_author_figures",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("page_detail", args=[self.author.username, self.slug])

    @property
    def edited_since_approval(self) -> bool:
        return (
            self.status == Status.APPROVED
            and self.approved_at is not None
            and self.updated_at > self.approved_at
        )

    def touch(self) -> None:
        """Record a change to the page's content; `page_touched` tells whoever keeps
        copies of it (the public page cache) that they are stale."""
        self.updated_at = timezone.now()
        if connection.vendor == "postgresql":
            # The search text is rebuilt in the same statement.
            self._update_with_search(
                "updated_at = %s, content_version = content_version + 1,", [self.updated_at]
            )
        else:
            Page.objects.filter(pk=self.pk).update(
                updated_at=self.updated_at, content_version=models.F("content_version") + 1
            )
        self.content_version += 1
        page_touched.send(sender=Page, page=self)

    def refresh_search(self) -> None:
        if connection.vendor == "postgresql":
            self._update_with_search("", [])

    def _update_with_search(self, also: str, params: list[datetime]) -> None:
        """Rebuild the page's search vector (title, then headings, then summary and
        text, weighted A, B, C), with `also` set in the same UPDATE. Written out once:
        the ORM compiled the same expression anew on every save. The gathered text is
        capped, so the vector stays under PostgreSQL's 1 MB for a tsvector whatever the
        page limits become (today's 200 KB page fits whole)."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {Page._meta.db_table} SET {also} search_vector =
                  setweight(to_tsvector('english', coalesce(title, '')), 'A') ||
                  setweight(to_tsvector('english', left(coalesce(s.headings, ''), %s)), 'B') ||
                  setweight(to_tsvector('english', coalesce(summary, '')), 'C') ||
                  setweight(to_tsvector('english', left(coalesce(s.bodies, ''), %s)), 'C')
                FROM (SELECT string_agg(heading, ' ') AS headings,
                             string_agg(body, ' ') AS bodies
                      FROM {Section._meta.db_table} WHERE page_id = %s) AS s
                WHERE id = %s
                """,  # table names from the models; every value a parameter
                [*params, SEARCH_TEXT_CHARS, SEARCH_TEXT_CHARS, self.pk, self.pk],
            )

    # The page as one document ------------------------------------------------------

    def markdown(self, sections: list[Section] | None = None) -> str:
        """The page's Markdown as the author wrote it (no metadata comment)."""
        sections = list(self.sections.all()) if sections is None else sections
        return self.title_source + "".join(section.source for section in sections)

    def render(self, sections: list[Section]) -> list[Section]:
        """Render the page as one document (references, footnotes and heading ids are
        the whole page's) into the page's and the sections' stored HTML. Returns the
        sections whose stored HTML changed; the page's own fields are saved here."""
        rendered = render_page(
            self.title_source,
            [(s.heading_source, s.rest_source) for s in sections],
            refusing=True,
        )
        if rendered.overflowed:
            raise ValidationError(too_intricate())
        head, *parts = rendered.parts
        shown = [head.html, rendered.footnotes_html]
        for part in parts:
            shown += [part.heading.html if part.heading else "", part.html]
        page_fields = {
            "head_html": head.html,
            "footnotes_html": rendered.footnotes_html,
            "references": rendered.references,
            "word_count": count_words(" ".join(shown)),
        }
        if any(getattr(self, name) != value for name, value in page_fields.items()):
            for name, value in page_fields.items():
                setattr(self, name, value)
            Page.objects.filter(pk=self.pk).update(**page_fields)
        changed = []
        for section, part in zip(sections, parts, strict=True):
            if part.heading is not None:
                values = {
                    "heading": part.heading.text[:200],
                    "heading_html": part.heading.html,
                    "heading_id": part.heading.anchor,
                }
            elif section.heading_source:
                # Swallowed by a block left open above it: keep what it had.
                values = {}
            else:
                values = {"heading": "", "heading_html": "", "heading_id": ""}
            values["body_html"] = part.html
            if any(getattr(section, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(section, name, value)
                changed.append(section)
        return changed

    def rerender(self, sections: list[Section], *, saved: Section | None = None) -> None:
        """Render and store; `saved` is saved by the caller with all its fields."""
        self.save_sections([s for s in self.render(sections) if s is not saved])

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE))

    def check_size(self, sections: list[Section]) -> None:
        size = page_bytes(self.title_source, [section.source for section in sections])
        if size > MAX_PAGE_BYTES:
            raise ValidationError(too_big(size))

    def locked(self) -> list[Section]:
        """Lock this page's row for the transaction, bring its text fields up to date,
        and return its sections in order: every change to a page's text goes through
        here, so two changes cannot interleave."""
        fresh = Page.objects.select_for_update().get(pk=self.pk)
        for name in _LOCKED_FIELDS:
            setattr(self, name, getattr(fresh, name))
        return list(Section.objects.filter(page=self).order_by("position", "id"))

    def save_meta(self, *, title: str, summary: str, base_version: int) -> bool:
        """Save title and summary unless someone saved since base_version.

        Returns whether anything changed; raises StaleVersion on a conflict."""
        with transaction.atomic():
            sections = self.locked()
            if self.version != base_version:
                raise StaleVersion
            if (self.title, self.summary) == (title, summary):
                return False
            if title != self.title:
                try:
                    head = retitle(self.title_source, title)
                except ValueError as error:
                    raise ValidationError(str(error)) from error
                if head is not None:
                    self.title_source = head
            self.title, self.summary = title, summary
            self.version += 1
            self.save(update_fields=["title", "title_source", "summary", "version"])
            self.rerender(sections)
            self.touch()
        return True

    def check_room(self, count: int | None = None) -> None:
        """Refuse one section more than a page holds."""
        if (self.sections.count() if count is None else count) >= MAX_SECTIONS:
            raise ValidationError(f"A page holds up to {MAX_SECTIONS} sections.")

    def add_section(self, *, heading: str, body: str = "", prompt: str = "", by: User) -> Section:
        with transaction.atomic():
            page = self
            sections = self.locked()
            page.check_room(len(sections))
            try:
                heading_source = rebuild_heading("", heading, level=2)
            except ValueError as error:
                raise ValidationError(str(error)) from error
            section = Section(
                page=page,
                heading_source=heading_source,
                spacing_before="\n",
                body=body,
                prompt=prompt,
                position=sections[-1].position + 1 if sections else 0,
            )
            section.seal(last=True)
            resealed = page.reseal(sections, [*sections, section])
            page.check_size([*sections, section])
            rendered = page.render([*sections, section])
            section.save()
            page.save_sections(resealed, rendered)
            section.record(RevisionKind.CREATED, by=by)
            page.touch()
        section.page = self
        return section

    def reseal(self, before: list[Section], after: list[Section]) -> list[Section]:
        """Seal every part of the page that is followed by something new, so the
        seams of a changed order still read as the same headings. Returns the sections
        it changed (the head is sealed in place)."""

        def followers(order: list[Section]) -> dict[int, int]:
            return {id(part): id(order[n + 1]) for n, part in enumerate(order[:-1])}

        old, new = followers(before), followers(after)
        changed = []
        for section in after[:-1]:
            if old.get(id(section)) != new[id(section)] and section.seal(last=False):
                changed.append(section)
        first_before = before[0] if before else None
        if after and after[0] is not first_before and self.title_source:
            sealed = sealed_head(self.title_source)
            if sealed != self.title_source:
                self.title_source = sealed
                Page.objects.filter(pk=self.pk).update(title_source=sealed)
        return changed

    def save_sections(self, *groups: list[Section]) -> None:
        """Save what renders and reseals changed in sections already stored."""
        changed = {id(s): s for group in groups for s in group if s.pk is not None}
        if changed:
            Section.objects.bulk_update(
                list(changed.values()),
                [*RENDERED_FIELDS, "heading_source", "spacing_before", "spacing_after"],
            )

    def _lock_status(self) -> None:
        """Lock the row and read its state afresh: two submits (a double click, two
        tabs) must not both pass the check."""
        fresh = Page.objects.select_for_update().only("status", "visibility").get(pk=self.pk)
        self.status, self.visibility = fresh.status, fresh.visibility

    def submit(self) -> bool:
        """Ask for a review. A private page is raised to mentors so they can read it;
        returns whether that happened."""
        with transaction.atomic():
            self._lock_status()
            if self.status == Status.IN_REVIEW:
                raise ValidationError("This page is already waiting for a review.")
            raised = self.visibility == Visibility.PRIVATE
            if raised:
                self.visibility = Visibility.MENTORS
            self.status, self.submitted_at = Status.IN_REVIEW, timezone.now()
            changed = ["status", "submitted_at", *(["visibility"] if raised else [])]
            self.save(update_fields=changed)
        return raised

    def withdraw(self) -> None:
        with transaction.atomic():
            self._lock_status()
            if self.status != Status.IN_REVIEW:
                raise ValidationError("Only a page waiting for review can be withdrawn.")
            last = self.reviews.first()
            self.status = last.verdict if last else Status.DRAFT
            self.submitted_at = None
            self.save(update_fields=["status", "submitted_at"])
            # Claims belong to the review workflow (portfolio.models.feedback), which
            # builds on pages: found by name, not imported back.
            apps.get_model("portfolio", "Claim").objects.filter(page=self).delete()

    def move_section(self, section: Section, direction: str) -> Move | None:
        """Swap a section with its neighbour above ("up") or below ("down"). The text
        before the first heading stays first: nothing moves above it, and it does not
        move (it has no heading to be found by elsewhere). Returns what changed, or
        None when nothing could move."""
        with transaction.atomic():
            page = self
            ordered = self.locked()
            index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
            other = index - 1 if direction == "up" else index + 1
            if not 0 <= other < len(ordered):
                return None
            if not ordered[index].heading_source or not ordered[other].heading_source:
                return None
            moved, neighbour = ordered[index], ordered[other]
            footnotes = page.footnotes_html
            before = list(ordered)
            ordered[index], ordered[other] = neighbour, moved
            positions = sorted(s.position for s in ordered)
            for position, item in zip(positions, ordered, strict=True):
                item.position = position
            page.reseal(before, ordered)
            rendered = page.render(ordered)
            Section.objects.bulk_update(
                ordered,
                ["position", *RENDERED_FIELDS, "heading_source", "spacing_before",
                 "spacing_after"],
            )  # fmt: skip
            page.touch()
        return Move(
            section=moved,
            neighbour=neighbour,
            redrawn=[s for s in rendered if s is not moved and s is not neighbour],
            footnotes=page.footnotes_html != footnotes,
        )


@dataclass(frozen=True)
class Move:
    """What moving a section changed: the moved section, the one it swapped places with,
    and the other sections whose stored HTML changed with the order (footnote numbers
    follow it), so a view redraws only those."""

    section: Section
    neighbour: Section
    redrawn: list[Section]
    footnotes: bool

    @property
    def pair(self) -> list[Section]:
        """The two that swapped, in their new order."""
        return sorted((self.section, self.neighbour), key=lambda s: s.position)


class StaleVersion(Exception):
    """A save started from a version that is no longer current."""


class Section(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="sections")
    # Stable identity across delete and restore, so history stays one story.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The heading as readers see it, plain text ("" for the text before the first
    # heading); `heading_source` is what the author wrote, verbatim.
    heading = models.CharField(max_length=200, blank=True)
    heading_source = models.TextField(blank=True, default="")
    heading_html = models.TextField(blank=True, default="", editable=False)
    # The heading's id in the page (GitHub's slug, prefixed), so #fragment links work.
    heading_id = models.CharField(max_length=400, blank=True, default="", editable=False)
    # The section's source is heading_source + spacing_before + body + spacing_after:
    # the editor shows the body; the blank lines around it keep the document's layout.
    spacing_before = models.TextField(blank=True, default="")
    body = models.TextField(blank=True)
    spacing_after = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, editable=False)
    prompt = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    # Not stored: what the page view shows with a section (portfolio.views.pages)...
    threads: ThreadList
    # "Amina is editing this section" (portfolio.presence), or "".
    editing_note: str
    # ...and the review page (portfolio.views.reviews): the section's mark while it
    # holds, its text at the last review, whether it changed since and how.
    mark: SectionMark | None
    previous: Revision | None
    changed: bool
    diff: Diff | None

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["page", "position"], name="section_page_position")]

    def __str__(self) -> str:
        return self.label

    @property
    def anchor(self) -> str:
        return f"section-{self.uid.hex[:12]}"

    @property
    def label(self) -> str:
        """The heading, or a name for a section that has none."""
        if self.heading:
            return self.heading
        return "Untitled section" if self.heading_source else "Introduction"

    @property
    def heading_dom_id(self) -> str:
        return self.heading_id or f"{self.anchor}-h"

    @property
    def is_lead(self) -> bool:
        """The text before the first heading: a section without a heading."""
        return not self.heading_source

    @property
    def heading_markdown(self) -> str:
        return heading_markdown(self.heading_source)

    @property
    def rest_source(self) -> str:
        return self.spacing_before + self.body + self.spacing_after

    @property
    def source(self) -> str:
        return self.heading_source + self.rest_source

    def seal(self, *, last: bool) -> bool:
        """Make this section safe to be followed by another heading (unless it is the
        last): its heading ends its line, and a blank line ends its text. Returns
        whether anything changed."""
        old = (self.heading_source, self.spacing_before, self.spacing_after)
        if self.heading_source and not self.heading_source.endswith("\n"):
            self.heading_source += "\n"
        if not last:
            if self.body:
                self.spacing_after = sealed(self.spacing_after)
            elif self.source and not self.source.endswith("\n"):
                self.spacing_after += "\n"
        return old != (self.heading_source, self.spacing_before, self.spacing_after)

    def record(self, kind: str, *, by: User | None) -> Revision:
        return Revision.objects.create(
            page_id=self.page_id,
            section=None if kind == RevisionKind.DELETED else self,
            section_uid=self.uid,
            kind=kind,
            heading=self.heading,
            heading_source=self.heading_source,
            body=self.body,
            section_version=self.version,
            position=self.position,
            author=by,
        )

    def save_text(self, *, heading: str, body: str, base_version: int, by: User) -> bool:
        """Save a new heading (its Markdown; ignored for the text before the first
        heading) and body unless someone saved since base_version.

        Every real change writes a Revision. Returns whether anything changed; raises
        StaleVersion when the section moved on (another tab, another device), and
        ValidationError when the page would not hold it."""
        return self._replace(
            heading_source=None, heading=heading, body=body, base_version=base_version,
            by=by, kind=RevisionKind.EDITED,
        )  # fmt: skip

    def _replace(
        self,
        *,
        heading_source: str | None,
        heading: str,
        body: str,
        base_version: int | None,
        by: User,
        kind: str,
    ) -> bool:
        with transaction.atomic():
            page = self.page
            sections = page.locked()
            index = next(i for i, s in enumerate(sections) if s.pk == self.pk)
            current = sections[index]
            if base_version is not None and current.version != base_version:
                raise StaleVersion
            if heading_source is None:
                heading_source = current.heading_source
                if current.heading_source and heading != current.heading_markdown:
                    try:
                        heading_source = rebuild_heading(current.heading_source, heading, level=2)
                    except ValueError as error:
                        raise ValidationError(str(error)) from error
            if (current.heading_source, current.body) == (heading_source, body):
                return False
            if len(body) > MAX_SECTION_BODY:
                raise ValidationError(
                    f"A section holds up to {MAX_SECTION_BODY:,} characters; this has "
                    f"{len(body):,}."
                )
            last = index == len(sections) - 1
            # Only text followed by more can swallow it (each check parses the text).
            new_problems = set() if last else set(open_ends(body))
            if new_problems:
                new_problems -= set(open_ends(current.body))
            if new_problems:
                raise ValidationError(
                    "This text leaves "
                    + " and ".join(sorted(new_problems))
                    + ", which would swallow the sections after it. Close it and save again."
                )
            self.page = page
            self.heading_source, self.body = heading_source, body
            self.spacing_before, self.spacing_after = current.spacing_before, current.spacing_after
            if body and not last:
                self.spacing_after = sealed(self.spacing_after)
            if (
                body
                and self.is_lead
                and not self.spacing_before
                and page.title_source
                and not page.title_source.endswith("\n\n")
            ):
                self.spacing_before = "\n"
            self.seal(last=last)
            self.version = current.version + 1
            sections[index] = self
            page.check_size(sections)
            page.rerender(sections, saved=self)
            self.save(
                update_fields=[
                    "heading", "heading_source", "heading_html", "heading_id",
                    "spacing_before", "body", "spacing_after", "body_html", "version",
                    "updated_at",
                ]
            )  # fmt: skip
            self.record(kind, by=by)
            page.touch()
        return True

    def remove(self, *, by: User) -> Revision:
        """Delete the section; its text stays in history and can be restored."""
        with transaction.atomic():
            page = self.page
            sections = page.locked()
            revision = self.record(RevisionKind.DELETED, by=by)
            remaining = [s for s in sections if s.pk != self.pk]
            resealed = page.reseal(sections, remaining)
            self.delete()
            page.save_sections(resealed, page.render(remaining))
            page.touch()
        return revision


class RevisionKind(models.TextChoices):
    CREATED = "created", "Added"
    EDITED = "edited", "Edited"
    DELETED = "deleted", "Deleted"
    RESTORED = "restored", "Restored"


class Revision(models.Model):
    """Append-only history of a section's text. A page's history is its sections'."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="revisions")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="revisions"
    )
    section_uid = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=10, choices=RevisionKind.choices)
    heading = models.CharField(max_length=200, blank=True)
    heading_source = models.TextField(blank=True, default="")
    body = models.TextField(blank=True)
    section_version = models.PositiveIntegerField()
    # Where the section stood, so the page can be shown as it was.
    position = models.PositiveIntegerField(default=0)
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["page", "-created_at"], name="revision_page_created"),
            # The cohort's activity of today, read live by the mentor dashboard.
            models.Index(fields=["created_at"], name="revision_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} “{self.label}”"

    @property
    def label(self) -> str:
        if self.heading:
            return self.heading
        return "Untitled section" if self.heading_source else "Introduction"

    def restore(self, *, by: User) -> Section:
        """Bring the section back to this revision's text: in place when it is on the
        page, and, when it was deleted, back onto the page with its history (at the
        end; the text before the first heading goes back to the top). Restoring is a
        revision of its own."""
        live = Section.objects.filter(uid=self.section_uid).first()
        if live is not None:
            if self.kind == RevisionKind.DELETED:
                raise ValidationError("That section is on the page already.")
            live._replace(
                heading_source=self.heading_source, heading="", body=self.body,
                base_version=None, by=by, kind=RevisionKind.RESTORED,
            )  # fmt: skip
            return live
        with transaction.atomic():
            page = self.page
            sections = page.locked()
            page.check_room(len(sections))
            section = Section(
                page=page,
                uid=self.section_uid,
                heading_source=self.heading_source,
                spacing_before="\n" if self.heading_source else "",
                body=self.body,
                version=self.section_version + 1,
            )
            if section.is_lead:
                if sections and sections[0].is_lead:
                    raise ValidationError(
                        "The page has text before its first heading already; copy this "
                        "text into it instead."
                    )
                Section.objects.filter(page=page).update(position=models.F("position") + 1)
                for item in sections:
                    item.position += 1
                section.position = 0
                order = [section, *sections]
            else:
                section.position = sections[-1].position + 1 if sections else 0
                order = [*sections, section]
            section.seal(last=order[-1] is section)
            resealed = page.reseal(sections, order)
            page.check_size(order)
            rendered = page.render(order)
            section.save()
            page.save_sections(resealed, rendered)
            Revision.objects.filter(section_uid=self.section_uid).update(section=section)
            section.record(RevisionKind.RESTORED, by=by)
            page.touch()
        return section
