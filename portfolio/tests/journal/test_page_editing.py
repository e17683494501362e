from __future__ import annotations

import json

import pytest
from django.urls import reverse

from portfolio.limits import MAX_SECTION_BODY
from portfolio.models import Page, Revision, RevisionKind, Section

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def url(name, journal, *args):
    return reverse(name, args=[journal.author.username, journal.slug, *args])


@pytest.fixture
def author(client, learner):
    client.force_login(learner)
    return client


def first(journal) -> Section:
    return journal.sections.order_by("position").first()


# Sections ---------------------------------------------------------------------------


def test_edit_turns_a_section_into_a_form_in_place(author, journal):
    section = first(journal)
    response = author.get(url("section_edit", journal, section.pk), headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith(
        f'<section class="journal-section editing" id="{section.anchor}"'
    )
    assert "Body of **section 1**." in html and 'name="version" value="1"' in html
    assert "autofocus" in html and "<html" not in html


def test_without_javascript_edit_opens_the_whole_page_with_that_section_as_a_form(author, journal):
    section = first(journal)
    html = author.get(url("section_edit", journal, section.pk)).content.decode()
    assert "<html" in html and html.count("<h1") == 1
    assert html.count('rows="14"') == 1 and f'id="body-{section.pk}"' in html
    assert "Section 2" in html


def test_saving_returns_the_rendered_section_and_writes_a_revision(author, journal):
    section = first(journal)
    response = author.post(
        url("section_edit", journal, section.pk),
        {"heading": "Overview", "body": "I learned *Django*.", "version": 1},
        headers=HX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<em>Django</em>" in html and "data-autofocus" in html
    assert json.loads(response["HX-Trigger"])["nexus:messages"]["messages"][0]["text"] == (
        "Saved “Overview”."
    )
    section.refresh_from_db()
    assert (section.heading, section.version) == ("Overview", 2)
    revision = Revision.objects.filter(section=section).first()
    assert (revision.kind, revision.body) == (RevisionKind.EDITED, "I learned *Django*.")
    journal.refresh_from_db()
    assert journal.content_version > 1


def test_saving_without_javascript_redirects_to_the_section(author, journal):
    section = first(journal)
    response = author.post(
        url("section_edit", journal, section.pk), {"heading": "H", "body": "B", "version": 1}
    )
    assert response["Location"] == f"{journal.get_absolute_url()}#{section.anchor}"


def test_saving_the_same_text_writes_no_revision(author, journal):
    section = first(journal)
    before = Revision.objects.count()
    author.post(
        url("section_edit", journal, section.pk),
        {"heading": section.heading, "body": section.body, "version": 1},
        headers=HX,
    )
    assert Revision.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"heading": "", "body": "kept words"}, "This field is required."),
        ({"heading": "h" * 301, "body": "kept words"}, "at most 300 characters"),
        (
            {"heading": "H", "body": "kept words" + "x" * MAX_SECTION_BODY},
            f"at most {MAX_SECTION_BODY} characters",
        ),
    ],
)
def test_invalid_input_answers_422_with_the_typed_text(author, journal, data, message):
    section = first(journal)
    response = author.post(
        url("section_edit", journal, section.pk), {**data, "version": 1}, headers=HX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html and "kept words" in html
    section.refresh_from_db()
    assert section.version == 1


def test_a_stale_save_is_refused_with_409_showing_both_versions(author, journal):
    section = first(journal)
    author.post(
        url("section_edit", journal, section.pk),
        {"heading": "Section 1", "body": "Saved in the other tab.", "version": 1},
    )
    response = author.post(
        url("section_edit", journal, section.pk),
        {"heading": "Section 1", "body": "Typed in this tab.", "version": 1},
        headers=HX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Typed in this tab." in html  # mine, in a textarea
    assert "Saved in the other tab." in html  # the current text
    assert 'name="version" value="2"' in html  # "Keep mine" saves over the current
    assert "Keep mine" in html and "Keep current" in html and "Copy mine" in html
    section.refresh_from_db()
    assert section.body == "Saved in the other tab."


def test_keep_mine_saves_my_text_as_a_new_revision(author, journal):
    section = first(journal)
    author.post(
        url("section_edit", journal, section.pk), {"heading": "S", "body": "A", "version": 1}
    )
    author.post(
        url("section_edit", journal, section.pk), {"heading": "S", "body": "B", "version": 2}
    )
    section.refresh_from_db()
    assert (section.body, section.version) == ("B", 3)
    assert list(Revision.objects.filter(section=section).values_list("body", flat=True))[:2] == [
        "B",
        "A",
    ]


def test_a_stale_save_without_javascript_shows_the_conflict_on_the_page(author, journal):
    section = first(journal)
    author.post(
        url("section_edit", journal, section.pk), {"heading": "S", "body": "A", "version": 1}
    )
    response = author.post(
        url("section_edit", journal, section.pk), {"heading": "S", "body": "mine", "version": 1}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "<html" in html and "changed while you were editing" in html and "mine" in html


def test_live_preview_uses_the_saving_pipeline(author, journal):
    response = author.post(
        url("page_preview", journal), {"body": "### Hi\n\n<script>x</script>\n\n`code`"}, headers=HX
    )
    html = response.content.decode()
    assert '<h3 id="md-hi">' in html and "<code>code</code>" in html and "<script" not in html


def test_preview_works_without_javascript_and_saves_nothing(author, journal):
    section = first(journal)
    response = author.post(
        url("section_edit", journal, section.pk),
        {"heading": "S", "body": "**draft**", "version": 1, "preview": "1"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<strong>draft</strong>" in html
    assert "**draft**" in html  # still in the textarea
    section.refresh_from_db()
    assert section.version == 1


def test_adding_a_section_opens_it_for_writing(author, journal):
    response = author.post(url("section_add", journal), {"heading": "  What   next  "}, headers=HX)
    html = response.content.decode()
    section = journal.sections.get(heading="What next")
    assert f'id="{section.anchor}"' in html and "<textarea" in html
    assert 'hx-swap-oob="outerHTML"' in html  # the add form comes back empty
    assert section.position == 2
    assert Revision.objects.filter(section=section, kind=RevisionKind.CREATED).exists()


def test_adding_a_section_without_javascript_goes_to_its_editor(author, journal):
    response = author.post(url("section_add", journal), {"heading": "Later"})
    section = journal.sections.get(heading="Later")
    assert response["Location"] == url("section_edit", journal, section.pk)


def test_adding_a_section_without_a_heading_is_explained(author, journal):
    response = author.post(url("section_add", journal), {"heading": " "}, headers=HX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#add-section"
    assert "This field is required." in response.content.decode()


def test_deleting_keeps_the_text_in_history(author, journal):
    section = first(journal)
    response = author.post(url("section_delete", journal, section.pk), headers=HX)
    assert response.status_code == 200 and response.content == b""
    assert (
        "restore it from the history"
        in json.loads(response["HX-Trigger"])["nexus:messages"]["messages"][0]["text"]
    )
    assert not Section.objects.filter(pk=section.pk).exists()
    deleted = Revision.objects.get(kind=RevisionKind.DELETED)
    assert deleted.body == "Body of **section 1**."


def test_deleting_without_javascript_asks_first(author, journal):
    section = first(journal)
    confirm = author.get(url("section_delete", journal, section.pk))
    assert confirm.status_code == 200 and "Delete “Section 1”?" in confirm.content.decode()
    assert Section.objects.filter(pk=section.pk).exists()
    assert author.post(url("section_delete", journal, section.pk)).status_code == 302
    assert not Section.objects.filter(pk=section.pk).exists()


def test_moving_sections_up_and_down(author, journal):
    one, two = journal.sections.order_by("position")
    response = author.post(url("section_move", journal, one.pk), {"direction": "down"}, headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Section 2") < html.index("Section 1")
    assert [s.pk for s in journal.sections.order_by("position")] == [two.pk, one.pk]
    author.post(url("section_move", journal, one.pk), {"direction": "up"})
    assert [s.pk for s in journal.sections.order_by("position")] == [one.pk, two.pk]


def test_a_bad_move_direction_is_refused(author, journal):
    section = first(journal)
    response = author.post(
        url("section_move", journal, section.pk), {"direction": "sideways"}, headers=HX
    )
    assert response.status_code == 422


def test_another_pages_section_id_is_not_found(author, journal, peer, cohort):
    from conftest import make_page

    others = make_page(peer, cohort, visibility="cohort")
    foreign = first(others)
    response = author.post(
        url("section_edit", journal, foreign.pk), {"heading": "Mine", "body": "x", "version": 1}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.heading == "Section 1"


# Title, summary, tags, visibility -------------------------------------------------------


def test_title_and_summary_are_edited_inline(author, journal):
    form = author.get(url("page_meta", journal), headers=HX)
    assert 'name="title"' in form.content.decode()
    response = author.post(
        url("page_meta", journal), {"title": "Week 6", "summary": "APIs.", "version": 1}, headers=HX
    )
    assert response.status_code == 200
    assert "Week 6" in response.content.decode()
    journal.refresh_from_db()
    assert (journal.title, journal.summary, journal.version) == ("Week 6", "APIs.", 2)
    assert journal.slug == "my-journey"  # links keep working


def test_a_stale_title_save_is_a_409_with_both_versions(author, journal):
    author.post(url("page_meta", journal), {"title": "Theirs", "summary": "", "version": 1})
    response = author.post(
        url("page_meta", journal),
        {"title": "Mine", "summary": "my words", "version": 1},
        headers=HX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Mine"' in html and "my words" in html and "Theirs" in html


def test_an_empty_title_is_explained(author, journal):
    response = author.post(
        url("page_meta", journal), {"title": "", "summary": "keep me", "version": 1}, headers=HX
    )
    assert response.status_code == 422
    assert "keep me" in response.content.decode()


def test_tags_are_added_and_removed_inline(author, journal):
    response = author.post(url("tag_add", journal), {"name": "REST APIs"}, headers=HX)
    assert response.status_code == 200 and "REST APIs" in response.content.decode()
    author.post(url("tag_add", journal), {"name": "rest apis"}, headers=HX)
    assert list(journal.tags.values_list("name", flat=True)) == ["REST APIs"]
    response = author.post(url("tag_remove", journal, "rest-apis"), headers=HX)
    assert response.status_code == 200 and journal.tags.count() == 0


def test_tag_suggestions_come_from_existing_tags(author, journal, peer, cohort):
    from conftest import make_page

    make_page(peer, cohort, visibility="cohort").tags.create(name="GraphQL", slug="graphql")
    html = author.get(journal.get_absolute_url()).content.decode()
    assert '<datalist id="tag-suggestions"><option value="GraphQL">' in html


@pytest.mark.parametrize("visibility", ["private", "mentors"])
def test_a_tag_only_on_pages_hidden_from_the_author_is_never_suggested(
    author, journal, peer, cohort, visibility
):
    from conftest import make_page

    make_page(peer, cohort, title="Hard week", visibility=visibility).tags.create(
        name="Burnout", slug="burnout"
    )
    make_page(peer, cohort, title="Open", visibility="cohort").tags.create(
        name="GraphQL", slug="graphql"
    )
    html = author.get(journal.get_absolute_url()).content.decode()
    assert '<option value="GraphQL">' in html
    assert "Burnout" not in html


@pytest.mark.parametrize("name", ["", "!!!", "x" * 41])
def test_bad_tags_are_refused(author, journal, name):
    response = author.post(url("tag_add", journal), {"name": name}, headers=HX)
    assert response.status_code == 422
    assert journal.tags.count() == 0


def test_a_page_has_at_most_ten_tags(author, journal):
    for n in range(10):
        author.post(url("tag_add", journal), {"name": f"t{n}"})
    response = author.post(url("tag_add", journal), {"name": "one more"}, headers=HX)
    assert response.status_code == 422 and "up to 10 tags" in response.content.decode()


def test_visibility_is_changed_inline(author, journal):
    response = author.post(url("page_visibility", journal), {"visibility": "public"}, headers=HX)
    assert response.status_code == 200
    assert '<option value="public" selected>' in response.content.decode()
    journal.refresh_from_db()
    assert journal.visibility == "public"


def test_an_unknown_visibility_is_refused(author, journal):
    response = author.post(url("page_visibility", journal), {"visibility": "secret"}, headers=HX)
    assert response.status_code == 422
    journal.refresh_from_db()
    assert journal.visibility == "mentors"


def test_nobody_but_the_author_edits(client, mentor, journal):
    client.force_login(mentor)
    section = first(journal)
    for response in [
        client.post(
            url("section_edit", journal, section.pk), {"heading": "x", "body": "y", "version": 1}
        ),
        client.post(url("page_meta", journal), {"title": "x", "summary": "", "version": 1}),
        client.post(url("page_visibility", journal), {"visibility": "public"}),
        client.post(url("tag_add", journal), {"name": "x"}),
    ]:
        assert response.status_code == 403
    journal.refresh_from_db()
    assert (journal.title, journal.visibility) == ("My journey", "mentors")


def test_pages_in_an_archived_cohort_are_read_only(author, journal, cohort):
    cohort.archive()
    response = author.post(url("page_meta", journal), {"title": "x", "summary": "", "version": 1})
    assert response.status_code == 403
    assert "archived" in response.content.decode()
    assert Page.objects.get().title == "My journey"
