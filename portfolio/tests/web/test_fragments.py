"""Signed-in page views reuse rendered comment fragments keyed by the comment's version;
no fragment holds a CSRF token or anything about the viewer."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from portfolio.services import comment_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def discussed(journal, mentor, learner):
    section = journal.sections.first()
    root = comment_post(page=journal, author=mentor, body="Add **an example**.", section=section)
    comment_post(page=journal, author=learner, body="Done, see below.", parent=root)
    return journal


def cached_fragments(page, viewer) -> dict[str, str]:
    from portfolio.threads import build_threads

    threads = build_threads(page, list(page.sections.all()), viewer)
    keys = [
        comment.fragment_key
        for threads_of_box in threads.by_key.values()
        for thread in threads_of_box
        for comment in [thread.root, *thread.replies]
    ]
    return cache.get_many(keys)


def test_the_second_view_takes_every_comment_from_one_cache_read(
    client, mentor, discussed, monkeypatch
):
    client.force_login(mentor)
    first = client.get(discussed.get_absolute_url()).content.decode()
    writes = []
    real_set = cache.set
    monkeypatch.setattr(cache, "set", lambda *a, **k: writes.append(a[0]) or real_set(*a, **k))
    reads = []
    real_get_many = cache.get_many
    monkeypatch.setattr(
        cache, "get_many", lambda keys, *a, **k: reads.append(list(keys)) or real_get_many(keys)
    )
    second = client.get(discussed.get_absolute_url()).content.decode()
    assert not [key for key in writes if "frag:comment:" in str(key)]
    # One read for the comments (the other is "who is editing", one key per section).
    fragment_reads = [keys for keys in reads if "frag:comment:" in keys[0]]
    assert len(fragment_reads) == 1
    assert len(fragment_reads[0]) == 2
    assert (
        second.count("Add <strong>an example</strong>.")
        == first.count("Add <strong>an example</strong>.")
        == 1
    )


def test_viewers_share_fragments_but_get_their_own_tools(client, mentor, learner, discussed):
    client.force_login(mentor)
    as_mentor = client.get(discussed.get_absolute_url()).content.decode()
    client.force_login(learner)
    as_learner = client.get(discussed.get_absolute_url()).content.decode()
    mentor_root = as_mentor[as_mentor.index('id="comment-') :].split("</article>")[0]
    learner_root = as_learner[as_learner.index('id="comment-') :].split("</article>")[0]
    assert "Edit<span" in mentor_root and "Edit<span" not in learner_root


def test_fragments_never_hold_a_csrf_token_or_controls(client, mentor, discussed):
    client.force_login(mentor)
    client.get(discussed.get_absolute_url())
    fragments = cached_fragments(discussed, mentor)
    assert len(fragments) == 2
    for html in fragments.values():
        assert "csrfmiddlewaretoken" not in html and "<form" not in html
        assert "Edit<span" not in html


def test_an_edited_comment_gets_a_new_fragment(client, mentor, discussed):
    from portfolio.models import Comment
    from portfolio.threads import mentionable_users

    client.force_login(mentor)
    client.get(discussed.get_absolute_url())
    root = Comment.objects.get(parent=None)
    text = "Now **two** examples."
    root.edit(text, mentionable=mentionable_users(discussed, text))
    html = client.get(discussed.get_absolute_url()).content.decode()
    assert "Now <strong>two</strong> examples." in html and "an example" not in html
    assert "edited" in html
