from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from portfolio.models import Page, User


class PublicPages(Sitemap):
    changefreq = "weekly"
    limit = 5000

    def items(self):
        return (
            Page.objects.visible_to(None)
            .select_related("author")
            .only("slug", "updated_at", "author__username")
            .order_by("pk")
        )

    def lastmod(self, page: Page):
        return page.updated_at


class PublicProfiles(Sitemap):
    changefreq = "weekly"

    def items(self):
        authors = Page.objects.visible_to(None).values("author_id")
        return User.objects.filter(pk__in=authors, is_active=True).only("username").order_by("pk")

    def location(self, user: User) -> str:
        return reverse("profile", args=[user.username])
