"""Pages written before sections kept their source: give each the Markdown the old
export wrote (`# Title`, then `## Heading` and the text of each section, a blank line
between), then render every page as one document."""

from __future__ import annotations

from django.db import migrations


def backfill(apps, schema_editor):
    from portfolio.readme import escape_markdown, render_page

    Page = apps.get_model("portfolio", "Page")
    Section = apps.get_model("portfolio", "Section")
    Revision = apps.get_model("portfolio", "Revision")
    for revision in Revision.objects.filter(heading_source="").exclude(heading="").iterator():
        revision.heading_source = f"## {revision.heading}\n"
        revision.save(update_fields=["heading_source"])
    for page in Page.objects.filter(title_source="").iterator():
        sections = list(Section.objects.filter(page=page).order_by("position", "id"))
        page.title_source = f"# {escape_markdown(page.title)}\n\n"
        for section in sections:
            section.heading_source = f"## {section.heading}\n"
            section.spacing_before = "\n" if section.body else ""
            section.spacing_after = "\n\n" if section.body else "\n"
        rendered = render_page(
            page.title_source,
            [
                (s.heading_source, s.spacing_before + s.body + s.spacing_after)
                for s in sections
            ],
        )
        head, *parts = rendered.parts
        page.head_html, page.footnotes_html = head.html, rendered.footnotes_html
        page.references = rendered.references
        page.save(update_fields=["title_source", "head_html", "footnotes_html", "references"])
        for section, part in zip(sections, parts, strict=True):
            if part.heading is not None:
                section.heading_html = part.heading.html
                section.heading_id = part.heading.anchor
            section.body_html = part.html
        Section.objects.bulk_update(
            sections,
            ["heading_source", "spacing_before", "spacing_after", "heading_html", "heading_id",
             "body_html"],
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0013_document_source")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
