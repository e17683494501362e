from __future__ import annotations

import json

import pytest
from django.urls import reverse

from conftest import make_page
from portfolio.models import Comment, Section

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(name, page, *args):
    return reverse(name, args=[page.author.username, page.slug, *args])


def first(page) -> Section:
    return page.sections.order_by("position").first()


def post_comment(client, page, *, body="Nice.", section=None, parent=None, quote="", htmx=True):
    data = {"body": body, "quote": quote}
    if section is not None:
        data["section"] = section.pk
    if parent is not None:
        data["parent"] = parent.pk
    return client.post(url("comment_create", page), data, headers=HX if htmx else {})


def toast(response) -> str:
    return json.loads(response["HX-Trigger"])["nexus:messages"]["messages"][0]["text"]


def test_a_mentor_comments_on_a_section_and_the_box_comes_back(client, mentor, journal):
    client.force_login(mentor)
    section = first(journal)
    response = post_comment(client, journal, body="Add **one** example.", section=section)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<div class="comment-box" id="comments-{section.uid}"')
    assert "<strong>one</strong>" in html and "Mentor" in html and "1 comment" in html
    comment = Comment.objects.get()
    assert (comment.section, comment.section_uid, comment.section_version) == (
        section,
        section.uid,
        1,
    )
    assert comment.page_version == journal.content_version
    assert comment.revision.section == section
    assert toast(response) == "Comment posted."


def test_a_comment_on_selected_words_keeps_the_quote(client, mentor, journal):
    client.force_login(mentor)
    section = first(journal)
    post_comment(client, journal, body="Which one?", section=section, quote="section  1")
    comment = Comment.objects.get()
    assert comment.quote == "section 1"
    html = client.get(journal.get_absolute_url()).content.decode()
    assert "“section 1”" in html and "on text that has changed" not in html


def test_page_level_comments_live_in_the_discussion(client, peer, cohort, learner):
    page = make_page(learner, cohort, visibility="cohort")
    client.force_login(peer)
    post_comment(client, page, body="Great page overall.")
    html = client.get(page.get_absolute_url()).content.decode()
    assert html.index('id="discussion"') < html.index("Great page overall.")


def test_replies_are_one_level_deep(client, mentor, learner, journal):
    client.force_login(mentor)
    post_comment(client, journal, body="Root", section=first(journal))
    root = Comment.objects.get()
    client.force_login(learner)
    response = post_comment(client, journal, body="A reply", parent=root)
    assert toast(response) == "Reply posted."
    reply = Comment.objects.get(body="A reply")
    assert reply.parent == root and reply.section == root.section
    post_comment(client, journal, body="Reply to reply", parent=reply)
    assert not Comment.objects.filter(body="Reply to reply").exists()


def test_a_reply_to_a_reply_is_not_found(client, mentor, journal):
    client.force_login(mentor)
    post_comment(client, journal, body="Root", section=first(journal))
    post_comment(client, journal, body="Reply", parent=Comment.objects.get())
    reply = Comment.objects.get(body="Reply")
    assert post_comment(client, journal, body="x", parent=reply).status_code == 404


def test_an_empty_comment_answers_422_and_keeps_the_quote(client, mentor, journal):
    client.force_login(mentor)
    response = post_comment(client, journal, body="  ", section=first(journal), quote="kept words")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write something before posting." in html and 'value="kept words"' in html
    assert not Comment.objects.exists()


def test_without_javascript_posting_redirects_to_the_thread(client, mentor, journal):
    client.force_login(mentor)
    response = post_comment(client, journal, body="Hi", section=first(journal), htmx=False)
    comment = Comment.objects.get()
    assert response["Location"] == f"{journal.get_absolute_url()}#thread-{comment.pk}"


def test_an_invalid_comment_without_javascript_shows_the_page_with_the_text(
    client, mentor, journal
):
    client.force_login(mentor)
    response = post_comment(client, journal, body="x" * 5001, section=first(journal), htmx=False)
    assert response.status_code == 422
    html = response.content.decode()
    assert "at most 5000 characters" in html and "<html" in html


def test_editing_your_comment_shows_edited(client, mentor, journal):
    client.force_login(mentor)
    post_comment(client, journal, body="Typo hre", section=first(journal))
    comment = Comment.objects.get()
    form = client.get(url("comment_edit", journal, comment.pk), headers=HX)
    assert "Typo hre" in form.content.decode()
    response = client.post(
        url("comment_edit", journal, comment.pk), {"body": "Typo here"}, headers=HX
    )
    assert "Typo here" in response.content.decode() and "edited" in response.content.decode()
    comment.refresh_from_db()
    assert comment.edited_at is not None


def test_only_the_author_edits_or_deletes_a_comment(client, mentor, learner, journal):
    client.force_login(mentor)
    post_comment(client, journal, body="Mine", section=first(journal))
    comment = Comment.objects.get()
    client.force_login(learner)
    assert client.post(url("comment_edit", journal, comment.pk), {"body": "x"}).status_code == 403
    assert client.post(url("comment_delete", journal, comment.pk)).status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.deleted_at is None


def test_deleting_keeps_the_threads_shape(client, mentor, learner, journal):
    client.force_login(mentor)
    post_comment(client, journal, body="Root words", section=first(journal))
    root = Comment.objects.get()
    client.force_login(learner)
    post_comment(client, journal, body="Reply words", parent=root)
    client.force_login(mentor)
    response = client.post(url("comment_delete", journal, root.pk), headers=HX)
    html = response.content.decode()
    assert "Comment deleted." in html and "Root words" not in html and "Reply words" in html
    root.refresh_from_db()
    assert root.deleted_at is not None and root.body == ""


@pytest.mark.parametrize("who", ["learner", "mentor", "organizer"])
def test_the_page_author_thread_author_and_mentors_resolve(client, personas, journal, who):
    client.force_login(personas["mentor"])
    post_comment(client, journal, body="Root", section=first(journal))
    root = Comment.objects.get()
    client.force_login(personas[who])
    response = client.post(
        url("comment_resolve", journal, root.pk), {"action": "resolve"}, headers=HX
    )
    assert response.status_code == 200 and "Resolved" in response.content.decode()
    root.refresh_from_db()
    assert root.resolved_by == personas[who]
    client.post(url("comment_resolve", journal, root.pk), {"action": "reopen"})
    root.refresh_from_db()
    assert root.resolved_at is None


def test_a_peer_cannot_resolve_someone_elses_thread(client, learner, peer, mentor, cohort):
    page = make_page(learner, cohort, visibility="cohort")
    client.force_login(mentor)
    post_comment(client, page, body="Root", section=first(page))
    client.force_login(peer)
    response = client.post(url("comment_resolve", page, Comment.objects.get().pk))
    assert response.status_code == 403


def test_the_author_marks_a_thread_addressed_with_the_revision(client, mentor, learner, journal):
    section = first(journal)
    client.force_login(mentor)
    post_comment(client, journal, body="Explain the fix.", section=section)
    root = Comment.objects.get()
    section.save_text(heading=section.heading, body="Now with the fix.", base_version=1, by=learner)
    client.force_login(learner)
    response = client.post(url("comment_address", journal, root.pk), headers=HX)
    html = response.content.decode()
    assert "Addressed" in html and f"?a={root.revision_id}&amp;b=" in html
    root.refresh_from_db()
    assert root.addressed_revision.body == "Now with the fix."
    client.force_login(mentor)
    assert "Not yet — reopen" in client.get(journal.get_absolute_url()).content.decode()
    assert client.post(url("comment_address", journal, root.pk)).status_code == 403


def test_a_comment_says_when_its_section_changed_and_links_the_diff(
    client, mentor, learner, journal
):
    section = first(journal)
    client.force_login(mentor)
    post_comment(client, journal, body="Hmm", section=section, quote="section 1")
    comment = Comment.objects.get()
    section.save_text(
        heading=section.heading, body="Rewritten entirely.", base_version=1, by=learner
    )
    html = client.get(journal.get_absolute_url()).content.decode()
    assert "The section changed since this comment." in html
    latest = section.revisions.order_by("-pk").first()
    assert f"/history/?a={comment.revision_id}&amp;b={latest.pk}" in html
    assert "on text that has changed" in html
    assert "“section 1”" in html  # the quote is kept


def test_comments_on_a_deleted_section_stay_on_the_page(client, mentor, learner, journal):
    section = first(journal)
    client.force_login(mentor)
    post_comment(client, journal, body="Survivor", section=section)
    section.remove(by=learner)
    html = client.get(journal.get_absolute_url()).content.decode()
    assert "Survivor" in html and "Its section was deleted" in html


def test_mentions_of_members_link_and_are_stored(client, mentor, learner, outsider, journal):
    client.force_login(mentor)
    post_comment(client, journal, body="@lena see @oscar and @nobody", section=first(journal))
    comment = Comment.objects.get()
    assert list(comment.mentions.all()) == [learner]
    assert '<a href="/@lena/" rel="nofollow noopener ugc">@lena</a>' in comment.body_html
    assert "@oscar" in comment.body_html and "/@oscar/" not in comment.body_html


@pytest.mark.parametrize("who", ["visitor", "outsider"])
def test_visitors_and_outsiders_never_comment_even_on_public_pages(client, personas, cohort, who):
    page = make_page(personas["learner"], cohort, visibility="public")
    if personas[who]:
        client.force_login(personas[who])
    response = post_comment(client, page, body="spam", section=first(page))
    # htmx asks: a visitor's answer is "sign in" (401), not the login page to swap in.
    assert response.status_code == (401 if who == "visitor" else 403)
    html = client.get(page.get_absolute_url()).content.decode()
    assert "comment-box" not in html
    assert not Comment.objects.exists()


def test_a_peer_who_cannot_see_the_page_gets_404(client, peer, journal):
    client.force_login(peer)
    assert post_comment(client, journal, body="x").status_code == 404


def test_a_section_from_another_page_is_refused(client, mentor, learner, cohort, journal):
    other = make_page(learner, cohort, title="Other")
    client.force_login(mentor)
    assert post_comment(client, journal, body="x", section=first(other)).status_code == 404
    assert not Comment.objects.exists()


def test_posting_is_rate_limited_with_a_clear_message(client, mentor, journal):
    client.force_login(mentor)
    for n in range(12):
        assert post_comment(client, journal, body=f"c{n}").status_code == 200
    response = post_comment(client, journal, body="one too many")
    assert response.status_code == 429
    assert "commenting very fast" in toast(response)
    assert "one too many" in response.content.decode()
    assert Comment.objects.count() == 12


def test_the_rate_limit_follows_the_setting(client, mentor, journal, settings):
    settings.COMMENTS_PER_MINUTE = 2
    client.force_login(mentor)
    statuses = [post_comment(client, journal, body=f"c{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.parametrize("threads", [0, 20])
def test_the_page_view_query_count_does_not_grow_with_comments(
    client, mentor, learner, journal, threads, django_assert_max_num_queries
):
    section = first(journal)
    for t in range(threads):
        root = Comment.objects.create(
            page=journal, section=section, section_uid=section.uid, author=mentor,
            body=f"t{t}", body_html=f"<p>t{t}</p>", page_version=1, section_version=1,
        )  # fmt: skip
        for r in range(9):
            Comment.objects.create(
                page=journal, parent=root, section=section, section_uid=section.uid,
                author=learner, body=f"r{r}", body_html=f"<p>r{r}</p>", page_version=1,
            )  # fmt: skip
    client.force_login(mentor)
    # The comments with their authors' roles: one query, whatever the count (the latest
    # revisions only when a section changed under a comment).
    with django_assert_max_num_queries(7):
        html = client.get(journal.get_absolute_url()).content.decode()
    assert html.count('class="comment') == threads * 10 + (html.count('class="comment-'))
