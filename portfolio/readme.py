"""A page as a Markdown document: README import, the page's structure, export.

The Markdown parser decides the structure (markdown-it tokens and their line maps,
never line regexes), so nothing inside code, HTML blocks or comments is a boundary.

- The **title** is the document's leading level-1 heading — ATX, setext or an HTML
  `<h1>` — that only decoration (front matter, badges, HTML, comments) precedes. The
  page's *head* is the verbatim text up to and including it.
- Every level-2 heading, ATX or setext, starts a **section**, unless it sits inside an
  HTML container left open above it (`<details>`, `<div>`…): there it is text, as on
  GitHub.
- Text between the head and the first section is a section *without* a heading.
- Each section keeps its source verbatim: the heading line(s) as written, the blank
  lines after them, the text, and the whitespace after it.

So `export(import(x)) == x` byte for byte, apart from the normalisations listed in
`normalise` and trailing whitespace at the end of the file, plus an optional trailing
`<!-- nexus {…} -->` comment with what the document itself cannot say (summary, tags,
a title the document does not have).
"""

from __future__ import annotations

import bisect
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from portfolio.limits import (
    MAX_HEADING,
    MAX_PAGE_BYTES,
    MAX_SECTION_BODY,
    MAX_SECTIONS,
    PAGE_SHAPE,
)
from portfolio.markdown import (
    Block,
    Document,
    RenderedDocument,
    parse_document,
    render_parts,
)

# Elements that wrap other blocks and must be closed explicitly: a heading inside one
# of them belongs to it, not to a new section.
_CONTAINERS = frozenset(
    {"details", "div", "section", "article", "aside", "center", "blockquote", "figure",
     "nav", "header", "footer", "main", "table"}
)  # fmt: skip
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
# Text between badge links that still counts as a row of badges.
_BADGE_SEPARATORS = set(" \t|·•-–—/")


def normalise(text: str) -> str:
    """The only changes an import makes: a leading byte-order mark goes, and CRLF or a
    lone CR becomes LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    position = text.find("\n")
    while position != -1:
        offsets.append(position + 1)
        position = text.find("\n", position + 1)
    offsets.append(len(text))
    return offsets


def _without_comments(content: str) -> str:
    pieces, position = [], 0
    while (start := content.find("<!--", position)) != -1:
        pieces.append(content[position:start])
        end = content.find("-->", start + 4)
        if end == -1:
            return "".join(pieces)
        position = end + 3
    pieces.append(content[position:])
    return "".join(pieces)


def html_depth_change(content: str) -> int:
    """How many container elements an HTML block opens (negative: closes)."""
    depth = 0
    for match in _TAG.finditer(_without_comments(content)):
        if match.group(2).lower() in _CONTAINERS:
            depth += -1 if match.group(1) else 1
    return depth


def _is_badges(doc: Document, block: Block) -> bool:
    """A paragraph of images and links only, like a row of README badges."""
    if block.opening(doc).type != "paragraph_open":
        return False
    inline = doc.tokens[block.start + 1]
    depth = 0
    for child in inline.children or []:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type == "text" and depth == 0:
            if not set(child.content) <= _BADGE_SEPARATORS:
                return False
        elif depth == 0 and child.type not in {"image", "softbreak", "hardbreak", "html_inline"}:
            return False
    return True


def _strip_tags(content: str) -> str:
    pieces, inside = [], False
    for char in content:
        if char == "<":
            inside = True
            pieces.append(" ")
        elif char == ">" and inside:
            inside = False
        elif not inside:
            pieces.append(char)
    return "".join(pieces)


_RAW_TEXT = ("script", "style", "textarea", "title", "xmp")


# What opens a stretch of HTML a browser does not show as elements, and what ends it.
_HIDDEN = {"<!--": "-->", **{f"<{tag}": f"</{tag}" for tag in _RAW_TEXT}}


def _without_raw_text(content: str) -> tuple[str, bool]:
    """HTML minus what a browser never shows as elements (comments, the text of
    <script>, <style>, <textarea>…), and whether one of those is left open."""
    lowered = content.lower()
    pieces, position = [], 0
    while True:
        found = [(lowered.find(mark, position), mark) for mark in _HIDDEN]
        found = [(start, mark) for start, mark in found if start != -1]
        if not found:
            break
        start, mark = min(found)
        pieces.append(content[position:start])
        end = lowered.find(_HIDDEN[mark], start + len(mark))
        if end == -1:
            return "".join(pieces), True
        position = end + len(_HIDDEN[mark])
    pieces.append(content[position:])
    return "".join(pieces), False


def _html_title(content: str) -> str | None:
    content = _without_raw_text(content)[0]
    lowered = content.lower()
    start = lowered.find("<h1")
    if start == -1 or lowered[start + 3 : start + 4] not in {">", " ", "\t", "\n"}:
        return None
    opened = content.find(">", start)
    end = lowered.find("</h1>", opened)
    if opened == -1 or end == -1:
        return None
    text = html.unescape(_strip_tags(content[opened + 1 : end]))
    return " ".join(text.split()) or None


@dataclass
class Title:
    block: Block
    text: str
    # The first line after the head: the title block, and any HTML container it sits
    # in, closed.
    head_end: int


def find_title(doc: Document) -> Title | None:
    depth = 0
    found: Block | None = None
    text = ""
    for index, block in enumerate(doc.blocks):
        opening = block.opening(doc)
        if found is None:
            if opening.type == "heading_open":
                if opening.tag != "h1":
                    return None
                found, text = block, (opening.meta or {}).get("text", "")
            elif opening.type == "html_block":
                if _without_raw_text(opening.content)[1]:
                    # A <script> or <textarea> left open hides what follows it in a
                    # browser, whatever Markdown makes of it: no title can follow.
                    return None
                title = _html_title(opening.content)
                if title is not None:
                    found, text = block, title
            elif not (opening.type in {"front_matter", "hr"} or _is_badges(doc, block)):
                return None
        if opening.type == "html_block":
            depth = max(0, depth + html_depth_change(opening.content))
        if found is not None and depth == 0:
            return Title(found, text, _next_line(doc, index))
    if found is None:
        return None
    # A container that never closes: the head ends after the title itself.
    return Title(found, text, _next_line(doc, doc.blocks.index(found)))


def _next_line(doc: Document, index: int) -> int:
    return doc.blocks[index + 1].line if index + 1 < len(doc.blocks) else doc.line_count


def section_starts(doc: Document, after_line: int) -> list[Block]:
    """The level-2 headings that start sections, at or after a line."""
    starts: list[Block] = []
    depth = 0
    for block in doc.blocks:
        if block.line < after_line:
            continue
        opening = block.opening(doc)
        if depth == 0 and opening.type == "heading_open" and opening.tag == "h2":
            starts.append(block)
        if opening.type == "html_block":
            depth = max(0, depth + html_depth_change(opening.content))
    return starts


def split_spacing(text: str) -> tuple[str, str, str]:
    """(blank lines before the text, the text, whitespace after it): the editor shows
    the middle; the two ends keep the document's layout."""
    position = 0
    while (end := text.find("\n", position)) != -1 and not text[position:end].strip(" \t"):
        position = end + 1
    if not text[position:].strip():
        return text, "", ""
    body = text[position:].rstrip()
    return text[:position], body, text[position + len(body) :]


def sealed(after: str) -> str:
    """Whitespace after a section's text that keeps the next heading a heading: a blank
    line ends any paragraph or HTML block before it."""
    return after if after.count("\n") >= 2 else "\n\n"


# Headings in the author's style ---------------------------------------------------------

# What could make plain text (a title typed in a form) read as Markdown or HTML.
_SPECIAL = set("\\`*_[]<>&~|")


def escape_markdown(text: str) -> str:
    """Plain text as Markdown that reads back as the same text."""
    escaped = [
        f"\\{char}" if char in _SPECIAL or (char == "!" and text[i + 1 : i + 2] == "[") else char
        for i, char in enumerate(text)
    ]
    # Trailing hashes after a space would close an ATX heading.
    end = len(text)
    while end and text[end - 1] == "#":
        end -= 1
    if end < len(text) and (end == 0 or text[end - 1] in " \t"):
        escaped[end] = "\\#"
    return "".join(escaped)


def heading_markdown(source: str) -> str:
    """The inline Markdown of a heading's source: `## My **tool** ##` → `My **tool**`."""
    lines = source.rstrip("\n").split("\n")
    if len(lines) > 1:  # setext: text lines, then the underline
        return " ".join(line.strip() for line in lines[:-1])
    line = lines[0].lstrip(" ")
    if not line.startswith("#"):
        return line.strip()
    content = line.lstrip("#").strip(" \t")
    closed = content.rstrip("#")
    if closed != content and (not closed or closed[-1] in " \t"):
        content = closed.rstrip(" \t")
    return content


def rebuild_heading(source: str, text: str, *, level: int) -> str:
    """A heading with new text, written in the old one's style where that still reads
    as the same heading (setext or ATX, indent, closing hashes); ValueError when no
    heading can say it."""
    lines = source.rstrip("\n").split("\n") if source else []
    candidates = []
    if len(lines) > 1:
        candidates.append(f"{text}\n{lines[-1]}\n")
    elif lines and lines[0].lstrip(" ").startswith("#"):
        stripped = lines[0].lstrip(" ")
        indent = lines[0][: len(lines[0]) - len(stripped)]
        rest = stripped.lstrip("#")
        hashes = stripped[: len(stripped) - len(rest)]
        gap = rest[: len(rest) - len(rest.lstrip(" \t"))] or " "
        content = rest.strip(" \t")
        trimmed = content.rstrip("#")
        closing = ""
        if trimmed != content and (not trimmed or trimmed[-1] in " \t"):
            closing = content[len(trimmed.rstrip(" \t")) :]
        candidates.append(f"{indent}{hashes}{gap}{text}{closing}\n")
    marks = "#" * level
    candidates += [f"{marks} {text}\n", f"{marks} {text} {marks}\n"]
    for candidate in candidates:
        if _reads_as_heading(candidate, text, level):
            return candidate
    raise ValueError(f"“{text}” cannot be written as a level-{level} heading.")


def _reads_as_heading(source: str, text: str, level: int) -> bool:
    doc = parse_document(source)
    if len(doc.blocks) != 1:
        return False
    opening = doc.blocks[0].opening(doc)
    return (
        opening.type == "heading_open"
        and opening.tag == f"h{level}"
        and (heading_markdown(source) == text)
    )


def retitle(head: str, new_title: str) -> str | None:
    """The head with its title heading rewritten, or None when it has no title."""
    doc = parse_document(head)
    title = find_title(doc)
    if title is None:
        return None
    offsets = _line_offsets(head)
    block = title.block
    start, end = offsets[block.line], offsets[min(block.end_line, len(offsets) - 1)]
    if block.opening(doc).type == "heading_open":
        new = rebuild_heading(head[start:end], escape_markdown(new_title), level=1)
    else:
        chunk, lowered = head[start:end], head[start:end].lower()
        opened = chunk.find(">", lowered.find("<h1"))
        closing = lowered.find("</h1>", opened)
        new = chunk[: opened + 1] + html.escape(new_title, quote=False) + chunk[closing:]
    return head[:start] + new + head[end:]


# Import ---------------------------------------------------------------------------------


@dataclass
class ParsedSection:
    heading_source: str
    before: str
    body: str
    after: str
    heading: str = ""
    heading_html: str = ""
    heading_id: str = ""
    body_html: str = ""

    @property
    def source(self) -> str:
        return self.heading_source + self.before + self.body + self.after


@dataclass
class ParsedPage:
    title: str
    title_source: str = ""
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    sections: list[ParsedSection] = field(default_factory=list)
    head_html: str = ""
    footnotes_html: str = ""
    references: dict[str, Any] = field(default_factory=dict)
    overflowed: bool = False

    @property
    def shown_html(self) -> str:
        """Everything a reader sees of the document, for counting its words."""
        parts = [self.head_html, self.footnotes_html]
        for section in self.sections:
            parts += [section.heading_html, section.body_html]
        return " ".join(parts)

    def problems(self) -> list[str]:
        """What keeps this document from fitting a page, in the learner's words."""
        found = [too_intricate()] if self.overflowed else []
        if len(self.sections) > MAX_SECTIONS:
            found.append(
                f"That README has {len(self.sections)} sections; a page holds up to "
                f"{MAX_SECTIONS}. Split it into two files and import each one."
            )
        for section in self.sections:
            label = section.heading or "the text before the first section"
            if len(section.body) > MAX_SECTION_BODY:
                found.append(
                    f"“{label[:80]}” has {len(section.body):,} characters; a section holds "
                    f"up to {MAX_SECTION_BODY:,}. Split it with a ## heading."
                )
            if len(heading_markdown(section.heading_source)) > MAX_HEADING:
                found.append(f"A heading is longer than {MAX_HEADING} characters: “{label[:80]}…”.")
        return found


def _meta_data(comment: str) -> dict[str, object] | None:
    comment = comment.strip()
    if not (comment.startswith("<!--") and comment.endswith("-->")):
        return None
    inner = comment[4:-3].strip()
    if not inner.startswith("nexus"):
        return None
    try:
        data = json.loads(inner[len("nexus") :])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _take_meta(text: str, doc: Document) -> tuple[str, dict[str, object] | None]:
    """Find the nexus metadata comment and return the text without it (and the blank
    lines it leaves) and its data. An export puts it on the last line, where it is
    found whatever the document left open above it (a code fence, a comment); older
    exports put it under the title, as an HTML block of its own."""
    stripped = text.rstrip()
    start = stripped.rfind("\n<!-- nexus ") + 1
    if stripped.startswith("<!-- nexus ", start) and "\n" not in stripped[start:]:
        data = _meta_data(stripped[start:])
        if data is not None:
            body = stripped[:start].rstrip()
            return (body + "\n" if body else ""), data
    for block in reversed(doc.blocks):
        opening = block.opening(doc)
        data = _meta_data(opening.content) if opening.type == "html_block" else None
        if data is None:
            continue
        offsets = _line_offsets(text)
        start, end = offsets[block.line], offsets[min(block.end_line, len(offsets) - 1)]
        rest = text[end:]
        if block is doc.blocks[-1]:
            return text[:start].rstrip() + "\n", data
        return text[:start] + rest.lstrip("\n"), data
    return text, None


def parse_readme(text: str, *, fallback_title: str = "Untitled journal") -> ParsedPage:
    text = normalise(text)
    doc = parse_document(text)
    if doc.overflowed:
        # Refused (see ParsedPage.problems): not worth cutting into sections.
        return ParsedPage(title=fallback_title, title_source=text, overflowed=True)
    text, meta = _take_meta(text, doc)
    if meta is not None:
        doc = parse_document(text)
    return structure(doc, meta=meta or {}, fallback_title=fallback_title)


def structure(doc: Document, *, meta: dict[str, object], fallback_title: str) -> ParsedPage:
    text = doc.text
    offsets = _line_offsets(text)

    def lines(a: int, b: int) -> str:
        return text[offsets[min(a, len(offsets) - 1)] : offsets[min(b, len(offsets) - 1)]]

    title = find_title(doc)
    first_content = doc.blocks[0].line if doc.blocks else doc.line_count
    head_end = title.head_end if title else first_content
    starts = section_starts(doc, head_end)
    lead_end = starts[0].line if starts else doc.line_count
    if not lines(head_end, lead_end).strip():
        head_end = lead_end

    cuts = [0] + ([head_end] if head_end < lead_end else []) + [b.line for b in starts]
    headed = [False] + ([False] if head_end < lead_end else []) + [True] * len(starts)
    rendered = render_parts(
        doc, cuts, headed=headed, title_line=title.block.line if title else None
    )
    sections: list[ParsedSection] = []
    bounds = [*cuts, doc.line_count + 1]
    for number in range(1, len(cuts)):
        part = rendered.parts[number]
        chunk = lines(bounds[number], bounds[number + 1])
        heading_source = ""
        if headed[number]:
            block = next(b for b in starts if b.line == bounds[number])
            heading_source = lines(block.line, block.end_line)
            chunk = chunk[len(heading_source) :]
        before, body, after = split_spacing(chunk)
        sections.append(
            ParsedSection(
                heading_source=heading_source,
                before=before,
                body=body,
                after=after,
                heading=part.heading.text[:200] if part.heading else "",
                heading_html=part.heading.html if part.heading else "",
                heading_id=part.heading.anchor if part.heading else "",
                body_html=part.html,
            )
        )
    document_title = title.text if title else ""
    named = str(meta.get("title") or "").strip()
    listed = meta.get("tags")
    tags = listed if isinstance(listed, list) else []
    return ParsedPage(
        title=(document_title or named or fallback_title)[:200],
        title_source=lines(0, head_end),
        summary=str(meta.get("summary") or "")[:600],
        tags=[str(tag) for tag in tags if str(tag).strip()][:10],
        sections=sections,
        head_html=rendered.parts[0].html,
        footnotes_html=rendered.footnotes_html,
        references=rendered.references,
        overflowed=rendered.overflowed,
    )


def page_bytes(title_source: str, sources: list[str]) -> int:
    """What a page's Markdown weighs: trailing whitespace at the end does not count, as
    an export may add a line break there."""
    return len((title_source + "".join(sources)).rstrip().encode())


def too_intricate() -> str:
    return (
        f"That Markdown is too intricate for one page: a page holds {PAGE_SHAPE}. "
        "Split it into two pages."
    )


def too_big(size: int) -> str:
    # Rounded up: 200.1 KB is over the limit, so it must not read "200 KB".
    return (
        f"That is {-(-size // 1024):,} KB of Markdown; the limit is "
        f"{MAX_PAGE_BYTES // 1024} KB for a page. Split it into two pages."
    )


# Export ---------------------------------------------------------------------------------


def export_markdown(
    *, title: str, title_source: str, summary: str, tags: list[str], sections: list[str]
) -> str:
    """The page as the author wrote it; what the text cannot carry (summary, tags, a
    title the document does not have) goes into one trailing comment."""
    text = title_source + "".join(sections)
    meta: dict[str, str | list[str]] = {}
    own = find_title(parse_document(title_source))
    if title and (own.text if own else "") != title:
        meta["title"] = title
    if summary:
        meta["summary"] = summary
    if tags:
        meta["tags"] = tags
    if not meta:
        return text if text.endswith("\n") or not text else text + "\n"
    # "--" would end the HTML comment early.
    data = json.dumps(meta, ensure_ascii=False).replace("--", "-\\u002d")
    body = text.rstrip()
    return (body + "\n\n" if body else "") + f"<!-- nexus {data} -->\n"


# Stored pages ---------------------------------------------------------------------------


def render_page(
    title_source: str, parts: list[tuple[str, str]], *, refusing: bool = False
) -> RenderedDocument:
    """Render a stored page as one document: its head, then each section's heading
    source and the rest of its source.

    A section whose text leaves a code fence, a comment or a <script> open would
    swallow the headings after it; the editor refuses to save one such in the middle of
    a page, and the renderer closes it (in the rendered copy only) so that a page from
    before that rule, or a last section with a new one added after it, still shows
    every section. When `refusing` a document past the limits, it is only parsed."""
    sources = [title_source, *(heading + rest for heading, rest in parts)]
    headed = [False] + [bool(heading) for heading, _rest in parts]
    closers = [""] * len(sources)
    for _attempt in range(len(sources)):
        text, cuts = _joined(sources, closers)
        doc = parse_document(text)
        swallowed = _first_swallowed(doc, cuts, headed)
        if swallowed is None or doc.overflowed:
            break
        culprit = next((b for b in doc.blocks if b.line < cuts[swallowed] < b.end_line), None)
        if culprit is None:
            break
        owner = bisect.bisect_right(cuts, culprit.line) - 1
        closer = _closer(doc, culprit)
        if closers[owner].endswith(closer):
            break
        closers[owner] += closer
    if doc.overflowed and refusing:
        return RenderedDocument(overflowed=True)
    title = find_title(doc)
    head_end = cuts[1] if len(cuts) > 1 else doc.line_count
    title_line = title.block.line if title and title.block.line < max(head_end, 1) else None
    return render_parts(doc, cuts, headed=headed, title_line=title_line)


def _joined(sources: list[str], closers: list[str]) -> tuple[str, list[int]]:
    pieces, cuts, line = [], [], 0
    for source, closer in zip(sources, closers, strict=True):
        cuts.append(line)
        if closer and not source.endswith("\n"):
            source += "\n"
        pieces.append(source + closer)
        line += (source + closer).count("\n")
    return "".join(pieces), cuts


def _first_swallowed(doc: Document, cuts: list[int], headed: list[bool]) -> int | None:
    headings = {b.line for b in doc.blocks if b.opening(doc).type == "heading_open"}
    for number, line in enumerate(cuts):
        if headed[number] and line not in headings:
            return number
    return None


def _closer(doc: Document, block: Block) -> str:
    """What ends the block a section left open."""
    opening = block.opening(doc)
    if opening.type == "fence":
        return opening.markup + "\n\n"
    if opening.type == "html_block":
        start = opening.content.lstrip().lower()
        for tag in ("script", "pre", "style", "textarea"):
            if start.startswith(f"<{tag}"):
                return f"</{tag}>\n\n"
        for begins, ends in (("<!--", "-->"), ("<?", "?>"), ("<![cdata[", "]]>"), ("<!", ">")):
            if start.startswith(begins):
                return f"{ends}\n\n"
    return "\n"


def sealed_head(title_source: str) -> str:
    """A head that something follows ends with a blank line, so no heading after it is
    read as part of its last paragraph or HTML block."""
    if not title_source.strip() or title_source.endswith("\n\n"):
        return title_source
    return title_source.rstrip("\n") + "\n\n"


def open_ends(source: str) -> list[str]:
    """What a section's text leaves open that would swallow the sections after it: an
    unclosed code fence or HTML block, or an HTML container left open."""
    text = source if source.endswith("\n") else source + "\n"
    probe = "\n## nexus-probe\n"
    doc = parse_document(text + probe)
    found = []
    last = doc.blocks[-1] if doc.blocks else None
    probe_line = text.count("\n") + 1
    if last is None or last.line != probe_line or last.opening(doc).type != "heading_open":
        kind = doc.blocks[-1].opening(doc).type if doc.blocks else ""
        found.append(
            {
                "fence": "a code block (```) that is never closed",
                "code_block": "an indented code block that runs on",
                "html_block": "an HTML block or <!-- comment --> that is never closed",
            }.get(kind, "a block that is never closed")
        )
    depth = 0
    for block in doc.blocks:
        opening = block.opening(doc)
        if opening.type == "html_block":
            depth = max(0, depth + html_depth_change(opening.content))
    if depth:
        found.append("an HTML element such as <details> or <div> that is never closed")
    return found
