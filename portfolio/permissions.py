"""Who may do what. Every view asks this module; none re-derives a rule.

Two kinds of answer, as the spec wants:
- what a user may not *see* is missing: the access helpers raise Http404;
- what they may see but not *do* raises PermissionDenied (403) with a reason people
  can read.

The `can_*` predicates answer yes/no for templates and for other predicates. The
`get_*_for` helpers load an object for a user and an action and apply the rule.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from portfolio.models import (
    Cohort,
    Comment,
    Invite,
    Membership,
    Page,
    Role,
    SavedReply,
    Section,
    User,
    Viewer,
    Visibility,
)


class CohortAction(StrEnum):
    VIEW = "view"
    EDIT = "edit"  # name, description, dates
    ARCHIVE = "archive"  # archive and restore
    MANAGE_MEMBERS = "manage_members"  # change roles, remove people
    MANAGE_INVITES = "manage_invites"
    LEAVE = "leave"
    REVIEW = "review"  # the review queue, claims and saved replies: mentors and organizers


# Actions still open in an archived cohort: looking, restoring it, and leaving it.
_ARCHIVED_ALLOWS = {CohortAction.VIEW, CohortAction.ARCHIVE, CohortAction.LEAVE}
_MENTORS = {CohortAction.REVIEW}
_ORGANIZER_ONLY = {
    CohortAction.EDIT,
    CohortAction.ARCHIVE,
    CohortAction.MANAGE_MEMBERS,
    CohortAction.MANAGE_INVITES,
}
_REASONS = {
    CohortAction.EDIT: "Only the cohort’s organizers can edit it.",
    CohortAction.ARCHIVE: "Only the cohort’s organizers can archive or restore it.",
    CohortAction.MANAGE_MEMBERS: "Only the cohort’s organizers can change roles or remove people.",
    CohortAction.MANAGE_INVITES: "Only the cohort’s organizers can manage invite links.",
    CohortAction.REVIEW: "Only the cohort’s mentors and organizers review pages.",
}


def role_in(user: Viewer, cohort: Cohort) -> str | None:
    """The user's role in the cohort, or None. Remembered on the user for the request."""
    if user is None or not user.is_authenticated:
        return None
    roles: dict[int, str | None] = user.__dict__.setdefault("_nexus_roles", {})
    if cohort.pk not in roles:
        roles[cohort.pk] = (
            Membership.objects.filter(user=user, cohort=cohort).values_list("role", flat=True)
        ).first()
    return roles[cohort.pk]


def role_subquery(cohort: int | OuterRef, user: int | OuterRef) -> Subquery:
    """role_in's question asked inside another query: a member's role in a cohort, or
    None, for rows whose cohort or person comes from the outer query."""
    found = Membership.objects.filter(cohort_id=cohort, user_id=user).order_by("joined_at")
    return Subquery(found.values("role")[:1])


def member_cohort_ids(user: Viewer) -> set[int]:
    """The cohorts whose workflow (status, reviews, history) the viewer may see."""
    if not isinstance(user, User):
        return set()
    return set(Membership.objects.filter(user=user).values_list("cohort_id", flat=True))


def remember_role(user: User, cohort: Cohort, role: str | None) -> None:
    """Tell role_in what a query already fetched, saving it one."""
    user.__dict__.setdefault("_nexus_roles", {})[cohort.pk] = role


def can_view_cohort(user: Viewer, cohort: Cohort) -> bool:
    return role_in(user, cohort) is not None


def can_on_cohort(user: Viewer, cohort: Cohort, action: CohortAction) -> bool:
    role = role_in(user, cohort)
    if role is None:
        return False
    if cohort.archived and action not in _ARCHIVED_ALLOWS:
        return False
    if action in _ORGANIZER_ONLY:
        return role == Role.ORGANIZER
    if action in _MENTORS:
        return role in {Role.MENTOR, Role.ORGANIZER}
    return True


def is_mentor_or_organizer(user: Viewer, cohort: Cohort) -> bool:
    return role_in(user, cohort) in {Role.MENTOR, Role.ORGANIZER}


def cohort_abilities(user: Viewer, cohort: Cohort) -> dict[str, bool]:
    """Every cohort action as a flag, for templates: {% if can.edit %}."""
    return {action.value: can_on_cohort(user, cohort, action) for action in CohortAction}


def _deny(cohort: Cohort, action: CohortAction) -> PermissionDenied:
    if cohort.archived and action not in _ARCHIVED_ALLOWS:
        return PermissionDenied("This cohort is archived and read-only.")
    return PermissionDenied(_REASONS.get(action, "You are not allowed to do that."))


def get_cohort_for(user: Viewer, slug: str, action: CohortAction) -> Cohort:
    cohort = Cohort.objects.filter(slug=slug).first()
    if cohort is None or not can_view_cohort(user, cohort):
        raise Http404("No such cohort.")
    if not can_on_cohort(user, cohort, action):
        raise _deny(cohort, action)
    return cohort


def get_membership_for(user: User, cohort: Cohort, pk: int) -> Membership:
    """A membership of *this* cohort that the user may manage: ids from elsewhere 404."""
    if not can_on_cohort(user, cohort, CohortAction.MANAGE_MEMBERS):
        raise _deny(cohort, CohortAction.MANAGE_MEMBERS)
    membership = Membership.objects.select_related("user").filter(pk=pk, cohort=cohort).first()
    if membership is None:
        raise Http404("No such member.")
    return membership


def get_invite_for(user: User, cohort: Cohort, pk: int) -> Invite:
    if not can_on_cohort(user, cohort, CohortAction.MANAGE_INVITES):
        raise _deny(cohort, CohortAction.MANAGE_INVITES)
    invite = Invite.objects.filter(pk=pk, cohort=cohort).first()
    if invite is None:
        raise Http404("No such invite.")
    return invite


def saved_replies_of(user: User, cohort: Cohort) -> QuerySet[SavedReply]:
    """A mentor's saved replies are their own, per cohort: nobody else reads or uses them."""
    return SavedReply.objects.filter(cohort=cohort, owner=user)


def get_saved_reply_for(user: User, cohort: Cohort, pk: int) -> SavedReply:
    """One of the user's own saved replies in this cohort: anyone else's id 404s."""
    reply = saved_replies_of(user, cohort).filter(pk=pk).first()
    if reply is None:
        raise Http404("No such saved reply.")
    return reply


# Pages --------------------------------------------------------------------------------


class PageAction(StrEnum):
    VIEW = "view"  # the page and its Markdown export
    HISTORY = "history"  # earlier versions: the author and cohort members who can see it
    EDIT = "edit"  # title, summary, sections, tags, visibility: the author only
    COMMENT = "comment"  # start or join a discussion: cohort members who can see it


def can_view_page(user: Viewer, page: Page) -> bool:
    """The instance twin of Page.objects.visible_to(); a test keeps the two in step."""
    if page.visibility == Visibility.PUBLIC:
        return True
    if user is None or not user.is_authenticated:
        return False
    if page.author_id == user.pk:
        return True
    role = role_in(user, page.cohort)
    if page.visibility == Visibility.COHORT:
        return role is not None
    if page.visibility == Visibility.MENTORS:
        return role in {Role.MENTOR, Role.ORGANIZER}
    return False


def can_on_page(user: Viewer, page: Page, action: PageAction) -> bool:
    if not can_view_page(user, page):
        return False
    if action == PageAction.EDIT:
        # A public page is visible without a user: None may edit nothing.
        return user is not None and page.author_id == user.pk and not page.cohort.archived
    if action == PageAction.COMMENT:
        return can_comment(user, page)
    if action == PageAction.HISTORY:
        return can_read_history(user, page)
    return True


def can_read_history(user: Viewer, page: Page) -> bool:
    """Earlier drafts are the learner's and the cohort's, not the world's: even on a
    public page, history stays with the author and cohort members who can see it."""
    if user is None or not user.is_authenticated or not can_view_page(user, page):
        return False
    return page.author_id == user.pk or role_in(user, page.cohort) is not None


def can_review(user: Viewer, page: Page) -> bool:
    """The cohort's mentors and organizers review a page — never its author."""
    if user is None or not user.is_authenticated or page.author_id == user.pk:
        return False
    return can_on_cohort(user, page.cohort, CohortAction.REVIEW)


def get_page_to_review(user: Viewer, username: str, slug: str) -> Page:
    page = get_page_for(user, username, slug, PageAction.VIEW)
    if not can_review(user, page):
        if page.cohort.archived:
            raise PermissionDenied("This page’s cohort is archived, so the page is read-only.")
        raise PermissionDenied(
            "Only the cohort’s mentors and organizers review pages, and never their own."
        )
    return page


def page_abilities(user: Viewer, page: Page) -> dict[str, bool]:
    abilities = {action.value: can_on_page(user, page, action) for action in PageAction}
    abilities["review"] = can_review(user, page)
    return abilities


def get_page_for(user: Viewer, username: str, slug: str, action: PageAction) -> Page:
    pages = Page.objects.select_related("author", "cohort").filter(
        author__username=username.lower(), slug=slug
    )
    viewer = user if isinstance(user, User) and user.is_authenticated else None
    page: Page | None
    if viewer is None:
        page = pages.first()
    else:
        # The viewer's role in the page's cohort comes with the page: one query less
        # on every page and every htmx fragment of one.
        page = pages.annotate(viewer_role=role_subquery(OuterRef("cohort_id"), viewer.pk)).first()
    if page is not None and viewer is not None:
        remember_role(viewer, page.cohort, page.viewer_role)  # type: ignore[attr-defined]
    if page is None or not can_view_page(user, page):
        raise Http404("No such page.")
    if action == PageAction.HISTORY and not can_read_history(user, page):
        raise Http404("No such page history.")
    if not can_on_page(user, page, action):
        if page.cohort.archived:
            raise PermissionDenied("This page’s cohort is archived, so the page is read-only.")
        if action == PageAction.COMMENT:
            raise PermissionDenied("Only members of this page’s cohort can comment on it.")
        raise PermissionDenied("Only the page’s author can change it.")
    return page


def get_section_for_action(
    user: User, username: str, slug: str, pk: int, action: PageAction
) -> Section:
    """A section, its page, the page's author and cohort and the viewer's role in it,
    in one query, with get_page_for's rules: for endpoints called every few seconds
    (drafts, "who is editing") whose whole budget is one read."""
    section = (
        Section.objects.select_related("page__author", "page__cohort")
        .filter(pk=pk, page__author__username=username.lower(), page__slug=slug)
        .annotate(viewer_role=role_subquery(OuterRef("page__cohort_id"), user.pk))
        .first()
    )
    if section is None:
        raise Http404("No such section.")
    page = section.page
    remember_role(user, page.cohort, section.viewer_role)
    if not can_view_page(user, page):
        raise Http404("No such page.")
    if not can_on_page(user, page, action):
        if page.cohort.archived:
            raise PermissionDenied("This page’s cohort is archived, so the page is read-only.")
        raise PermissionDenied("Only the page’s author can change it.")
    return section


def get_section_for(page: Page, pk: int) -> Section:
    """A section of *this* page: ids from other pages are not found."""
    section = Section.objects.filter(pk=pk, page=page).first()
    if section is None:
        raise Http404("No such section.")
    section.page = page
    return section


def cohorts_for_new_pages(user: User) -> QuerySet[Cohort]:
    """The cohorts a user may start a page in: theirs, unless archived."""
    return Cohort.objects.filter(memberships__user=user, archived_at__isnull=True).order_by("name")


# Comments -----------------------------------------------------------------------------


class CommentAction(StrEnum):
    EDIT = "edit"  # its author
    DELETE = "delete"  # its author
    RESOLVE = "resolve"  # resolve or reopen a thread: page author, thread author, mentors
    ADDRESS = "address"  # mark a thread addressed: the page author


def can_read_comments(user: Viewer, page: Page) -> bool:
    """The discussion is the cohort's: its members who can see the page read it, even
    when the page itself is public."""
    if user is None or not user.is_authenticated:
        return False
    return role_in(user, page.cohort) is not None and can_view_page(user, page)


def can_comment(user: Viewer, page: Page) -> bool:
    """Members of the cohort who can see the page; never visitors or outsiders, even
    on public pages; nobody in an archived cohort."""
    return not page.cohort.archived and can_read_comments(user, page)


def can_on_comment(user: Viewer, comment: Comment, action: CommentAction) -> bool:
    page = comment.page
    if user is None or not can_comment(user, page) or comment.is_deleted:
        return False
    if action in {CommentAction.EDIT, CommentAction.DELETE}:
        return comment.author_id == user.pk
    if not comment.is_root:
        return False
    if action == CommentAction.ADDRESS:
        return page.author_id == user.pk
    return (
        page.author_id == user.pk
        or comment.author_id == user.pk
        or is_mentor_or_organizer(user, page.cohort)
    )


def comment_abilities(user: Viewer, comment: Comment) -> dict[str, bool]:
    return {action.value: can_on_comment(user, comment, action) for action in CommentAction}


def get_comment_for(user: User, page: Page, pk: int, action: CommentAction) -> Comment:
    # Someone who cannot read the page's discussion learns nothing of what is in it:
    # a comment they cannot see answers as one that does not exist.
    comment = (
        Comment.objects.select_related("author").filter(pk=pk, page=page).first()
        if can_read_comments(user, page)
        else None
    )
    if comment is None:
        raise Http404("No such comment.")
    comment.page = page
    if not can_on_comment(user, comment, action):
        if page.cohort.archived:
            raise PermissionDenied("This page’s cohort is archived, so the page is read-only.")
        reasons = {
            CommentAction.EDIT: "Only its author can edit a comment.",
            CommentAction.DELETE: "Only its author can delete a comment.",
            CommentAction.RESOLVE: "Only the page’s author, the thread’s author and mentors can "
            "resolve or reopen a thread.",
            CommentAction.ADDRESS: "Only the page’s author can mark a thread addressed.",
        }
        raise PermissionDenied(reasons[action])
    return comment


# Profiles -----------------------------------------------------------------------------


def can_edit_profile(user: Viewer, person: User) -> bool:
    return user is not None and user.is_authenticated and user.pk == person.pk


def get_profile_for(user: Viewer, username: str, *, edit: bool = False) -> User:
    person = User.objects.filter(username=username.lower(), is_active=True).first()
    if person is None:
        raise Http404("No such person.")
    if edit and not can_edit_profile(user, person):
        raise PermissionDenied("Only you can edit your profile.")
    return person
