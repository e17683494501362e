from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolio.models import Page
from portfolio.readme import parse_readme
from portfolio.services import page_export

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "project-nexus-README.md"

NASTY = """\
<p align="center"><img src="https://img.shields.io/badge/build-passing-brightgreen" alt="build"></p>

# 🚀 My *Backend* Journey — ünïcödé

[![CI](https://github.com/x/y/actions/workflows/ci.yml/badge.svg)](https://github.com/x/y)
Intro line before any section 😀.

<script>alert("boo")</script>

## 🧰 Setup & Tools

| Tool | Why |
|------|-----|
| Docker 🐳 | containers |

```bash
# this is a comment, not a heading
## neither is this
echo "hi"
```

### A deeper heading stays inside

<details><summary>Click</summary>

Hidden <b onclick="x()">bold</b>

</details>

## Challenges

~~~python
def f():
    return "## not a section"
~~~

- [x] Fix the bug
- [ ] Write the test

<iframe src="https://evil.example"></iframe>
[click me](javascript:alert(1))

## Empty section

##

## Trailing  ##
Last words.
"""


def test_the_sample_readme_imports_by_the_spec_rules():
    parsed = parse_readme(SAMPLE.read_text())
    assert parsed.title == "ALX Project Nexus"
    assert parsed.title_source == "# ALX Project Nexus\n\n"
    assert [section.heading for section in parsed.sections] == [
        "Overview",
        "Key Technologies Covered",
        "Important Backend Development Concepts",
        "Challenges Faced and Solutions",
        "Best Practices and Personal Takeaways",
        "Author",
    ]
    overview = parsed.sections[0]
    assert overview.heading_source == "## Overview\n"
    assert overview.body.startswith("The **ProDev Backend Engineering Program**")
    assert overview.body.endswith("---")  # the separator is the author's, kept in place


def test_a_nasty_readme_never_fails_and_keeps_what_is_safe():
    parsed = parse_readme(NASTY)
    assert parsed.title == "🚀 My Backend Journey — ünïcödé"
    assert parsed.title_source.startswith('<p align="center">')  # badges above the title
    headings = [section.heading_source for section in parsed.sections]
    assert headings == [
        "",  # the text before the first section: no heading, none invented
        "## 🧰 Setup & Tools\n",
        "## Challenges\n",
        "## Empty section\n",
        "##\n",
        "## Trailing  ##\n",
    ]
    lead, setup, challenges, *_rest = parsed.sections
    assert lead.body.startswith("[![CI]") and "Intro line before any section" in lead.body
    assert "## neither is this" in setup.body and "### A deeper heading stays inside" in setup.body
    assert '"## not a section"' in challenges.body
    assert [s.heading for s in parsed.sections][-2:] == ["", "Trailing"]


@pytest.mark.django_db
def test_the_sample_round_trips_through_export(learner, cohort):
    from portfolio.services import page_import

    first = page_import(cohort=cohort, author=learner, parsed=parse_readme(SAMPLE.read_text()))
    markdown = page_export(page=first)
    second = page_import(cohort=cohort, author=learner, parsed=parse_readme(markdown))
    assert second.title == first.title
    assert [(s.heading, s.body) for s in second.sections.all()] == [
        (s.heading, s.body) for s in first.sections.all()
    ]


@pytest.mark.django_db
def test_a_nasty_readme_round_trips_and_renders_safely(learner, cohort):
    from portfolio.services import page_import

    first = page_import(cohort=cohort, author=learner, parsed=parse_readme(NASTY))
    first.summary = "A summary with -- dashes --> and a comment end"
    first.save()
    first.tags.create(name="Docker", slug="docker")
    second = page_import(
        cohort=cohort, author=learner, parsed=parse_readme(page_export(page=first))
    )
    assert second.title == first.title
    assert second.summary == first.summary
    assert list(second.tags.values_list("name", flat=True)) == ["Docker"]
    assert [(s.heading, s.body) for s in second.sections.all()] == [
        (s.heading, s.body) for s in first.sections.all()
    ]
    html = "".join(s.body_html for s in first.sections.all())
    for forbidden in ["<script", "onclick", "<iframe", 'href="javascript']:
        assert forbidden not in html
    assert "<table>" in html and "<details>" in html and "🐳" in html


@pytest.mark.django_db
def test_importing_a_file_creates_the_page(client, learner, cohort):
    client.force_login(learner)
    upload = SimpleUploadedFile("README.md", SAMPLE.read_bytes(), content_type="text/markdown")
    response = client.post(reverse("page_import"), {"cohort": cohort.pk, "file": upload})
    page = Page.objects.get()
    assert response["Location"] == page.get_absolute_url()
    assert page.sections.count() == 6
    follow = client.get(response["Location"]).content.decode()
    assert "Imported “ALX Project Nexus” with 6 sections." in follow


@pytest.mark.django_db
def test_importing_pasted_markdown(client, learner, cohort):
    client.force_login(learner)
    client.post(reverse("page_import"), {"cohort": cohort.pk, "text": "# Pasted\n\n## One\nx"})
    assert Page.objects.get().title == "Pasted"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"x" * (200 * 1024 + 1), "the limit is 200 KB"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not text"),
        ("é".encode("latin-1") * 10, "not UTF-8 text"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, learner, cohort, content, message):
    client.force_login(learner)
    upload = SimpleUploadedFile("bad.md", content)
    response = client.post(reverse("page_import"), {"cohort": cohort.pk, "file": upload})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Page.objects.exists()


@pytest.mark.django_db
def test_utf16_files_with_a_bom_are_read(client, learner, cohort):
    client.force_login(learner)
    upload = SimpleUploadedFile("win.md", "# Windows 🪟\n\n## A\nb".encode("utf-16"))
    client.post(reverse("page_import"), {"cohort": cohort.pk, "file": upload})
    assert Page.objects.get().title == "Windows 🪟"


@pytest.mark.django_db
def test_an_empty_import_is_explained(client, learner, cohort):
    client.force_login(learner)
    response = client.post(reverse("page_import"), {"cohort": cohort.pk, "text": "  "})
    assert response.status_code == 422
    assert "Choose a Markdown file or paste some Markdown." in response.content.decode()


@pytest.mark.django_db
def test_export_downloads_markdown(client, mentor, journal):
    client.force_login(mentor)
    response = client.get(reverse("page_export", args=["lena", journal.slug]))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="my-journey.md"'
    assert response.content.decode().startswith("# My journey\n\n## Section 1\n")


@pytest.mark.django_db
def test_export_follows_the_page_permissions(client, outsider, journal):
    client.force_login(outsider)
    assert client.get(reverse("page_export", args=["lena", journal.slug])).status_code == 404


@pytest.mark.django_db
def test_a_learner_downloads_all_their_pages_as_a_zip(
    client, learner, peer, cohort, django_assert_max_num_queries
):
    import io
    import zipfile

    from conftest import make_page

    mine = [make_page(learner, cohort, title=f"Week {n}") for n in range(3)]
    make_page(peer, cohort, title="Not mine")
    client.force_login(learner)
    # Session, user, pages, their sections, their tags.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("pages_export_zip"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == sorted(f"{page.slug}.md" for page in mine)
    assert archive.read("week-0.md").decode() == page_export(page=mine[0])


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_files_without_a_bom_are_read(client, learner, cohort, encoding):
    client.force_login(learner)
    upload = SimpleUploadedFile("win.md", "# Windows 🪟\n\n## A\nb".encode(encoding))
    response = client.post(reverse("page_import"), {"cohort": cohort.pk, "file": upload})
    assert response.status_code == 302
    assert Page.objects.get().title == "Windows 🪟"


@pytest.mark.django_db
def test_zip_export_names_read_like_the_titles_in_any_script(client, learner, cohort):
    import io
    import zipfile

    from conftest import make_page

    for title in ("学習ノート", "Журнал обучения", "学習ノート"):
        make_page(learner, cohort, title=title)
    client.force_login(learner)
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("pages_export_zip")).content))
    assert sorted(archive.namelist()) == ["журнал-обучения.md", "学習ノート-2.md", "学習ノート.md"]
    single = client.get(reverse("page_export", args=["lena", Page.objects.first().slug]))
    assert "filename*=utf-8''" in single["Content-Disposition"]
