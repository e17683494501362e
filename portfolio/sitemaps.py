from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from portfolio.models import Page, User

# Sitemap is generic in django-stubs only: Django's takes no [item type] at run time.
if TYPE_CHECKING:
    PageSitemap = Sitemap[Page]
    UserSitemap = Sitemap[User]
else:
    PageSitemap = UserSitemap = Sitemap


class PublicPages(PageSitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self) -> QuerySet[Page]:
        return (
            Page.objects.visible_to(None)
            .select_related("author")
            .only("slug", "updated_at", "author__username")
            .order_by("pk")
        )

    def lastmod(self, page: Page) -> datetime:
        return page.updated_at


class PublicProfiles(UserSitemap):
    changefreq = "weekly"

    def items(self) -> QuerySet[User]:
        authors = Page.objects.visible_to(None).values("author_id")
        return User.objects.filter(pk__in=authors, is_active=True).only("username").order_by("pk")

    def location(self, user: User) -> str:
        return reverse("profile", args=[user.username])
