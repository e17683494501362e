"""A cohort in full swing, for the tests that look at every main page as each person
sees it (accessibility, the HTML checker, phones): pages in every state, threads,
reviews, claims, notifications, an open invite."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone

from conftest import make_invite, make_user
from portfolio.models import (
    Claim,
    Cohort,
    Draft,
    Membership,
    Notification,
    Page,
    Revision,
    Role,
    SavedReply,
    User,
)
from portfolio.readme import parse_readme
from portfolio.services import (
    comment_post,
    page_create,
    page_import,
    page_submit,
    review_submit,
)

JOURNEY = """\
# My ProDev Backend journey

[![Python](https://img.shields.io/badge/python-3.13-blue)](https://python.org)

> Twelve weeks of Django, REST and GraphQL APIs, Docker and CI/CD.

- [Overview](#overview)
- [Key Technologies Covered](#key-technologies-covered)
- [Challenges Faced and Solutions](#challenges-faced-and-solutions)

## Overview

The **ProDev Backend Engineering Program** taught me to build *production-ready*
backends.[^1] This page documents what I learned, where I got stuck, and how I got out.

## Key Technologies Covered

| Tool | What for |
|---|---|
| Python | core language |
| Django | web framework |
| Docker | consistent environments |

## Challenges Faced and Solutions

### Scaling API performance

The list endpoint made one query per row:

```python
for order in Order.objects.select_related("customer").only("id", "total", "customer__name"):
    print(order.customer.name, order.total)
```

- [x] Added `select_related`
- [x] Paginated the endpoint
- [ ] Cache the totals in Redis

## Best Practices and Personal Takeaways

Write the test first, then measure before optimising.

[^1]: Cohort 7, 2026.
"""


@dataclass
class World:
    cohort: Cohort
    people: dict[str, User]
    journey: Page
    draft: Page
    waiting: Page
    invite_token: str
    revision: int
    section: int
    # A section of the draft page with the learner's unsaved draft of it.
    drafted: int

    # The not-found page is a main page too: everyone meets it sooner or later.
    MISSING = "/no-such-page/"

    def paths(self, persona: str) -> list[str]:
        journey = self.journey.get_absolute_url()
        waiting = self.waiting.get_absolute_url()
        common = ["/search/?q=django"]
        by_persona = {
            "visitor": [
                "/",
                "/accounts/login/",
                "/accounts/signup/",
                "/accounts/password/reset/",
                "/@lena/",
                journey,
                f"/join/{self.invite_token}/",
                self.MISSING,
            ],
            "learner": [
                "/",
                "/cohorts/",
                "/cohorts/prodev-7/",
                "/cohorts/prodev-7/members/",
                "/pages/new/",
                "/pages/import/",
                journey,
                self.draft.get_absolute_url(),
                f"{journey}history/",
                f"{journey}history/?b={self.revision}",
                f"{journey}history/{self.revision}/page/",
                f"{journey}sections/{self.section}/edit/",
                f"{self.draft.get_absolute_url()}sections/{self.drafted}/draft/compare/",
                f"{self.draft.get_absolute_url()}sections/{self.drafted}/edit/?draft=1",
                "/account/signed-in/",
                "/notifications/",
                "/notifications/settings/",
                "/@lena/",
                "/@lena/edit/",
                "/account/delete/",
                "/accounts/email/",
                "/accounts/password/change/",
            ],
            "mentor": [
                "/",
                "/cohorts/prodev-7/review/",
                "/cohorts/prodev-7/dashboard/",
                f"{waiting}review/",
                journey,
                waiting,
                "/cohorts/prodev-7/replies/",
                "/notifications/",
            ],
            "organizer": [
                "/",
                "/cohorts/prodev-7/",
                "/cohorts/prodev-7/edit/",
                "/cohorts/prodev-7/members/",
                "/cohorts/new/",
            ],
        }
        return [*by_persona[persona], *common]

    def session_cookie(self, persona: str) -> dict[str, str] | None:
        """A signed-in session for the persona, as a cookie for a browser context."""
        if persona == "visitor":
            return None
        client = Client()
        client.force_login(self.people[persona])
        assert client.session[SESSION_KEY]
        return {
            "name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }


def build_world() -> World:
    lena = make_user("lena", display_name="Lena Learner", bio="Backend learner.")
    lena.links = "https://github.com/lena-learner\nhttps://lena.example.com"
    lena.save()
    pete = make_user("pete", display_name="Pete Peer")
    maya = make_user("maya", display_name="Maya Mentor")
    otto = make_user("otto", display_name="Otto Organizer")
    today = date.today()
    cohort = Cohort.objects.create(
        name="ProDev Backend 7",
        slug="prodev-7",
        program="ProDev Backend Engineering",
        description="Twelve weeks of Django, APIs, Docker and CI/CD.",
        starts_on=today - timedelta(days=60),
        ends_on=today + timedelta(days=24),
    )
    for user, role in ((lena, Role.LEARNER), (pete, Role.LEARNER), (maya, Role.MENTOR),
                       (otto, Role.ORGANIZER)):  # fmt: skip
        Membership.objects.create(user=user, cohort=cohort, role=role)
    invite = make_invite(cohort, role=Role.LEARNER, max_uses=25, created_by=otto)

    journey = page_import(cohort=cohort, author=lena, parsed=parse_readme(JOURNEY))
    journey.summary = "What I learned in twelve weeks, and what I would do differently."
    journey.save()
    journey.tags.create(name="Django", slug="django")
    journey.tags.create(name="Docker", slug="docker")
    sections = list(journey.sections.all())
    overview = next(s for s in sections if s.heading == "Overview")
    challenges = next(s for s in sections if s.heading.startswith("Challenges"))
    overview.save_text(
        heading=overview.heading_markdown,
        body=overview.body + "\n\nIt was hard, and worth it.",
        base_version=overview.version,
        by=lena,
    )
    question = comment_post(
        page=journey, author=maya, section=challenges, body="How did you measure it?"
    )
    comment_post(page=journey, author=lena, section=challenges, parent=question,
                 body="With `django-debug-toolbar` and EXPLAIN.")  # fmt: skip
    page_submit(page=journey, by=lena)
    review_submit(page=journey, reviewer=maya, verdict="approved", summary="Clear and honest.")
    journey.visibility = "public"
    journey.save(update_fields=["visibility"])

    draft = page_create(cohort=cohort, author=lena, title="Week 9: GraphQL", from_template=True)
    drafted = draft.sections.order_by("position")[1]
    Draft.keep(
        user_id=lena.pk,
        section=drafted,
        heading=drafted.heading_markdown,
        body="Schemas first, then resolvers.\n\n- Strawberry for types\n- DataLoader for N+1",
        base_version=drafted.version,
    )
    waiting = page_create(cohort=cohort, author=pete, title="Week 6: Caching", from_template=True)
    first = waiting.sections.first()
    first.save_text(heading=first.heading_markdown, body="Redis in front of the API.",
                    base_version=first.version, by=pete)  # fmt: skip
    page_submit(page=waiting, by=pete)
    Page.objects.filter(pk=waiting.pk).update(submitted_at=timezone.now() - timedelta(days=3))
    Claim.objects.create(page=waiting, mentor=maya, expires_at=timezone.now() + timedelta(1))
    SavedReply.objects.create(cohort=cohort, owner=maya, title="Add an example",
                              body="An example would make this clearer.")  # fmt: skip
    Notification.objects.create(
        recipient=lena,
        actor=maya,
        kind="comment",
        verb="commented on “Overview”",
        url=journey.get_absolute_url(),
    )
    revision = Revision.objects.filter(section=overview).order_by("-pk").first()
    return World(
        cohort=cohort,
        people={"learner": lena, "peer": pete, "mentor": maya, "organizer": otto},
        journey=journey,
        draft=draft,
        waiting=waiting,
        invite_token=invite.token,
        revision=revision.pk,
        section=challenges.pk,
        drafted=drafted.pk,
    )
