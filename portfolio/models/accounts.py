"""People: the account, its handle and the words a handle may not be."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, AnonymousUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

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
username_validators: list[Callable[[str], None]] = [username_format, validate_not_reserved]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def _create(self, email: str, username: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        if not username:
            raise ValueError("A username is required.")
        user = self.model(email=self.normalize_email(email), username=username.lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str, username: str, password: str | None = None, **extra: object
    ) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, username, password, **extra)

    def create_superuser(
        self, email: str, username: str, password: str | None = None, **extra: object
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
    # Django's way to drop an inherited field; the stubs type AbstractUser's as str fields.
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    # Sign-in is by email, so the manager is Nexus's own, not a subclass of Django's
    # UserManager (whose create_user takes the username first) that AbstractUser's stubs
    # promise.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

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

    def save(self, *args: Any, **kwargs: Any) -> None:
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


# Whoever is looking: a signed-in user or an anonymous visitor (a request's user), or
# None where there is no request (the sitemap, scripts).
type Viewer = User | AnonymousUser | None
