"""Markdown READMEs in and out of journal pages.

Import: the first `#` heading is the title, each `##` heading starts a section, text
before the first `##` becomes the Overview, deeper headings stay inside their section,
and nothing inside a code fence counts as a heading. Export writes the same shape back,
with the summary and tags in an HTML comment (invisible on GitHub), so an exported page
imports back to the same page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from portfolio.models import MAX_SECTIONS

OVERVIEW = "Overview"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_H1 = re.compile(r"^ {0,3}#(?!#)(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_H2 = re.compile(r"^ {0,3}##(?!#)(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_TRAILING_RULE = re.compile(
    r"(?:\n[ \t]*(?:-[ \t]*){3,}|\n[ \t]*(?:\*[ \t]*){3,}|\n[ \t]*(?:_[ \t]*){3,})+\s*\Z"
)
_META = re.compile(r"<!--\s*nexus\s+(\{.*?\})\s*-->", re.DOTALL)


@dataclass
class ParsedPage:
    title: str
    summary: str = ""
    tags: list[str] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)
    # Sections past MAX_SECTIONS, left out of `sections`.
    dropped: int = 0


def _clean_body(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n")
    # Separator rules between README sections are layout, not content.
    text = _TRAILING_RULE.sub("", "\n" + text).lstrip("\n") if text else text
    return text.strip("\n").rstrip()


def parse_readme(text: str, *, fallback_title: str = "Untitled journal") -> ParsedPage:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    title: str | None = None
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fence: str | None = None

    for line in lines:
        current = sections[-1][1] if sections else preamble
        if fence:
            current.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) <= set(fence[0]):
                fence = None
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            current.append(line)
            continue
        if title is None and not sections and (h1 := _H1.match(line)):
            title = (h1.group(1) or "").strip()
            continue
        if (
            title is None
            and not sections
            and _SETEXT_H1.match(line)
            and preamble
            and preamble[-1].strip()
        ):
            title = preamble.pop().strip()
            continue
        heading = _H2.match(line) or (_H1.match(line) if title is not None else None)
        if heading:
            sections.append(((heading.group(1) or "").strip() or "Untitled section", []))
            continue
        current.append(line)

    summary, tags = "", []
    intro = "\n".join(preamble)
    if meta := _META.search(intro):
        try:
            data = json.loads(meta.group(1))
        except ValueError:
            data = {}
        if isinstance(data, dict):
            summary = str(data.get("summary", ""))
            tags = [str(tag) for tag in data.get("tags", []) if str(tag).strip()]
        intro = intro[: meta.start()] + intro[meta.end() :]

    parsed = [(heading[:200], _clean_body(body)) for heading, body in sections]
    overview = _clean_body(intro.split("\n"))
    if overview:
        if parsed and parsed[0][0].strip().lower() == OVERVIEW.lower():
            first_body = parsed[0][1]
            parsed[0] = (parsed[0][0], f"{overview}\n\n{first_body}".strip())
        else:
            parsed.insert(0, (OVERVIEW, overview))
    return ParsedPage(
        title=(title or fallback_title)[:200] or fallback_title,
        summary=summary[:600],
        tags=tags[:10],
        sections=parsed[:MAX_SECTIONS],
        dropped=max(0, len(parsed) - MAX_SECTIONS),
    )


def export_markdown(*, title: str, summary: str, tags: list[str], sections) -> str:
    """sections: (heading, body) pairs in order."""
    parts = [f"# {title}"]
    if summary or tags:
        meta = json.dumps({"summary": summary, "tags": tags}, ensure_ascii=False)
        # "--" would end the HTML comment early.
        parts.append(f"<!-- nexus {meta.replace('--', '-\\u002d')} -->")
    for heading, body in sections:
        parts.append(f"## {heading}")
        if body.strip():
            parts.append(body.strip("\n"))
    return "\n\n".join(parts) + "\n"
