"""Count the words of pages rendered before the count was kept."""

from __future__ import annotations

import re

from django.db import migrations
from django.utils.html import strip_tags

WORD = re.compile(r"\w+")


def count(apps, schema_editor):
    Page = apps.get_model("portfolio", "Page")
    Section = apps.get_model("portfolio", "Section")
    for page in Page.objects.filter(word_count=0).iterator():
        shown = [page.head_html, page.footnotes_html]
        for heading, body in Section.objects.filter(page=page).values_list(
            "heading_html", "body_html"
        ):
            shown += [heading, body]
        page.word_count = len(WORD.findall(strip_tags(" ".join(shown))))
        page.save(update_fields=["word_count"])


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0015_page_reading_and_publishing")]

    operations = [migrations.RunPython(count, migrations.RunPython.noop, elidable=True)]
