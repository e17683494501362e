"""The one Markdown pipeline: markdown-it-py → Pygments → nh3.

Used at save time only (sections, and later comments); read paths show the stored
HTML. The same function renders the live preview, so what you preview is what you get.
"""

from __future__ import annotations

import re

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

HIGHLIGHT_PREFIX = "hl-"
ANCHOR_PREFIX = "md-"
_FORMATTER = HtmlFormatter(nowrap=True, classprefix=HIGHLIGHT_PREFIX)
_HIGHLIGHT_CLASSES = {HIGHLIGHT_PREFIX + name for name in STANDARD_TYPES.values() if name}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,40}$")
# Task-list checkboxes are the only inputs Markdown may produce; any other is dropped.
_NON_CHECKBOX_INPUT = re.compile(r'<input(?![^>]*\btype="checkbox")[^>]*>')
_MAX_HIGHLIGHT = 100_000


def _highlight(code: str, lang: str, _attrs: str) -> str:
    if not lang or len(code) > _MAX_HIGHLIGHT:
        return ""
    try:
        lexer = get_lexer_by_name(lang, stripnl=False)
    except ClassNotFound:
        return ""
    return pygments_highlight(code, lexer, _FORMATTER)


def _anchor_ids(state) -> None:
    """Give every heading an id (prefixed, so user text cannot clobber page ids)."""
    seen: dict[str, int] = {}
    tokens: list[Token] = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        text = tokens[index + 1].content if index + 1 < len(tokens) else ""
        base = slugify(text)[:60] or "heading"
        seen[base] = seen.get(base, 0) + 1
        suffix = "" if seen[base] == 1 else f"-{seen[base]}"
        token.attrSet("id", f"{ANCHOR_PREFIX}{base}{suffix}")


def _heading_close(self, tokens, index, options, env) -> str:
    opening = tokens[index - 2]
    anchor = opening.attrGet("id")
    link = f'<a class="anchor" href="#{anchor}" aria-hidden="true">#</a>' if anchor else ""
    return f"{link}</{tokens[index].tag}>\n"


_md = (
    MarkdownIt("commonmark", {"html": True, "linkify": True, "highlight": _highlight})
    .enable(["table", "strikethrough", "linkify"])
    .use(tasklists_plugin)
)
_md.core.ruler.push("nexus_anchors", _anchor_ids)


def _align_classes(state) -> None:
    """Table alignment as classes: the CSP allows no inline style attributes."""
    for token in state.tokens:
        if token.type in {"th_open", "td_open"}:
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("class", "align-" + style.removeprefix("text-align:").strip())


_md.core.ruler.push("nexus_align", _align_classes)
_md.add_render_rule("heading_close", _heading_close)


_ALIGN_CLASSES = {"align-left", "align-center", "align-right"}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        if tag == "span":
            kept = [c for c in value.split() if c in _HIGHLIGHT_CLASSES]
        elif tag == "code":
            kept = [c for c in value.split() if _LANGUAGE_CLASS.match(c)]
        elif tag == "a":
            kept = [c for c in value.split() if c == "anchor"]
        elif tag in {"td", "th"}:
            kept = [c for c in value.split() if c in _ALIGN_CLASSES]
        else:
            kept = [c for c in value.split() if c.startswith(("task-list-item", "contains-task"))]
        return " ".join(kept) or None
    if attribute == "id":
        return value if value.startswith(ANCHOR_PREFIX) else None
    if tag == "input" and attribute == "type":
        return "checkbox" if value == "checkbox" else None
    if tag == "a" and attribute == "href" and value.startswith("#"):
        return value if value.startswith(f"#{ANCHOR_PREFIX}") else None
    return value


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_CLEANER = nh3.Cleaner(
    tags={
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "hr",
        "i",
        "img",
        "input",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
        *_HEADINGS,
    },  # fmt: skip
    clean_content_tags={"script", "style"},
    attributes={
        "a": {"href", "title", "class", "aria-hidden"},
        "img": {"src", "alt", "title", "width", "height"},
        "code": {"class"},
        "span": {"class"},
        "ul": {"class"},
        "li": {"class"},
        "ol": {"start"},
        "input": {"type", "checked", "disabled", "class"},
        "details": {"open"},
        "td": {"class", "colspan", "rowspan"},
        "th": {"class", "colspan", "rowspan", "scope"},
        "abbr": {"title"},
        **{heading: {"id"} for heading in _HEADINGS},
    },
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener ugc",
    strip_comments=True,
    set_tag_attribute_values={"input": {"disabled": "disabled"}},
)


def render_markdown(text: str) -> str:
    """Markdown to safe HTML: CommonMark, tables, strikethrough, task lists, autolinks,
    server-side highlighting, heading anchors, then the nh3 allowlist."""
    if not text.strip():
        return ""
    return _NON_CHECKBOX_INPUT.sub("", _CLEANER.clean(_md.render(text)))
