"""The one Markdown pipeline: markdown-it-py → Pygments → nh3.

Used at save time only (pages and comments); read paths show the stored HTML. The
same parser splits an imported README into sections (`portfolio.readme`) and renders a
page as one document, so what the importer calls a heading is what the page shows.

A page is rendered whole — reference definitions, footnotes and heading ids are the
document's, as on GitHub — and the result is cut back into the parts the page stores:
its head (everything up to the title), each section's heading and body, and the
footnotes. `render_markdown` renders one standalone text (comments, previews).
"""

from __future__ import annotations

import bisect
import html
import re
import secrets
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from io import StringIO
from typing import Any, cast

import nh3
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import StateBlock, table
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.footnote import footnote_plugin
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from portfolio.limits import MAX_PAGE_LINES, MAX_PAGE_TOKENS, PAGE_SHAPE

HIGHLIGHT_PREFIX = "hl-"
# Ids and fragment links that come from a document carry this prefix, so no text can
# clobber an id of the site's own (GitHub prefixes "user-content-" for the same reason).
ANCHOR_PREFIX = "md-"
# Containers and block quotes nest at most this deep; deeper markers stay text.
MAX_NESTING = 20
_FORMATTER = HtmlFormatter(nowrap=True, classprefix=HIGHLIGHT_PREFIX)
_HIGHLIGHT_CLASSES = {HIGHLIGHT_PREFIX + name for name in STANDARD_TYPES.values() if name}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,40}$")
# Task-list checkboxes are the only inputs Markdown may produce; any other is dropped.
_NON_CHECKBOX_INPUT = re.compile(r'<input(?![^>]*\btype="checkbox")[^>]*>')
# A document's own <h1> would be a second one on the page: it reads as an <h2>.
_H1_TAG = re.compile(r"<(/?)h1\b")
# Highlighting is driven by what the author writes, so it is bounded three ways. Only
# these languages are highlighted (Pygments has ~600 lexers; crafted input keeps some
# busy for seconds, one for ever); a block longer than HIGHLIGHT_CHARS is plain; and
# the lexer is stopped, the block left plain, once the document's highlighting has
# taken HIGHLIGHT_SECONDS in all (even common lexers are quadratic on some input:
# 20,000 newlines kept C's for 20 s). test_highlighting.py runs every alias below on
# hostile input; INI and the psql console are not listed because a single step of
# theirs took 2 s there, past any check between steps.
LANGUAGES = frozenset(
    {
        "bash",
        "sh",
        "shell",
        "zsh",
        "console",
        "shell-session",
        "powershell",
        "ps1",
        "pwsh",
        "bat",
        "batch",
        "python",
        "py",
        "python3",
        "pycon",
        "pytb",
        "javascript",
        "js",
        "jsx",
        "typescript",
        "ts",
        "tsx",
        "json",
        "yaml",
        "yml",
        "toml",
        "properties",
        "sql",
        "postgresql",
        "mysql",
        "sqlite3",
        "html",
        "xml",
        "css",
        "scss",
        "sass",
        "less",
        "markdown",
        "md",
        "dockerfile",
        "docker",
        "make",
        "makefile",
        "nginx",
        "diff",
        "go",
        "golang",
        "rust",
        "rs",
        "java",
        "kotlin",
        "c",
        "cpp",
        "c++",
        "csharp",
        "cs",
        "ruby",
        "rb",
        "php",
        "graphql",
        "http",
        "text",
        "django",
        "jinja",
        "html+django",
        "terraform",
        "hcl",
        "swift",
        "dart",
        "lua",
        "r",
        "scala",
        "elixir",
        "haskell",
        "vue",
        "nix",
        "perl",
        "groovy",
    }
)
HIGHLIGHT_CHARS = 20_000
HIGHLIGHT_SECONDS = 0.25
_deadline: ContextVar[float | None] = ContextVar("highlight_deadline", default=None)
# Inline Markdown (emphasis, links, code spans) is parsed in pure Python at a few
# microseconds a character; text dense with markup (190 KB of "[[a](") took 4 s. Past
# this much time in one parse, the rest of each paragraph is kept as plain text. The
# block structure (headings, lists, where sections start) is always parsed whole, so
# an import splits a README the same way however busy the machine is.
INLINE_SECONDS = 0.3
_inline_deadline: ContextVar[float | None] = ContextVar("inline_deadline", default=None)


@contextmanager
def _budget(deadline: ContextVar[float | None], seconds: float) -> Iterator[None]:
    """One time budget, shared by everything the decorated call does (a render's code
    blocks, a document's inline parsing)."""
    token = deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        deadline.reset(token)


# Block structure is parsed in pure Python too, at tens of microseconds per line and
# per element: 200 KB of one-character list items took 2 s to parse, four parses made a
# save cost 7 s. A document past MAX_PAGE_LINES lines or MAX_PAGE_TOKENS tokens is
# parsed up to there and the rest shown as plain text; saving and importing refuse it
# (`Document.overflowed`), so only a preview or a comment ever shows the rest. Both
# limits count, never time: a README splits the same way however busy the machine is.
_OVERFLOWED = "nexus_overflowed"
_HELD_BACK = "nexus_held_back"


def _nth_line_end(text: str, lines: int) -> int:
    """Where the text's first `lines` lines end (-1 when it has no more than that)."""
    position = -1
    for _line in range(lines):
        position = text.find("\n", position + 1)
        if position == -1:
            return -1
    return position + 1 if position + 1 < len(text) else -1


def _line_limit(state: StateCore) -> None:
    """Before the block parser: hold back the lines past the limit."""
    if state.src.count("\n") < MAX_PAGE_LINES:
        return
    cut = _nth_line_end(state.src, MAX_PAGE_LINES)
    if cut != -1:
        state.env[_HELD_BACK] = state.src[cut:]
        state.src = state.src[:cut]


def _held_back(state: StateCore) -> None:
    """After the block parser: the held-back lines, as one plain-text block."""
    rest = state.env.pop(_HELD_BACK, None)
    if rest is not None:
        token = Token("nexus_overflow", "", 0, content=rest, block=True)
        first = state.src.count("\n")
        token.map = [first, first + rest.count("\n") + 1]
        state.tokens.append(token)
        state.env[_OVERFLOWED] = True


def _token_limit(
    state: StateBlock, start: int, end: int, silent: bool, *, spent: bool = False
) -> bool:
    """First block rule, so tried at every block's start: past the token limit, the
    rest (of the document, or of the list item or quote it is in) is one plain-text
    block, its lines as written."""
    if silent or (len(state.tokens) < MAX_PAGE_TOKENS and not spent):
        return False
    first = state.src.rfind("\n", 0, state.bMarks[start]) + 1
    token = state.push("nexus_overflow", "", 0)
    token.content = state.src[first : state.eMarks[end - 1] + 1]
    token.map = [start, end]
    token.block = True
    state.line = end
    state.env[_OVERFLOWED] = True
    return True


def _table(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's table rule, stopped at the rows the token limit leaves room for
    (it parses a whole table in one call: 34,000 rows took 0.9 s)."""
    line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    per_row = 2 + 3 * (line.strip().strip("|").count("|") + 1)
    rows = max(0, MAX_PAGE_TOKENS - len(state.tokens)) // per_row
    stop = min(end, start + 2 + rows)
    if not table(state, start, stop, silent):
        return False
    if state.line == stop < end and not silent:
        # Cut short: the rest would be read as one long paragraph, line by line.
        _token_limit(state, stop, end, silent, spent=True)
    return True


def _overflow(
    _self: RendererHTML, tokens: Sequence[Token], index: int, _options: OptionsDict, _env: EnvType
) -> str:
    return (
        '<div class="md-overflow"><p><strong>Shown as plain text:</strong> a page holds '
        f"{PAGE_SHAPE}, and this goes past them.</p>"
        f"<pre>{html.escape(tokens[index].content)}</pre></div>\n"
    )


def _out_of_time(state: StateInline, silent: bool) -> bool:
    """First inline rule: once the budget is spent, the rest is text."""
    deadline = _inline_deadline.get()
    if deadline is None or time.monotonic() <= deadline:
        return False
    if not silent:
        state.pending += state.src[state.pos : state.posMax]
    state.pos = state.posMax
    return True


# A URL scheme is short; looking further back for one was quadratic on "x://x://…".
_SCHEME = re.compile(r"(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]{0,31})$", re.IGNORECASE)
_MAX_LINK = 4096


def _linkify(state: StateInline, silent: bool) -> bool:
    """A bare "scheme://…" in text becomes a link, as markdown-it's own rule does, but
    with bounded work per "://": the scheme is looked for in the last few characters
    and the link in the next few thousand (markdown-it's searched all the text before
    and copied all the text after, 100 s on 190 KB of "<http://")."""
    src, pos, linkify = state.src, state.pos, state.md.linkify
    if linkify is None or state.linkLevel > 0 or src[pos : pos + 3] != "://":
        return False
    found = _SCHEME.search(state.pending[-33:])
    if not found or (found.start(1) == 0 and len(state.pending) > 32):
        return False
    scheme = found.group(1)
    link = linkify.match_at_start(src[pos - len(scheme) : min(state.posMax, pos + _MAX_LINK)])
    if not link:
        return False
    url = link.url.rstrip("*")  # a trailing * is emphasis, not the link's
    href = state.md.normalizeLink(url)
    if not state.md.validateLink(href):
        return False
    if not silent:
        state.pending = state.pending[: -len(scheme)]
        opening = state.push("link_open", "a", 1)
        opening.attrs = {"href": href}
        opening.markup, opening.info = "linkify", "auto"
        text = state.push("text", "", 0)
        text.content = state.md.normalizeLinkText(url)
        closing = state.push("link_close", "a", -1)
        closing.markup, closing.info = "linkify", "auto"
    state.pos += len(url) - len(scheme)
    return True


def _highlight(code: str, lang: str, _attrs: str) -> str:
    """Highlighted HTML for a fenced block, or "" for markdown-it's plain <code>."""
    lang = lang.lower()
    if lang not in LANGUAGES or len(code) > HIGHLIGHT_CHARS:
        return ""
    try:
        lexer = get_lexer_by_name(lang, stripnl=False)
    except ClassNotFound:
        return ""
    deadline = _deadline.get()
    if deadline is None:
        deadline = time.monotonic() + HIGHLIGHT_SECONDS
    tokens = []
    for count, item in enumerate(lexer.get_tokens(code)):
        tokens.append(item)
        if count % 16 == 0 and time.monotonic() > deadline:
            return ""  # and later blocks of this render, sharing the deadline, too
    out = StringIO()
    _FORMATTER.format(tokens, out)
    return out.getvalue()


# Front matter ---------------------------------------------------------------------------


def _front_matter(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """YAML front matter: `---` on the first line, closed by `---` or `...`. It is the
    file's metadata, not its text: kept in the source, shown as nothing. An unclosed
    `---` is an ordinary thematic break."""
    if start != 0 or state.src[state.bMarks[0] : state.eMarks[0]].rstrip() != "---":
        return False
    line = 1
    while line < end:
        text = state.src[state.bMarks[line] : state.eMarks[line]].rstrip()
        if text in {"---", "..."}:
            break
        line += 1
    else:
        return False
    if silent:
        return True
    token = state.push("front_matter", "", 0)
    token.block = True
    token.map = [start, line + 1]
    token.content = state.getLines(start + 1, line, 0, True)
    state.line = line + 1
    return True


# Headings and links ---------------------------------------------------------------------


def plain_text(inline: Token | None) -> str:
    """The text a reader sees in an inline token (entities decoded, markup dropped)."""
    if inline is None or not inline.children:
        return ""
    parts: list[str] = []
    for child in inline.children:
        if child.type in {"text", "text_special", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
    return " ".join("".join(parts).split())


def github_slug(text: str) -> str:
    """GitHub's heading id: lower case, letters, marks, digits, `-` and `_` kept,
    spaces to hyphens, everything else (punctuation, emoji) dropped."""
    kept = []
    for char in text.lower():
        if char == " ":
            kept.append("-")
        elif char in "-_" or unicodedata.category(char)[0] in "LMN":
            kept.append(char)
    return "".join(kept)


def _unique(slug: str, seen: dict[str, int]) -> str:
    """Number repeated slugs the way GitHub does: x, x-1, x-2…"""
    original = slug
    while slug in seen:
        seen[original] += 1
        slug = f"{original}-{seen[original]}"
    seen[slug] = 0
    return slug


def _headings(state: StateCore) -> None:
    seen: dict[str, int] = state.env.setdefault("slugs", {})
    tokens: list[Token] = state.tokens
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[index + 1] if index + 1 < len(tokens) else None
            text = plain_text(inline)
            token.meta = {**(token.meta or {}), "text": text, "level": int(token.tag[1])}
            token.attrSet("id", ANCHOR_PREFIX + _unique(github_slug(text), seen))
        elif token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "link_open":
                    href = child.attrGet("href")
                    if isinstance(href, str) and href.startswith("#"):
                        child.attrSet("href", f"#{ANCHOR_PREFIX}{href[1:]}")
        elif token.type in {"th_open", "td_open"}:
            # Table alignment as classes: the CSP allows no inline style attributes.
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("class", "align-" + style.removeprefix("text-align:").strip())


def _heading_open(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[index]
    tag = "h2" if token.tag == "h1" else token.tag
    return f'<{tag} id="{html.escape(str(token.attrGet("id") or ""))}">'


def _heading_close(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    tag = "h2" if tokens[index].tag == "h1" else tokens[index].tag
    return f"</{tag}>\n"


# Code and tables scroll sideways inside the page: each is a labelled region that takes
# the keyboard's focus, so it can be scrolled without a mouse.


def _scrolling(label: str, inner: str, kind: str) -> str:
    return (
        f'<div class="{kind}" role="region" tabindex="0" aria-label="{html.escape(label)}">'
        f"{inner}</div>\n"
    )


def _fence(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    language = tokens[index].info.strip().split(maxsplit=1)[0] if tokens[index].info else ""
    label = f"Code: {language}" if language else "Code"
    return _scrolling(
        label[:60], RendererHTML.fence(self, tokens, index, options, env), "code-block"
    )


def _code_block(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    inner = RendererHTML.code_block(self, tokens, index, options, env)
    return _scrolling("Code", inner, "code-block")


def _table_open(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    opening = self.renderToken(tokens, index, options, env)
    return f'<div class="table-wrap" role="region" tabindex="0" aria-label="Table">{opening}'


def _table_close(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    return self.renderToken(tokens, index, options, env) + "</div>\n"


# Task lists --------------------------------------------------------------------------

_TASK_MARKER = re.compile(r"\[[ xX]\][ \t\n\v\f\r]+")
_CHECKBOX = '<input class="task-list-item-checkbox"{} disabled="disabled" type="checkbox">'


def _html_token(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token


def _task_lists(state: StateCore) -> None:
    """GitHub's task lists: an item starting "[ ] " or "[x] " gets a disabled checkbox,
    the item and its text in one <label>. One pass with a stack of open lists (the
    plugin looked back through every token for each item's list: 20,000 items took
    138 s)."""
    tokens = state.tokens
    lists: list[Token] = []
    for index, token in enumerate(tokens):
        if token.type in {"bullet_list_open", "ordered_list_open"}:
            lists.append(token)
        elif token.type in {"bullet_list_close", "ordered_list_close"}:
            lists.pop()
        elif (
            token.type == "inline"
            and index >= 2
            and tokens[index - 1].type == "paragraph_open"
            and tokens[index - 2].type == "list_item_open"
            and lists
            and token.children
            and _TASK_MARKER.match(token.content)
        ):
            checked = ' checked="checked"' if token.content[1] in "xX" else ""
            token.children[0].content = token.children[0].content[3:]
            token.content = token.content[3:]
            token.children[:0] = [_html_token("<label>"), _html_token(_CHECKBOX.format(checked))]
            token.children.append(_html_token("</label>"))
            tokens[index - 2].attrSet("class", "task-list-item")
            lists[-1].attrSet("class", "contains-task-list")


# Footnotes, with ids under the document prefix --------------------------------------------


def _footnote_number(tokens: Sequence[Token], index: int) -> str:
    return str(tokens[index].meta["id"] + 1)


def _footnote_ref(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    number = _footnote_number(tokens, index)
    sub = tokens[index].meta.get("subId", 0)
    ref_id = f"{ANCHOR_PREFIX}fnref-{number}" + (f"-{sub}" if sub > 0 else "")
    return (
        f'<sup class="footnote-ref"><a href="#{ANCHOR_PREFIX}fn-{number}" id="{ref_id}">'
        f"{number}</a></sup>"
    )


def _footnote_block_open(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    return "<ol>\n"


def _footnote_block_close(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    return "</ol>\n"


def _footnote_open(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    return f'<li id="{ANCHOR_PREFIX}fn-{_footnote_number(tokens, index)}">'


def _footnote_close(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    return "</li>\n"


# A note cited ten thousand times would end in ten thousand "↩" links: it links back
# to its first few citations.
MAX_BACKREFS = 10


def _footnote_anchor(
    self: RendererHTML, tokens: Sequence[Token], index: int, options: OptionsDict, env: EnvType
) -> str:
    sub = tokens[index].meta.get("subId", 0)
    if sub >= MAX_BACKREFS:
        return ""
    number = _footnote_number(tokens, index)
    ref_id = f"{ANCHOR_PREFIX}fnref-{number}" + (f"-{sub}" if sub > 0 else "")
    return f' <a class="footnote-backref" href="#{ref_id}" aria-label="Back to the text">↩</a>'


_md = (
    MarkdownIt(
        "commonmark",
        {"html": True, "linkify": True, "highlight": _highlight, "maxNesting": MAX_NESTING},
    )
    .enable(["table", "strikethrough", "linkify"])
    .use(footnote_plugin, inline=False)
)
_md.block.ruler.before(
    "table", "front_matter", _front_matter, {"alt": ["paragraph", "reference", "blockquote"]}
)
_md.core.ruler.after("inline", "nexus_task_lists", _task_lists)
_md.core.ruler.push("nexus_headings", _headings)
_md.inline.ruler.at("linkify", _linkify)
_md.inline.ruler.before("text", "nexus_out_of_time", _out_of_time)
_md.core.ruler.before("block", "nexus_line_limit", _line_limit)
_md.core.ruler.after("block", "nexus_held_back", _held_back)
_md.block.ruler.before("front_matter", "nexus_token_limit", _token_limit)
_md.block.ruler.at("table", _table, {"alt": ["paragraph", "reference"]})
_md.add_render_rule("front_matter", lambda self, tokens, index, options, env: "")
_md.add_render_rule("heading_open", _heading_open)
_md.add_render_rule("heading_close", _heading_close)
_md.add_render_rule("fence", _fence)
_md.add_render_rule("code_block", _code_block)
_md.add_render_rule("table_open", _table_open)
_md.add_render_rule("table_close", _table_close)
_md.add_render_rule("footnote_ref", _footnote_ref)
_md.add_render_rule("footnote_block_open", _footnote_block_open)
_md.add_render_rule("footnote_block_close", _footnote_block_close)
_md.add_render_rule("footnote_open", _footnote_open)
_md.add_render_rule("footnote_close", _footnote_close)
_md.add_render_rule("footnote_anchor", _footnote_anchor)
_md.add_render_rule("nexus_overflow", _overflow)
# MarkdownIt types its renderer with a protocol that lacks renderInline; ours is the
# default one, RendererHTML.
_renderer = cast(RendererHTML, _md.renderer)


# Sanitising -----------------------------------------------------------------------------

_ALIGN_CLASSES = {"align-left", "align-center", "align-right"}
_A_CLASSES = {"anchor", "footnote-backref"}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "class":
        if tag == "span":
            kept = [c for c in value.split() if c in _HIGHLIGHT_CLASSES]
        elif tag == "code":
            kept = [c for c in value.split() if _LANGUAGE_CLASS.match(c)]
        elif tag == "a":
            kept = [c for c in value.split() if c in _A_CLASSES]
        elif tag == "sup":
            kept = [c for c in value.split() if c == "footnote-ref"]
        elif tag in {"td", "th"}:
            kept = [c for c in value.split() if c in _ALIGN_CLASSES]
        elif tag == "div":
            kept = [c for c in value.split() if c in {"code-block", "table-wrap", "md-overflow"}]
        else:
            kept = [c for c in value.split() if c.startswith(("task-list-item", "contains-task"))]
        return " ".join(kept) or None
    if attribute == "id":
        return value if value.startswith(ANCHOR_PREFIX) else None
    if attribute == "role":
        return "region" if value == "region" else None
    if attribute == "tabindex":
        return "0" if value == "0" else None
    if tag == "input" and attribute == "type":
        return "checkbox" if value == "checkbox" else None
    if tag == "a" and attribute == "href" and value.startswith("#"):
        return value if value.startswith(f"#{ANCHOR_PREFIX}") else None
    return value


_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "hr", "i", "img", "input", "ins", "kbd", "label", "li", "mark", "ol", "p",
    "pre", "s", "samp", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", *_HEADINGS,
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title", "class", "aria-label", "id"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    # An id on a span marks where the renderer cuts the document into parts.
    "span": {"class", "id"},
    "sup": {"class"},
    "ul": {"class"},
    "li": {"class", "id"},
    "ol": {"start"},
    "input": {"type", "checked", "disabled", "class"},
    "details": {"open"},
    "div": {"class", "role", "tabindex", "aria-label"},
    "td": {"class", "colspan", "rowspan"},
    "th": {"class", "colspan", "rowspan", "scope"},
    "abbr": {"title"},
    **{heading: {"id"} for heading in _HEADINGS},
}
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes=_ATTRIBUTES,
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener ugc",
    strip_comments=True,
    set_tag_attribute_values={"input": {"disabled": "disabled"}},
)
# What may appear inside a heading: inline markup only.
_INLINE_CLEANER = nh3.Cleaner(
    tags={
        "a",
        "abbr",
        "b",
        "code",
        "del",
        "em",
        "i",
        "img",
        "kbd",
        "mark",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "u",
    },  # fmt: skip
    clean_content_tags={"script", "style"},
    attributes={key: value for key, value in _ATTRIBUTES.items() if key in {"a", "img", "span"}},
    attribute_filter=_attribute_filter,
    url_schemes={"http", "https", "mailto"},
    link_rel="nofollow noopener ugc",
    strip_comments=True,
)


# The HTML parser under nh3 is quadratic in how deeply block elements nest (20,000
# nested <div>s took 1.1 s, 38,000 took 3.9 s). Past this depth an author's opening
# tag is shown as text; Markdown's own nesting stops far earlier (MAX_NESTING).
MAX_HTML_DEPTH = 100
_NESTING_TAGS = frozenset(
    {"div", "ul", "ol", "dl", "blockquote", "section", "article", "aside", "nav"}
    | {"header", "footer", "main", "figure", "details", "fieldset", "form", "center", "table"}
)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")


def _flatten_deep_html(rendered: str) -> str:
    """Escape opening block tags nested deeper than MAX_HTML_DEPTH (one linear pass)."""
    if rendered.count("<") < MAX_HTML_DEPTH:
        return rendered
    depth = 0
    parts: list[str] = []
    last = 0
    for tag in _TAG.finditer(rendered):
        name = tag.group(2).lower()
        if name not in _NESTING_TAGS:
            continue
        if tag.group(1):
            depth = max(0, depth - 1)
        elif depth >= MAX_HTML_DEPTH:
            parts += [rendered[last : tag.start()], "&lt;"]
            last = tag.start() + 1
        else:
            depth += 1
    if not parts:
        return rendered
    parts.append(rendered[last:])
    return "".join(parts)


# A tag in HTML that `clean` wrote: a `<` in text is always escaped there, and attribute
# values are double-quoted (and may hold a ">").
_CLEAN_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')


def html_text(cleaned: str) -> str:
    """The text of HTML this module made, entities decoded (a tenth of the time Django's
    strip_tags took, which parses: 0.5 s on a page of 20,000 list items)."""
    return html.unescape(_CLEAN_TAG.sub("", cleaned))


def clean(rendered: str) -> str:
    cleaned = _CLEANER.clean(_flatten_deep_html(rendered))
    return _H1_TAG.sub(r"<\1h2", _NON_CHECKBOX_INPUT.sub("", cleaned))


@_budget(_inline_deadline, INLINE_SECONDS)
@_budget(_deadline, HIGHLIGHT_SECONDS)
def render_markdown(text: str, *, references: dict[str, Any] | None = None) -> str:
    """Markdown to safe HTML: CommonMark, tables, strikethrough, task lists, footnotes,
    autolinks, server-side highlighting, heading anchors, then the nh3 allowlist.
    `references` are link definitions from elsewhere in the document (a preview)."""
    if not text.strip():
        return ""
    env: dict[str, Any] = {"references": dict(references)} if references else {}
    return clean(_md.render(text, env))


# Whole documents ------------------------------------------------------------------------


@dataclass
class Block:
    """One top-level block of a document: tokens[start:stop], lines [line, end_line)."""

    start: int
    stop: int
    line: int
    end_line: int

    def opening(self, doc: Document) -> Token:
        return doc.tokens[self.start]


@dataclass
class Document:
    text: str
    tokens: list[Token]
    env: dict[str, Any]
    blocks: list[Block]
    # Where the footnotes gathered at the end begin (len(tokens) when there are none).
    footnotes_start: int
    line_count: int
    # Past the line or token limit: shown in part as plain text, never stored.
    overflowed: bool = False


@_budget(_inline_deadline, INLINE_SECONDS)
def parse_document(text: str) -> Document:
    env: dict[str, Any] = {}
    tokens = _md.parse(text, env)
    footnotes_start = len(tokens)
    blocks: list[Block] = []
    for index, token in enumerate(tokens):
        if token.type == "footnote_block_open":
            footnotes_start = index
            break
        if token.level == 0 and token.nesting >= 0 and token.map:
            if blocks:
                blocks[-1].stop = index
            blocks.append(Block(index, index + 1, token.map[0], token.map[1]))
        elif blocks:
            blocks[-1].stop = index + 1
    if blocks:
        blocks[-1].stop = footnotes_start
    line_count = text.count("\n") + 1
    overflowed = bool(env.pop(_OVERFLOWED, False))
    return Document(text, tokens, env, blocks, footnotes_start, line_count, overflowed)


@dataclass
class Heading:
    level: int
    text: str
    html: str
    anchor: str


@dataclass
class RenderedPart:
    html: str = ""
    heading: Heading | None = None


@dataclass
class RenderedDocument:
    parts: list[RenderedPart] = field(default_factory=list)
    footnotes_html: str = ""
    references: dict[str, Any] = field(default_factory=dict)
    overflowed: bool = False


def _heading_parts(doc: Document, block: Block) -> tuple[Heading, str] | None:
    """A heading block's level, plain text and id, and its inline HTML (not yet clean)."""
    opening = block.opening(doc)
    if opening.type != "heading_open":
        return None
    inline = doc.tokens[block.start + 1]
    inner = _renderer.renderInline(inline.children or [], _md.options, doc.env)
    heading = Heading(
        level=int(opening.tag[1]),
        text=(opening.meta or {}).get("text", ""),
        html="",
        anchor=str(opening.attrGet("id") or ""),
    )
    return heading, inner


_SKIPPED = {"<!--": "-->", "<script": "</script", "<style": "</style", "<textarea": "</textarea"}


def _without_first_h1(rendered: str) -> str:
    """The head's HTML minus the title's own <h1> element (the page shows the title):
    the first one a browser would show, not one inside a comment or a script."""
    lowered = rendered.lower()
    position = 0
    while True:
        found = [(lowered.find(mark, position), mark) for mark in [*_SKIPPED, "<h1"]]
        found = [(start, mark) for start, mark in found if start != -1]
        if not found:
            return rendered
        start, mark = min(found)
        if mark != "<h1":
            end = lowered.find(_SKIPPED[mark], start + len(mark))
            if end == -1:
                return rendered
            position = end + 1
            continue
        end = lowered.find("</h1>", start)
        if end == -1:
            return rendered
        return rendered[:start] + rendered[end + len("</h1>") :]


@_budget(_deadline, HIGHLIGHT_SECONDS)
def render_parts(
    doc: Document, starts: list[int], *, headed: list[bool], title_line: int | None = None
) -> RenderedDocument:
    """Render a parsed document cut at the given first lines (ascending, starts[0] == 0).

    A headed part whose first block is a heading gets it apart (`heading`); the rest is
    its `html`. The block at `title_line` is the page's title, which the page shows
    itself: a Markdown heading there is left out, an HTML block loses its <h1>.

    The document is sanitised whole, with markers between the parts, then cut at the
    markers: so HTML that spans parts behaves as in the file rendered at once (an open
    <details> wraps what follows, a <script> swallows it), and each cut piece is
    sanitised again on its own, so every stored fragment is balanced."""
    buckets: list[list[Block]] = [[] for _ in starts]
    for block in doc.blocks:
        buckets[max(0, bisect.bisect_right(starts, block.line) - 1)].append(block)
    render = _renderer.render
    cut = f"{ANCHOR_PREFIX}cut-{secrets.token_hex(8)}"
    flow: list[str] = []
    headings: dict[int, Heading] = {}
    for number, blocks in enumerate(buckets):
        if blocks and headed[number] and blocks[0].line == starts[number]:
            found = _heading_parts(doc, blocks[0])
            if found is not None:
                headings[number], inner = found
                flow += [f'<span id="{cut}-h{number}"></span>', inner]
                blocks = blocks[1:]
        flow.append(f'<span id="{cut}-b{number}"></span>')
        for block in blocks:
            is_title = block.line == title_line
            if is_title and block.opening(doc).type == "heading_open":
                continue
            piece = render(doc.tokens[block.start : block.stop], _md.options, doc.env)
            flow.append(_without_first_h1(piece) if is_title else piece)
    flow.append(f'<span id="{cut}-fn"></span>')
    if doc.footnotes_start < len(doc.tokens):
        flow.append(render(doc.tokens[doc.footnotes_start :], _md.options, doc.env))
    cleaned = clean("".join(flow))
    # Markers inside raw text (an unclosed <textarea>) come out as text: drop them.
    cleaned = re.sub(f"&lt;span id=&quot;{cut}-\\w+&quot;&gt;&lt;/span&gt;", "", cleaned)
    cleaned = re.sub(f'&lt;span id="{cut}-\\w+"&gt;&lt;/span&gt;', "", cleaned)
    pieces: dict[str, str] = {}
    chunks = re.split(f'<span id="{cut}-(\\w+)"></span>', cleaned)
    for name, chunk in zip(chunks[1::2], chunks[2::2], strict=True):
        pieces[name] = chunk
    result = RenderedDocument(
        references=dict(doc.env.get("references", {})), overflowed=doc.overflowed
    )
    for number in range(len(starts)):
        part = RenderedPart(html=_balanced(pieces.get(f"b{number}", "")))
        if number in headings:
            part.heading = headings[number]
            part.heading.html = _INLINE_CLEANER.clean(pieces.get(f"h{number}", "")).strip()
        result.parts.append(part)
    result.footnotes_html = _balanced(pieces.get("fn", ""))
    return result


def _balanced(fragment: str) -> str:
    """A piece cut out of the whole document, with what it left open closed and what
    it closes without opening dropped."""
    return clean(fragment) if fragment.strip() else ""
