"""How much a page holds. The importer, the editor and the API all stop at these, and
they bound what the learner wrote (not what an export adds), so whatever imports or
saves also exports and re-imports."""

from __future__ import annotations

# Sections on one page: an import, a new section and a restore all stop here.
MAX_SECTIONS = 100
# UTF-8 bytes of a whole page's Markdown: title, every section, the separators.
MAX_PAGE_BYTES = 200 * 1024
# Characters in one section's text (the editor's textarea), heading not included. As
# much as a page holds: a README without `##` headings is one section, and must fit.
MAX_SECTION_BODY = MAX_PAGE_BYTES
# Characters in one heading's Markdown.
MAX_HEADING = 300
# Bytes of an uploaded file before decoding: UTF-16 takes up to twice the UTF-8 size,
# and the decoded text must still fit MAX_PAGE_BYTES.
MAX_IMPORT_FILE_BYTES = 2 * MAX_PAGE_BYTES
# Lines in a page's Markdown, and the tokens its block structure makes (a paragraph
# makes three, a list item five, a table cell three). The parser costs per line and per
# token more than per byte: 200 KB of one-character list items took 2 s to parse, and
# 10,000 lines of one quoted paragraph 0.5 s. The READMEs in the test corpus have 25-50
# lines and 15-160 tokens per KB, so a real page of 100 KB or more would meet these.
MAX_PAGE_LINES = 5_000
MAX_PAGE_TOKENS = 10_000
# The two above as a person reads them, in the refusal and in a preview past them.
PAGE_SHAPE = (
    f"up to {MAX_PAGE_LINES:,} lines and about {MAX_PAGE_TOKENS // 3:,} paragraphs "
    "(fewer when they are list items or table cells)"
)
