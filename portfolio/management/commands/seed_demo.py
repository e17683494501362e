from __future__ import annotations

import random
import time
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from portfolio.dashboards import forget_activity
from portfolio.management.progress import Progress
from portfolio.markdown import ANCHOR_PREFIX, github_slug, render_markdown
from portfolio.models import (
    Cohort,
    Comment,
    Membership,
    Page,
    Review,
    Revision,
    RevisionKind,
    Role,
    Section,
    Status,
    Tag,
    User,
    Visibility,
)
from portfolio.services import PROJECT_NEXUS_TEMPLATE

DEMO_PASSWORD = "nexus-demo-2026"
COHORT_SLUG = "prodev-backend-7"

DEMO_PEOPLE = [
    # (username, display name, role in the demo cohort)
    ("olivia", "Olivia Okafor", Role.ORGANIZER),
    ("marcus", "Marcus Reid", Role.MENTOR),
    ("ada", "Ada Nwosu", Role.LEARNER),
    ("grace", "Grace Hopper-Mensah", Role.LEARNER),
    ("tomas", "Tomás Silva", Role.LEARNER),
]

TAGS = ["Python", "Django", "REST APIs", "GraphQL", "Docker", "CI/CD", "PostgreSQL", "Redis"]

# What learners write, section by section: combined at random into varied pages.
BANK = {
    "Overview": [
        "The **ProDev Backend Engineering Program** is twelve weeks of building real services. "
        "This page is my journal of week {week}: what I set out to learn and what stuck.",
        "This week was about {topic}. I started knowing almost nothing about it and ended "
        "with a working feature in our group project.",
        "I kept this journal to remember *why* things work, not just *that* they work. "
        "Week {week} focused on {topic}.",
    ],
    "Key Technologies Covered": [
        "- **Python** – the language behind everything we built.\n- **Django** – models, "
        "views and the admin.\n- **{tech}** – new to me this week.",
        "| Tool | What I used it for |\n|---|---|\n| Django | web framework |\n"
        "| {tech} | {topic} |\n| pytest | proving it works |",
        "- **{tech}** for {topic}\n- **Docker** so the whole team runs the same stack\n"
        "- **GitHub Actions** to run the tests on every push",
    ],
    "Important Backend Development Concepts": [
        "**Database design.** Normalise until it hurts, then add the one index that makes "
        "the slow query fast. `EXPLAIN ANALYZE` became my friend.",
        "**Caching strategies.** Cache what is expensive and rarely changes; invalidate on "
        "write. The hard part is knowing *every* write.",
        "**Asynchronous work.** Sending email inside a request is a bad idea: a slow mail "
        "server makes a slow page. Queue it instead.",
    ],
    "Challenges Faced and Solutions": [
        "1. **N+1 queries on the list endpoint**  \n   *Solution:* `select_related` and "
        "`prefetch_related`; 120 queries became 3.\n\n```python\n"
        "orders = Order.objects.select_related('customer')\n```",
        "1. **Migrations fighting in CI**  \n   *Solution:* one migration per change, and "
        "`makemigrations --check` in the pipeline.",
        "1. **Flaky tests around time**  \n   *Solution:* freeze the clock in tests and "
        "store everything in UTC.",
    ],
    "Best Practices and Personal Takeaways": [
        "- Write the test first when fixing a bug.\n- Small commits with honest messages.\n"
        "- Ask for review early.",
        "- Read the error message twice.\n- Measure before optimising.\n"
        "- Leave the code better than you found it.",
        "- [x] Keep functions short\n- [x] Name things well\n- [ ] Write more docs",
    ],
}
TOPICS = [
    ("REST APIs", "designing REST endpoints"),
    ("GraphQL", "a GraphQL schema"),
    ("Redis", "caching with Redis"),
    ("Docker", "containerising the app"),
    ("PostgreSQL", "query performance"),
    ("CI/CD", "a CI pipeline"),
]
COMMENTS = [
    "Nice write-up. Can you add the query count before and after?",
    "This section is clear — one concrete example would make it great.",
    "Which part surprised you most here?",
    "Good takeaway. How would you test this?",
    "Add a link to the docs you used.",
]


class Command(BaseCommand):
    help = (
        "Build a realistic demo cohort (idempotent) and print how to log in. Flags scale "
        "it up, e.g. --learners 500 --pages 10000 --sections 50000 --comments 100000."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--learners", type=int, default=0, help="Extra learners to add.")
        parser.add_argument("--pages", type=int, default=0, help="Pages across those learners.")
        parser.add_argument("--sections", type=int, default=0, help="Sections across those pages.")
        parser.add_argument("--comments", type=int, default=0, help="Comments across them.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: str, password: str, learners: int, pages: int, sections: int,
               comments: int, seed: int, verbosity: int, **options: object) -> None:  # fmt: skip
        rng = random.Random(seed)
        started = time.monotonic()
        self._progress = Progress(self.stdout, verbosity)
        with transaction.atomic():
            people = {}
            for done, (username, name, _role) in enumerate(DEMO_PEOPLE, start=1):
                people[username] = self.ensure_user(username, name, password)
                self.progress("accounts", done, len(DEMO_PEOPLE))
            cohort = self.ensure_cohort(people)
            tags = [self.ensure_tag(name) for name in TAGS]
            self.demo_pages(cohort, people, tags, rng)
        if learners:
            self.scale(cohort, people, tags, rng, learners, pages, sections, comments, password)
        self.refresh_search()
        # History was bulk-written without signals: the dashboard recounts its activity.
        forget_activity(cohort.pk)
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is ready in “{cohort.name}” ({time.monotonic() - started:.1f} s). "
                "Log in with any of these:"
            )
        )
        for username, name, role in DEMO_PEOPLE:
            email = people[username].email
            self.stdout.write(f"  {email:<24} {password}   ({name}, {role})")

    # -- the small, hand-made demo -----------------------------------------------------

    def ensure_user(self, username: str, name: str, password: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(
                email=f"{username}@demo.nexus.test",
                username=username,
                password=password,
                display_name=name,
            )
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def ensure_cohort(self, people: dict[str, User]) -> Cohort:
        cohort, _ = Cohort.objects.get_or_create(
            slug=COHORT_SLUG,
            defaults={
                "name": "ProDev Backend — Cohort 7",
                "program": "ProDev Backend Engineering",
                "description": (
                    "Twelve weeks of Python, Django, REST and GraphQL APIs, Docker and CI/CD. "
                    "Every learner keeps a journal of what they built, what broke and how "
                    "they fixed it; mentors review it section by section."
                ),
                "starts_on": date(2026, 9, 7),
                "ends_on": date(2026, 11, 27),
            },
        )
        for username, _name, role in DEMO_PEOPLE:
            Membership.objects.get_or_create(
                user=people[username], cohort=cohort, defaults={"role": role}
            )
        return cohort

    def ensure_tag(self, name: str) -> Tag:
        from django.utils.text import slugify

        tag = Tag.objects.filter(name__iexact=name).first()
        return tag or Tag.objects.create(name=name, slug=slugify(name) or "tag")

    def write(self, rng: random.Random, heading: str, week: int) -> str:
        tech, topic = rng.choice(TOPICS)
        return rng.choice(BANK[heading]).format(week=week, tech=tech, topic=topic)

    def demo_pages(
        self, cohort: Cohort, people: dict[str, User], tags: list[Tag], rng: random.Random
    ) -> None:
        if Page.objects.filter(
            cohort=cohort, author__username__in=["ada", "grace", "tomas"]
        ).exists():
            self.progress("pages", 1, 1)
            return
        mentor = people["marcus"]
        plan = [
            ("ada", "Week 3: REST APIs that scale", Status.APPROVED, Visibility.PUBLIC),
            ("ada", "Week 6: Caching with Redis", Status.IN_REVIEW, Visibility.MENTORS),
            ("grace", "Week 4: Docker for the team", Status.CHANGES_REQUESTED, Visibility.COHORT),
            ("grace", "Week 7: GraphQL first steps", Status.DRAFT, Visibility.MENTORS),
            ("tomas", "Week 5: PostgreSQL query tuning", Status.IN_REVIEW, Visibility.COHORT),
        ]  # fmt: skip
        now = timezone.now()
        for done, (username, title, status, visibility) in enumerate(plan, start=1):
            author = people[username]
            week = int(title.split()[1].rstrip(":"))
            page = Page.objects.create(
                cohort=cohort,
                author=author,
                title=title,
                title_source=f"# {title}\n\n",
                slug=title.lower().replace(":", "").replace(" ", "-"),
                summary=f"What I learned in week {week}, and what I would do differently.",
                visibility=visibility,
            )
            for heading, prompt in PROJECT_NEXUS_TEMPLATE:
                body = (
                    ""
                    if status == Status.DRAFT and rng.random() < 0.4
                    else self.write(rng, heading, week)
                )
                page.add_section(heading=heading, body=body, prompt=prompt, by=author)
            page.tags.set(rng.sample(tags, 3))
            when = now - timedelta(days=7 * (12 - week) + rng.randint(0, 3))
            Revision.objects.filter(page=page).update(created_at=when)
            Page.objects.filter(pk=page.pk).update(created_at=when, updated_at=when)
            section = page.sections.order_by("?")[0]  # it has its template's sections
            Comment.objects.create(
                page=page, section=section, section_uid=section.uid, author=mentor,
                body=rng.choice(COMMENTS), body_html=render_markdown(rng.choice(COMMENTS)),
                page_version=1, section_version=section.version,
            )  # fmt: skip
            if status != Status.DRAFT:
                page.status = status
                page.submitted_at = when + timedelta(days=1)
                if status in {Status.APPROVED, Status.CHANGES_REQUESTED}:
                    Review.objects.create(
                        page=page, reviewer=mentor, verdict=status,
                        summary="Clear and honest. " + rng.choice(COMMENTS),
                        page_version=page.content_version,
                        waited=timedelta(hours=rng.randint(2, 40)),
                        created_at=when + timedelta(days=2),
                    )  # fmt: skip
                    page.approved_at = (
                        when + timedelta(days=2) if status == Status.APPROVED else None
                    )
                page.save(update_fields=["status", "submitted_at", "approved_at"])
            self.progress("pages", done, len(plan))

    # -- the large cohort ----------------------------------------------------------------

    def scale(
        self,
        cohort: Cohort,
        people: dict[str, User],
        tags: list[Tag],
        rng: random.Random,
        learners: int,
        pages: int,
        sections: int,
        comments: int,
        password: str,
    ) -> None:
        # Each stage tops up to its target, so a second run adds nothing and a larger
        # run adds only the difference.
        existing = User.objects.filter(username__startswith="learner").count()
        hashed = make_password(password)
        batch = 2000
        new_users = [
            User(
                username=f"learner{n:04}",
                email=f"learner{n:04}@demo.nexus.test",
                display_name=f"Learner {n:04}",
                password=hashed,
            )
            for n in range(existing, learners)
        ]
        self.bulk("learners", User, new_users, batch)
        created = list(User.objects.filter(username__startswith="learner").order_by("pk"))
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in created],
            batch_size=batch,
            ignore_conflicts=True,
        )
        self.bulk(
            "members",
            Membership,
            [Membership(user=u, cohort=cohort, role=Role.LEARNER) for u in created],
            batch,
            ignore_conflicts=True,
        )
        pages = max(pages, len(created))
        have_pages = Page.objects.filter(slug__startswith="journal-").count()
        now = timezone.now()
        statuses = [Status.DRAFT, Status.IN_REVIEW, Status.APPROVED, Status.CHANGES_REQUESTED]
        visibilities = [
            Visibility.MENTORS,
            Visibility.COHORT,
            Visibility.PUBLIC,
            Visibility.PRIVATE,
        ]
        new_pages = []
        for n in range(have_pages, pages):
            author = created[n % len(created)]
            when = now - timedelta(days=rng.randint(0, 83), hours=rng.randint(0, 23))
            status = rng.choice(statuses)
            new_pages.append(
                Page(
                    cohort=cohort,
                    author=author,
                    title=(title := f"Week {n % 12 + 1}: {rng.choice(TOPICS)[1].capitalize()}"),
                    title_source=f"# {title}\n\n",
                    slug=f"journal-{n:05}",
                    summary="What I learned, what broke, how I fixed it.",
                    visibility=rng.choice(visibilities),
                    status=status,
                    created_at=when,
                    updated_at=when,
                    submitted_at=when if status != Status.DRAFT else None,
                    approved_at=when if status == Status.APPROVED else None,
                )  # fmt: skip
            )
        self.bulk("pages", Page, new_pages, batch)
        page_rows = list(
            Page.objects.filter(slug__startswith="journal-")
            .order_by("slug")
            .values_list("pk", "author_id", "updated_at")
        )
        rendered = {
            (heading, i): (text, render_markdown(text))
            for heading, texts in BANK.items()
            for i, text in enumerate(t.format(week=3, tech="Django", topic="APIs") for t in texts)
        }
        headings = [heading for heading, _prompt in PROJECT_NEXUS_TEMPLATE]
        sections = max(sections, len(page_rows))
        have_sections = Section.objects.filter(page__slug__startswith="journal-").count()
        new_sections, new_revisions = [], []
        for n in range(have_sections, sections):
            page_id, author_id, when = page_rows[n % len(page_rows)]
            heading = headings[(n // len(page_rows)) % len(headings)]
            body, html = rendered[(heading, rng.randrange(len(BANK[heading])))]
            section = Section(page_id=page_id, heading=heading, heading_source=f"## {heading}\n",
                              heading_html=heading, heading_id=ANCHOR_PREFIX + github_slug(heading),
                              spacing_before="\n", body=body, spacing_after="\n\n",
                              body_html=html, position=n // len(page_rows))  # fmt: skip
            new_sections.append(section)
            new_revisions.append(
                Revision(
                    page_id=page_id,
                    section_uid=section.uid,
                    kind=RevisionKind.CREATED,
                    heading=heading,
                    heading_source=f"## {heading}\n",
                    body=body,
                    section_version=1,
                    position=n // len(page_rows),
                    author_id=author_id,
                    created_at=when,
                )  # fmt: skip
            )
        self.bulk("sections", Section, new_sections, batch)
        self.bulk("history", Revision, new_revisions, batch)
        section_rows = list(
            Section.objects.filter(page__slug__startswith="journal-").values_list(
                "pk", "page_id", "uid"
            )
        )
        mentor = people["marcus"]
        html_for = {text: render_markdown(text) for text in COMMENTS}
        new_comments = []
        have_comments = Comment.objects.filter(page__slug__startswith="journal-").count()
        for n in range(have_comments, comments):
            section_id, page_id, uid = section_rows[n % len(section_rows)]
            text = rng.choice(COMMENTS)
            new_comments.append(
                Comment(
                    page_id=page_id,
                    section_id=section_id,
                    section_uid=uid,
                    author=mentor,
                    body=text,
                    body_html=html_for[text],
                    page_version=1,
                    section_version=1,
                )  # fmt: skip
            )
        self.bulk("comments", Comment, new_comments, batch)

    def bulk[M: Model](
        self,
        label: str,
        model: type[M],
        rows: list[M],
        batch: int,
        *,
        ignore_conflicts: bool = False,
    ) -> None:
        total = len(rows)
        for start in range(0, total, batch):
            model._default_manager.bulk_create(
                rows[start : start + batch], batch_size=batch, ignore_conflicts=ignore_conflicts
            )
            self.progress(label, min(start + batch, total), total)
        if not total:
            self.progress(label, 1, 1)

    def refresh_search(self) -> None:
        """One statement brings every page's search vector up to date (PostgreSQL)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE portfolio_page AS p SET search_vector =
                  setweight(to_tsvector('english', coalesce(p.title, '')), 'A') ||
                  setweight(to_tsvector('english', coalesce(s.headings, '')), 'B') ||
                  setweight(to_tsvector('english', coalesce(p.summary, '') || ' ' ||
                                                   coalesce(s.bodies, '')), 'C')
                FROM (SELECT page_id, string_agg(heading, ' ') AS headings,
                             string_agg(body, ' ') AS bodies
                      FROM portfolio_section GROUP BY page_id) AS s
                WHERE s.page_id = p.id AND p.search_vector IS NULL
                """
            )
            # Fresh bulk rows leave the planner guessing until autovacuum gets round to
            # them; statistics now make the first queries on a big cohort use the indexes.
            self.stdout.write("  Updating the query planner's statistics (ANALYZE)")
            cursor.execute("ANALYZE")

    def progress(self, label: str, done: int, total: int) -> None:
        self._progress.step(label, done, total)
