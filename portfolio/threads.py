"""Comment threads, made ready to show: grouped by section, each comment told whether
the text it was written on has changed since, with a fixed number of queries."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse

from portfolio.markdown import html_text
from portfolio.models import Comment, Page, Revision, Role, Section, User, Viewer
from portfolio.models.feedback import MENTION
from portfolio.permissions import (
    can_comment,
    can_read_comments,
    comment_abilities,
    role_subquery,
)

PAGE_THREADS = "page"
_SPACE = re.compile(r"\s+")


def _plain(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


@dataclass
class Thread:
    root: Comment
    replies: list[Comment] = field(default_factory=list)

    @property
    def count(self) -> int:
        return 1 + len(self.replies)

    @property
    def reply_key(self) -> str:
        return f"reply-{self.root.pk}"


class ThreadList(list[Thread]):
    """The threads of one comment box: a section's, or the page's own."""

    def __init__(self, key: str, threads: Iterable[Thread] = ()) -> None:
        super().__init__(threads)
        self.key = key

    @property
    def new_key(self) -> str:
        return f"new-{self.key}"

    @property
    def unresolved(self) -> int:
        return sum(1 for thread in self if not thread.root.is_resolved)

    @property
    def comment_count(self) -> int:
        return sum(
            (not thread.root.is_deleted) + sum(not r.is_deleted for r in thread.replies)
            for thread in self
        )


@dataclass
class Threads:
    """Every thread of a page, keyed by section uid (or PAGE_THREADS)."""

    by_key: dict[str, ThreadList]
    visible: bool
    can_comment: bool
    # Rendered comment fragments already in the cache, by fragment key (see below).
    fragments: dict[str, str] = field(default_factory=dict)

    def for_section(self, section: Section) -> ThreadList:
        return self.by_key.get(str(section.uid), ThreadList(str(section.uid)))

    @property
    def page_level(self) -> ThreadList:
        return self.by_key.get(PAGE_THREADS, ThreadList(PAGE_THREADS))


def build_threads(
    page: Page, sections: list[Section], viewer: Viewer, *, only_these: bool = False
) -> Threads:
    """The page's threads, placed under the given sections (threads of sections not
    given, or gone, are the page's). With `only_these`, for a fragment that shows these
    sections alone, only their threads are loaded: the cost does not grow with the
    rest of the page."""
    if not can_read_comments(viewer, page):
        # Visitors and outsiders never see the cohort's discussion, and cost no query.
        return Threads(by_key={}, visible=False, can_comment=False)
    # Each comment comes with its author's role in the cohort (a mentor's comment is
    # marked): one query for the comments and the roles.
    found = page.comments.select_related(
        "author", "revision", "resolved_by", "addressed_revision"
    ).annotate(author_role=role_subquery(page.cohort_id, OuterRef("author_id")))
    if only_these:
        uids = [section.uid for section in sections]
        found = found.filter(Q(section_uid__in=uids) | Q(parent__section_uid__in=uids))
    comments = list(found)
    live = {section.uid: section for section in sections}
    # The latest revision of each changed section, for "what changed since" links: looked
    # up only when a comment's section changed under it.
    changed: set[uuid.UUID] = {
        comment.section_uid
        for comment in comments
        if comment.revision_id
        and comment.section_uid is not None
        and _changed_under(comment, live.get(comment.section_uid))
    }
    latest = (
        dict(
            Revision.objects.filter(page=page, section_uid__in=changed)
            .values("section_uid")
            .annotate(last=Max("pk"))
            .values_list("section_uid", "last")
        )
        if changed
        else {}
    )
    plain = {section.uid: _plain(html_text(section.body_html)) for section in sections}
    history = reverse("page_history", args=[page.author.username, page.slug])

    roots: dict[int, Thread] = {}
    by_key: dict[str, ThreadList] = {}
    for comment in comments:
        comment.page = page
        comment.is_mentor = comment.author_role in {Role.MENTOR, Role.ORGANIZER}
        comment.can = comment_abilities(viewer, comment)
        section = live.get(comment.section_uid) if comment.section_uid else None
        comment.section_gone = comment.section_uid is not None and section is None
        comment.section_changed = comment.quote_changed = False
        comment.diff_url = ""
        if section is not None:
            comment.section_changed = _changed_under(comment, section)
            if comment.section_changed and comment.revision_id:
                comment.diff_url = (
                    f"{history}?a={comment.revision_id}&b={latest.get(section.uid, '')}"
                )
            comment.quote_changed = bool(
                comment.quote and _plain(comment.quote) not in plain[section.uid]
            )
        comment.fragment_key = fragment_key(comment)
        if comment.is_root:
            thread = Thread(root=comment)
            roots[comment.pk] = thread
            key = str(comment.section_uid) if section is not None else PAGE_THREADS
            by_key.setdefault(key, ThreadList(key)).append(thread)
        elif comment.parent_id in roots:
            roots[comment.parent_id].replies.append(comment)
    keys = [comment.fragment_key for comment in comments if comment.fragment_key]
    fragments = cache.get_many(keys) if keys else {}
    return Threads(
        by_key=by_key,
        visible=True,
        can_comment=can_comment(viewer, page),
        fragments=fragments,
    )


def _changed_under(comment: Comment, section: Section | None) -> bool:
    """The section was saved since the comment was written on it."""
    return (
        section is not None
        and comment.section_version is not None
        and section.version != comment.section_version
    )


def fragment_key(comment: Comment) -> str:
    """The key of a comment's rendered reading fragment: everything the fragment shows
    is in it (the comment's version, its author's name and role, what changed under
    it), and nothing about the viewer is in the fragment, so viewers share it."""
    if comment.is_deleted:
        return ""
    parts = (
        comment.pk,
        comment.edited_at and comment.edited_at.timestamp(),
        comment.author.name if comment.author else "",
        comment.is_mentor,
        comment.quote_changed,
        comment.is_root and comment.section_changed,
        comment.diff_url,
        comment.is_root and comment.section_gone,
        comment.revision.heading if comment.revision else "",
    )
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"frag:comment:{digest}"


# A comment mentions a few people: the names looked up for one are bounded.
MAX_MENTIONS = 50


def mentionable_users(page: Page, text: str) -> dict[str, User]:
    """The people `text` @mentions that a mention on this page can reach (the cohort's
    members): one query for the names it holds, none when it holds none."""
    names = list(dict.fromkeys(m.group(1).lower() for m in MENTION.finditer(text)))
    if not names:
        return {}
    members = User.objects.annotate(handle=Lower("username")).filter(
        memberships__cohort_id=page.cohort_id, handle__in=names[:MAX_MENTIONS]
    )
    return {user.username.lower(): user for user in members}
