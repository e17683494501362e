from __future__ import annotations

import re
import secrets
import uuid

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

# Handles live at /@<username>/, so they stay URL-safe, and words that name (or may
# one day name) a part of the site are refused to avoid confusing look-alike pages.
RESERVED_USERNAMES = frozenset(
    [
        "about",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "assets",
        "auth",
        "cohort",
        "cohorts",
        "dashboard",
        "docs",
        "email",
        "explore",
        "healthz",
        "help",
        "home",
        "join",
        "login",
        "logout",
        "me",
        "media",
        "mentor",
        "mentors",
        "new",
        "nexus",
        "notifications",
        "organizer",
        "pages",
        "portfolio",
        "privacy",
        "profile",
        "review",
        "robots",
        "root",
        "search",
        "security",
        "settings",
        "signup",
        "sitemap",
        "staff",
        "static",
        "support",
        "system",
        "terms",
        "user",
        "users",
        "www",
    ]
)


def validate_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_USERNAMES:
        raise ValidationError(
            "“%(value)s” is reserved. Please choose another username.",
            code="reserved",
            params={"value": value},
        )


username_format = RegexValidator(
    r"^[a-zA-Z0-9](?:[a-zA-Z0-9_-]*[a-zA-Z0-9])?\Z",
    "Use letters, digits, hyphens and underscores, starting and ending with a letter or digit.",
    code="invalid_username",
)
username_validators = [username_format, validate_not_reserved]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def _create(self, email: str, username: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        if not username:
            raise ValueError("A username is required.")
        user = self.model(email=self.normalize_email(email), username=username.lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, username: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, username, password, **extra)

    def create_superuser(
        self, email: str, username: str, password: str | None = None, **extra
    ) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, username, password, **extra)


class User(AbstractUser):
    """A Nexus account. The email is the login; the username is the public handle."""

    username = models.CharField(
        max_length=30,
        unique=True,
        validators=username_validators,
        help_text="Your handle in URLs: nexus/@handle. Letters, digits, - and _.",
        error_messages={"unique": "That username is taken."},
    )
    email = models.EmailField(
        "email address", unique=True, error_messages={"unique": "That email is in use."}
    )
    display_name = models.CharField(max_length=80, blank=True)
    bio = models.TextField(max_length=500, blank=True)
    # Up to five links (portfolio, GitHub, LinkedIn…), one per line.
    links = models.TextField(max_length=1000, blank=True)
    first_name = None
    last_name = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        self.username = self.username.lower()

    def save(self, *args, **kwargs) -> None:
        self.username = self.username.lower()
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.display_name or self.username

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


# Cohorts ------------------------------------------------------------------------------


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    MENTOR = "mentor", "Mentor"
    ORGANIZER = "organizer", "Organizer"


# /cohorts/new/ is a page of its own, so no cohort may be called "new".
RESERVED_COHORT_SLUGS = frozenset({"new"})


class Cohort(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text="Its address: /cohorts/<slug>/. Lowercase letters, digits and hyphens.",
        error_messages={"unique": "Another cohort already uses this address."},
    )
    program = models.CharField(
        max_length=120, blank=True, help_text="e.g. ProDev Backend Engineering"
    )
    description = models.TextField(max_length=4000, blank=True)
    starts_on = models.DateField("starts", null=True, blank=True)
    ends_on = models.DateField("ends", null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="cohort_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=~models.Q(slug__in=sorted(RESERVED_COHORT_SLUGS)),
                name="cohort_slug_not_reserved",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cohort_detail", args=[self.slug])

    @property
    def archived(self) -> bool:
        return self.archived_at is not None

    def archive(self) -> None:
        self.archived_at = timezone.now()
        self.save(update_fields=["archived_at", "updated_at"])

    def restore(self) -> None:
        self.archived_at = None
        self.save(update_fields=["archived_at", "updated_at"])


class LastOrganizerError(ValidationError):
    """Raised when a change would leave a cohort without an organizer."""


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "cohort"], name="membership_once_per_cohort"),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "role"], name="membership_cohort_role")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort} as {self.role}"

    def _lock_organizers(self) -> None:
        """Lock the cohort's organizers, so two demotions cannot both pass the check."""
        list(
            Membership.objects.select_for_update()
            .filter(cohort_id=self.cohort_id, role=Role.ORGANIZER)
            .values_list("pk", flat=True)
        )

    def _is_last_organizer(self) -> bool:
        if self.role != Role.ORGANIZER:
            return False
        others = Membership.objects.filter(cohort_id=self.cohort_id, role=Role.ORGANIZER)
        return not others.exclude(pk=self.pk).exists()

    def change_role(self, role: str) -> None:
        with transaction.atomic():
            self._lock_organizers()
            if role != Role.ORGANIZER and self._is_last_organizer():
                raise LastOrganizerError(
                    "A cohort needs at least one organizer. Make someone else an organizer first."
                )
            self.role = role
            self.save(update_fields=["role"])

    def remove(self) -> None:
        with transaction.atomic():
            self._lock_organizers()
            if self._is_last_organizer():
                raise LastOrganizerError(
                    "The last organizer cannot leave or be removed. "
                    "Make someone else an organizer first."
                )
            self.delete()


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class InviteState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    USED_UP = "used_up", "Used up"


class InviteUnusable(Exception):
    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class Invite(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.LEARNER)
    token = models.CharField(max_length=64, unique=True, default=new_invite_token, editable=False)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=30)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="invites_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="invite_role_valid"
            ),
            models.CheckConstraint(condition=models.Q(max_uses__gte=1), name="invite_max_uses_1"),
            models.CheckConstraint(
                condition=models.Q(uses__lte=models.F("max_uses")), name="invite_uses_within_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} invite to {self.cohort}"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return InviteState.REVOKED
        if self.uses >= self.max_uses:
            return InviteState.USED_UP
        if self.expires_at <= timezone.now():
            return InviteState.EXPIRED
        return InviteState.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.state == InviteState.ACTIVE

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])

    def accept(self, user: User) -> tuple[Membership, bool]:
        """Join the cohort. Returns (membership, created); accepting twice is harmless."""
        with transaction.atomic():
            invite = Invite.objects.select_for_update().select_related("cohort").get(pk=self.pk)
            existing = Membership.objects.filter(user=user, cohort_id=invite.cohort_id).first()
            if existing is not None:
                return existing, False
            if invite.cohort.archived:
                raise InviteUnusable("archived")
            if invite.state != InviteState.ACTIVE:
                raise InviteUnusable(invite.state)
            membership = Membership.objects.create(
                user=user, cohort_id=invite.cohort_id, role=invite.role
            )
            Invite.objects.filter(pk=invite.pk).update(uses=models.F("uses") + 1)
        self.refresh_from_db(fields=["uses"])
        return membership, True


# Journal pages --------------------------------------------------------------------------


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


class PageQuerySet(models.QuerySet):
    def visible_to(self, user: User | None) -> PageQuerySet:
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


# How many sections a page holds: an import, a new section and a restore all stop here.
MAX_SECTIONS = 100


class Page(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="pages")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pages")
    title = models.CharField(max_length=200)
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
        """Record a change to the page's content."""
        from portfolio.pagecache import bump

        self.updated_at = timezone.now()
        Page.objects.filter(pk=self.pk).update(
            updated_at=self.updated_at, content_version=models.F("content_version") + 1
        )
        self.content_version += 1
        self.refresh_search()
        bump(self.author.username)

    def refresh_search(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        from django.contrib.postgres.search import SearchVector
        from django.db.models import StringAgg
        from django.db.models.functions import Coalesce

        def gathered(field: str):
            return Coalesce(
                models.Subquery(
                    Section.objects.filter(page=models.OuterRef("pk"))
                    .values("page")
                    .annotate(text=StringAgg(field, models.Value(" ")))
                    .values("text")
                ),
                models.Value(""),
                output_field=models.TextField(),
            )

        Page.objects.filter(pk=self.pk).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector(gathered("heading"), weight="B", config="english")
            + SearchVector("summary", weight="C", config="english")
            + SearchVector(gathered("body"), weight="C", config="english")
        )

    def next_position(self) -> int:
        last = self.sections.aggregate(models.Max("position"))["position__max"]
        return 0 if last is None else last + 1

    def save_meta(self, *, title: str, summary: str, base_version: int) -> bool:
        """Save title and summary unless someone saved since base_version.

        Returns whether anything changed; raises StaleVersion on a conflict."""
        with transaction.atomic():
            current = Page.objects.select_for_update().get(pk=self.pk)
            if current.version != base_version:
                raise StaleVersion
            if (current.title, current.summary) == (title, summary):
                return False
            self.title, self.summary = title, summary
            self.version = current.version + 1
            self.save(update_fields=["title", "summary", "version"])
            self.touch()
        return True

    def check_room(self) -> None:
        """Refuse one section more than a page holds."""
        if self.sections.count() >= MAX_SECTIONS:
            raise ValidationError(f"A page holds up to {MAX_SECTIONS} sections.")

    def add_section(self, *, heading: str, body: str = "", prompt: str = "", by: User) -> Section:
        with transaction.atomic():
            self.check_room()
            section = Section(
                page=self, heading=heading, body=body, prompt=prompt, position=self.next_position()
            )
            section.render()
            section.save()
            section.record(RevisionKind.CREATED, by=by)
            self.touch()
        return section

    def submit(self) -> bool:
        """Ask for a review. A private page is raised to mentors so they can read it;
        returns whether that happened."""
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
        if self.status != Status.IN_REVIEW:
            raise ValidationError("Only a page waiting for review can be withdrawn.")
        last = self.reviews.first()
        self.status = last.verdict if last else Status.DRAFT
        self.submitted_at = None
        self.save(update_fields=["status", "submitted_at"])
        Claim.objects.filter(page=self).delete()

    def move_section(self, section: Section, direction: str) -> bool:
        """Swap a section with its neighbour above ("up") or below ("down")."""
        with transaction.atomic():
            ordered = list(self.sections.select_for_update().order_by("position", "id"))
            index = next(i for i, s in enumerate(ordered) if s.pk == section.pk)
            other = index - 1 if direction == "up" else index + 1
            if not 0 <= other < len(ordered):
                return False
            ordered[index], ordered[other] = ordered[other], ordered[index]
            for position, item in enumerate(ordered):
                if item.position != position:
                    Section.objects.filter(pk=item.pk).update(position=position)
            self.touch()
        return True


class StaleVersion(Exception):
    """A save started from a version that is no longer current."""


class Section(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="sections")
    # Stable identity across delete and restore, so history stays one story.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    heading = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    body_html = models.TextField(blank=True, editable=False)
    prompt = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["page", "position"], name="section_page_position")]

    def __str__(self) -> str:
        return self.heading

    @property
    def anchor(self) -> str:
        return f"section-{self.uid.hex[:12]}"

    def render(self) -> None:
        from portfolio.markdown import render_markdown

        self.body_html = render_markdown(self.body)

    def record(self, kind: str, *, by: User | None) -> Revision:
        return Revision.objects.create(
            page_id=self.page_id,
            section=None if kind == RevisionKind.DELETED else self,
            section_uid=self.uid,
            kind=kind,
            heading=self.heading,
            body=self.body,
            section_version=self.version,
            author=by,
        )

    def save_text(self, *, heading: str, body: str, base_version: int, by: User) -> bool:
        """Save a new heading and body unless someone saved since base_version.

        Every real change writes a Revision. Returns whether anything changed; raises
        StaleVersion when the section moved on (another tab, another device)."""
        with transaction.atomic():
            current = Section.objects.select_for_update().get(pk=self.pk)
            if current.version != base_version:
                raise StaleVersion
            if (current.heading, current.body) == (heading, body):
                return False
            self.heading, self.body = heading, body
            self.version = current.version + 1
            self.render()
            self.save(update_fields=["heading", "body", "body_html", "version", "updated_at"])
            self.record(RevisionKind.EDITED, by=by)
            self.page.touch()
        return True

    def remove(self, *, by: User) -> Revision:
        """Delete the section; its text stays in history and can be restored."""
        with transaction.atomic():
            revision = self.record(RevisionKind.DELETED, by=by)
            page = self.page
            self.delete()
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
    heading = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    section_version = models.PositiveIntegerField()
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
        return f"{self.get_kind_display()} “{self.heading}”"

    def restore(self, *, by: User) -> Section:
        """Bring a deleted section back, at the end of the page, with its history."""
        with transaction.atomic():
            page = Page.objects.select_for_update().get(pk=self.page_id)
            if Section.objects.filter(uid=self.section_uid).exists():
                raise ValidationError("That section is on the page already.")
            page.check_room()
            section = Section(
                page=page,
                uid=self.section_uid,
                heading=self.heading,
                body=self.body,
                position=page.next_position(),
                version=self.section_version + 1,
            )
            section.render()
            section.save()
            Revision.objects.filter(section_uid=self.section_uid).update(section=section)
            section.record(RevisionKind.RESTORED, by=by)
            page.touch()
        return section


# Comments -------------------------------------------------------------------------------

MENTION = re.compile(r"(?<![\w/@.])@([A-Za-z0-9](?:[A-Za-z0-9_-]{0,28}[A-Za-z0-9])?)\b")


class Comment(models.Model):
    """A comment on a page, or on one of its sections, optionally about quoted words.

    A thread is a root comment and its replies (one level). The thread's state —
    resolved, addressed — lives on the root. A comment remembers the section revision
    it was written against, so it can tell when the text changed under it."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(
        Section, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    # Which section's thread this is, stable across the section's delete and restore.
    section_uid = models.UUIDField(null=True, blank=True, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="comments")
    body = models.TextField(max_length=5000)
    body_html = models.TextField(blank=True, editable=False)
    quote = models.CharField(max_length=500, blank=True)
    page_version = models.PositiveIntegerField()
    section_version = models.PositiveIntegerField(null=True, blank=True)
    revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mentions = models.ManyToManyField(User, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    addressed_at = models.DateTimeField(null=True, blank=True)
    addressed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    addressed_revision = models.ForeignKey(
        Revision, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | models.Q(quote=""),
                name="comment_replies_quote_nothing",
            ),
        ]
        indexes = [models.Index(fields=["page", "created_at"], name="comment_page_created")]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.page}"

    @property
    def is_root(self) -> bool:
        return self.parent_id is None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None

    def render(self, *, mentionable: dict[str, User]) -> list[User]:
        """Render the body; @username of a cohort member becomes a profile link.
        Returns the users mentioned."""
        from portfolio.markdown import render_markdown

        mentioned: dict[int, User] = {}

        def link(match: re.Match) -> str:
            user = mentionable.get(match.group(1).lower())
            if user is None:
                return match.group(0)
            mentioned[user.pk] = user
            return f"[@{user.username}](/@{user.username}/)"

        self.body_html = render_markdown(MENTION.sub(link, self.body))
        return list(mentioned.values())

    def edit(self, body: str, *, mentionable: dict[str, User]) -> None:
        self.body = body
        users = self.render(mentionable=mentionable)
        self.edited_at = timezone.now()
        self.save(update_fields=["body", "body_html", "edited_at"])
        self.mentions.set(users)

    def soft_delete(self) -> None:
        self.deleted_at = timezone.now()
        self.body, self.body_html, self.quote = "", "", ""
        self.save(update_fields=["deleted_at", "body", "body_html", "quote"])
        self.mentions.clear()

    def resolve(self, *, by: User) -> None:
        self.resolved_at, self.resolved_by = timezone.now(), by
        self.save(update_fields=["resolved_at", "resolved_by"])

    def reopen(self) -> None:
        self.resolved_at, self.resolved_by = None, None
        self.addressed_at, self.addressed_by, self.addressed_revision = None, None, None
        self.save(
            update_fields=[
                "resolved_at",
                "resolved_by",
                "addressed_at",
                "addressed_by",
                "addressed_revision",
            ]
        )

    def mark_addressed(self, *, by: User, revision: Revision | None) -> None:
        self.addressed_at, self.addressed_by = timezone.now(), by
        self.addressed_revision = revision
        self.save(update_fields=["addressed_at", "addressed_by", "addressed_revision"])


# Reviews ------------------------------------------------------------------------------


class Verdict(models.TextChoices):
    APPROVED = "approved", "Approve"
    CHANGES_REQUESTED = "changes_requested", "Request changes"


class Review(models.Model):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, related_name="reviews_given"
    )
    verdict = models.CharField(max_length=20, choices=Verdict.choices)
    summary = models.TextField(max_length=5000)
    # The page's content_version the verdict was about.
    page_version = models.PositiveIntegerField()
    # How long the page had waited in the queue, for the queue's health figures.
    waited = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict__in=Verdict.values), name="review_verdict_valid"
            )
        ]
        indexes = [models.Index(fields=["page", "-created_at"], name="review_page_created")]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on {self.page}"


class Mark(models.TextChoices):
    GOOD = "good", "Looks good"
    NEEDS_WORK = "needs_work", "Needs work"


class SectionMark(models.Model):
    """A mentor's verdict on one section. It holds while the section is unchanged: a
    mark whose section_version is not the section's current version has expired."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="marks")
    section_uid = models.UUIDField()
    section_version = models.PositiveIntegerField()
    mark = models.CharField(max_length=12, choices=Mark.choices)
    reviewer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "section_uid"], name="one_mark_per_section"),
            models.CheckConstraint(condition=models.Q(mark__in=Mark.values), name="mark_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mark_display()} ({self.section_uid})"


class Claim(models.Model):
    """A mentor saying "I'm reviewing this one", so two do not review the same page."""

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="claim")
    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="claims")
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.mentor} reviews {self.page}"

    @property
    def active(self) -> bool:
        return self.expires_at > timezone.now()

    def held_by_someone_else(self, user: User) -> bool:
        """Whether this claim keeps `user` off the page: an active claim of another."""
        return self.active and self.mentor_id != user.pk


class SavedReply(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="saved_replies")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_replies")
    title = models.CharField(max_length=80)
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


# Notifications ------------------------------------------------------------------------


class NotificationKind(models.TextChoices):
    SUBMITTED = "submitted", "A page is submitted for review"
    REVIEWED = "reviewed", "Your page is reviewed"
    COMMENT = "comment", "Someone comments on your page"
    REPLY = "reply", "Someone replies in your thread"
    MENTION = "mention", "Someone mentions you"
    RESOLVED = "resolved", "Your thread is resolved"
    ADDRESSED = "addressed", "Your feedback is addressed"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Right away"
    DIGEST = "digest", "Daily digest"
    OFF = "off", "Off"


class Notification(models.Model):
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    verb = models.CharField(max_length=200)
    page = models.ForeignKey(Page, on_delete=models.CASCADE, null=True, related_name="+")
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb}"


class EmailPreference(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=12, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind} {self.delivery}"
