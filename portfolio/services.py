"""Workflows that span several models. Keyword-only, named <thing>_<action>."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import slugify

from portfolio.models import Cohort, Page, Section, Tag, User
from portfolio.readme import ParsedPage, export_markdown

# The "Project Nexus" journal: the sections of the program's sample README, each with
# a one-line prompt of what to write.
PROJECT_NEXUS_TEMPLATE = [
    (
        "Overview",
        "What is the program or project, and what did you set out to learn?",
    ),
    (
        "Key Technologies Covered",
        "List the tools and languages you used, with a line on what each one was for.",
    ),
    (
        "Important Backend Development Concepts",
        "Which ideas clicked? Explain one the way you would to a classmate.",
    ),
    (
        "Challenges Faced and Solutions",
        "Describe a real problem you hit, what you tried, and what finally worked.",
    ),
    (
        "Best Practices and Personal Takeaways",
        "What will you keep doing, and what would you tell your past self?",
    ),
]


def unique_page_slug(author: User, title: str) -> str:
    base = slugify(title)[:70].strip("-") or "page"
    taken = set(
        Page.objects.filter(author=author, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def page_create(*, cohort: Cohort, author: User, title: str, from_template: bool) -> Page:
    with transaction.atomic():
        page = Page.objects.create(
            cohort=cohort, author=author, title=title, slug=unique_page_slug(author, title)
        )
        if from_template:
            for heading, prompt in PROJECT_NEXUS_TEMPLATE:
                page.add_section(heading=heading, prompt=prompt, by=author)
    return page


def tag_get_or_create(name: str) -> Tag:
    name = " ".join(name.split())[:40]
    tag = Tag.objects.filter(name__iexact=name).first()
    if tag is not None:
        return tag
    base = slugify(name)[:45] or "tag"
    slug, n = base, 2
    while Tag.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return Tag.objects.create(name=name, slug=slug)


def page_import(*, cohort: Cohort, author: User, parsed: ParsedPage) -> Page:
    with transaction.atomic():
        page = Page.objects.create(
            cohort=cohort,
            author=author,
            title=parsed.title,
            summary=parsed.summary,
            slug=unique_page_slug(author, parsed.title),
        )
        for heading, body in parsed.sections:
            page.add_section(heading=heading, body=body, by=author)
        if parsed.tags:
            page.tags.set([tag_get_or_create(name) for name in parsed.tags])
    return page


def page_export(*, page: Page) -> str:
    sections: list[Section] = list(page.sections.all())
    return export_markdown(
        title=page.title,
        summary=page.summary,
        tags=[tag.name for tag in page.tags.all()],
        sections=[(section.heading, section.body) for section in sections],
    )
