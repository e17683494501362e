"""Workflows that span several models. Keyword-only, named <thing>_<action>."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from portfolio.models import (
    Claim,
    Cohort,
    Comment,
    NotificationKind,
    Page,
    Review,
    Revision,
    RevisionKind,
    Role,
    Section,
    Status,
    Tag,
    User,
    Verdict,
    Visibility,
)
from portfolio.models.journal import count_words
from portfolio.notifications import notify
from portfolio.readme import (
    ParsedPage,
    ParsedSection,
    escape_markdown,
    export_markdown,
    rebuild_heading,
)
from portfolio.threads import mentionable_users

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


# /@user/edit/ is the profile editor, so no page may take that address.
RESERVED_PAGE_SLUGS = frozenset({"edit"})


def unique_page_slug(author: User, title: str) -> str:
    base = slugify(title)[:70].strip("-") or "page"
    if base in RESERVED_PAGE_SLUGS:
        base = f"{base}-page"
    taken = set(
        Page.objects.filter(author=author, slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _new_page(*, author: User, title: str, **fields: object) -> Page:
    """Create a page at a free address. Two pages of one title created at once (two
    tabs, a sync job) both get one: the insert that loses the race to the unique slug
    looks again and takes the next number, instead of failing with a 500."""
    lost = 0
    while True:
        try:
            with transaction.atomic():
                return Page.objects.create(
                    author=author, title=title, slug=unique_page_slug(author, title), **fields
                )
        except IntegrityError:
            lost += 1
            if lost == 8:
                raise


def page_create(*, cohort: Cohort, author: User, title: str, from_template: bool) -> Page:
    sections = (
        [
            ParsedSection(heading_source=f"## {heading}\n", before="\n", body="", after="")
            for heading, _prompt in PROJECT_NEXUS_TEMPLATE
        ]
        if from_template
        else []
    )
    prompts = [prompt for _heading, prompt in PROJECT_NEXUS_TEMPLATE] if from_template else []
    try:
        head = rebuild_heading("", escape_markdown(title), level=1) + "\n"
    except ValueError:
        head = ""  # a title no heading can say travels in the export's metadata
    with transaction.atomic():
        page = _new_page(cohort=cohort, author=author, title=title, title_source=head)
        page_fill(page=page, sections=sections, prompts=prompts, by=author)
    return page


def page_fill(
    *,
    page: Page,
    sections: list[ParsedSection],
    by: User,
    prompts: Sequence[str] = (),
    rendered: bool = False,
) -> list[Section]:
    """Give a new page its sections in a fixed number of queries: one render of the
    whole document (unless the parts come `rendered` from an import), the sections and
    their first revisions in bulk."""
    rows = [
        Section(
            page=page,
            heading_source=part.heading_source,
            spacing_before=part.before,
            body=part.body,
            spacing_after=part.after,
            heading=part.heading,
            heading_html=part.heading_html,
            heading_id=part.heading_id,
            body_html=part.body_html,
            prompt=prompt,
            position=position,
        )
        for position, (part, prompt) in enumerate(
            zip(sections, [*prompts, *[""] * (len(sections) - len(prompts))], strict=True)
        )
    ]
    if not rendered:
        page.render(rows)
    Section.objects.bulk_create(rows)
    Revision.objects.bulk_create(
        Revision(
            page=page,
            section=row,
            section_uid=row.uid,
            kind=RevisionKind.CREATED,
            heading=row.heading,
            heading_source=row.heading_source,
            body=row.body,
            section_version=row.version,
            position=row.position,
            author=by,
        )
        for row in rows
    )
    page.touch()
    return rows


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
        page = _new_page(
            cohort=cohort,
            author=author,
            title=parsed.title,
            title_source=parsed.title_source,
            head_html=parsed.head_html,
            footnotes_html=parsed.footnotes_html,
            references=parsed.references,
            word_count=count_words(parsed.shown_html),
            summary=parsed.summary,
        )
        page_fill(page=page, sections=parsed.sections, by=author, rendered=True)
        if parsed.tags:
            page.tags.set([tag_get_or_create(name) for name in parsed.tags])
    return page


def page_export(*, page: Page) -> str:
    # .all() so that prefetched sections and tags are used when a caller has them.
    sections: list[Section] = list(page.sections.all())
    return export_markdown(
        title=page.title,
        title_source=page.title_source,
        summary=page.summary,
        tags=[tag.name for tag in page.tags.all()],
        sections=[section.source for section in sections],
    )


# Comments and reviews -----------------------------------------------------------------


def comment_post(
    *,
    page: Page,
    author: User,
    body: str,
    section: Section | None = None,
    parent: Comment | None = None,
    quote: str = "",
) -> Comment:
    """Post a comment or a reply and tell the people it concerns."""
    latest = (
        Revision.objects.filter(section_uid=section.uid).order_by("-pk").first()
        if section is not None
        else None
    )
    with transaction.atomic():
        comment = Comment(
            page=page,
            section=section,
            section_uid=section.uid if section else None,
            parent=parent,
            author=author,
            body=body,
            quote="" if parent else quote,
            page_version=page.content_version,
            section_version=section.version if section else None,
            revision=latest,
        )
        mentioned = comment.render(mentionable=mentionable_users(page, body))
        comment.save()
        if mentioned:
            comment.mentions.set(mentioned)
        url = f"{page.get_absolute_url()}#comment-{comment.pk}"
        where = f"“{section.label}” in “{page.title}”" if section else f"“{page.title}”"
        notify(
            recipients=mentioned,
            actor=author,
            kind=NotificationKind.MENTION,
            verb=f"mentioned you on {where}",
            page=page,
            url=url,
        )
        told = {user.pk for user in mentioned}
        if parent is not None and parent.author_id and parent.author_id not in told:
            notify(
                recipients=[parent.author],
                actor=author,
                kind=NotificationKind.REPLY,
                verb=f"replied to your comment on {where}",
                page=page,
                url=url,
            )
            told.add(parent.author_id)
        if page.author_id not in told:
            notify(
                recipients=[page.author],
                actor=author,
                kind=NotificationKind.COMMENT,
                verb=f"commented on {where}",
                page=page,
                url=url,
            )
    return comment


def thread_notify(*, comment: Comment, actor: User, kind: NotificationKind) -> None:
    """Tell a thread's author it was resolved or addressed."""
    page = comment.page
    verb = {
        NotificationKind.RESOLVED: f"resolved your thread on “{page.title}”",
        NotificationKind.ADDRESSED: f"addressed your feedback on “{page.title}”",
    }[kind]
    if comment.author is not None:
        notify(
            recipients=[comment.author],
            actor=actor,
            kind=kind,
            verb=verb,
            page=page,
            url=f"{page.get_absolute_url()}#thread-{comment.pk}",
        )


def page_submit(*, page: Page, by: User, publish_on_approval: bool | None = None) -> bool:
    """Ask the cohort's reviewers for a review; `publish_on_approval` (when given) says
    whether the page goes public by itself once approved."""
    with transaction.atomic():
        raised = page.submit()
        if publish_on_approval is not None and publish_on_approval != page.publish_on_approval:
            page.publish_on_approval = publish_on_approval
            page.save(update_fields=["publish_on_approval"])
        reviewers = User.objects.filter(
            memberships__cohort=page.cohort,
            memberships__role__in=[Role.MENTOR, Role.ORGANIZER],
        )
        notify(
            recipients=reviewers,
            actor=by,
            kind=NotificationKind.SUBMITTED,
            verb=f"submitted “{page.title}” for review",
            page=page,
            url=reverse("page_review", args=[page.author.username, page.slug]),
        )
    return raised


def review_submit(*, page: Page, reviewer: User, verdict: str, summary: str) -> Review:
    with transaction.atomic():
        locked = Page.objects.select_for_update().get(pk=page.pk)
        if locked.status != Status.IN_REVIEW:
            raise ValidationError("This page is not waiting for a review any more.")
        now = timezone.now()
        review = Review.objects.create(
            page=page,
            reviewer=reviewer,
            verdict=verdict,
            summary=summary,
            page_version=locked.content_version,
            waited=now - locked.submitted_at if locked.submitted_at else None,
            created_at=now,
        )
        page.status = verdict
        page.approved_at = review.created_at if verdict == Verdict.APPROVED else page.approved_at
        changed = ["status", "approved_at"]
        published = verdict == Verdict.APPROVED and locked.publish_on_approval
        if published and page.visibility != Visibility.PUBLIC:
            # The learner asked for this when submitting.
            page.visibility = Visibility.PUBLIC
            changed.append("visibility")
        page.save(update_fields=changed)
        Claim.objects.filter(page=page).delete()
        if verdict != Verdict.APPROVED:
            verb = f"requested changes on “{page.title}”"
        elif published:
            verb = f"approved “{page.title}”: it is on your public portfolio now"
        else:
            verb = f"approved “{page.title}”: publish it to your portfolio when you like"
        notify(
            recipients=[page.author],
            actor=reviewer,
            kind=NotificationKind.REVIEWED,
            verb=verb,
            page=page,
            url=f"{page.get_absolute_url()}#review-{review.pk}",
        )
    return review
