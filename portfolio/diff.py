"""Readable, bounded diffs of Markdown source, the way GitHub shows them: line by line
first, then word by word inside the lines that changed.

Bounded: difflib's matcher is cubic on repetitive input, so it only ever sees the part
between the common prefix and suffix, and only when that part is small; past that the
lines (or words) in between are shown as replaced, which is still correct, just
coarser. No input makes a diff cost more than a few milliseconds per kilobyte.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from html import escape as html_escape

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKENS = re.compile(r"\n|[^\S\n]+|\w+|[^\w\s]")
# Past this many cells (tokens × tokens, lines × lines) the exact matcher is not run.
_EXACT_LIMIT = 40_000
# A replaced block of more characters than this is not compared word by word.
_WORD_LIMIT = 16_000
# Unchanged lines kept around each change; longer runs fold.
CONTEXT = 3
# Of a block of removed or added lines, this many are shown; the rest is counted. A
# history page is read by people: a 30,000-line rewrite shown whole helps nobody and
# costs the request seconds to render.
SHOWN_LINES = 400

Opcode = tuple[str, int, int, int, int]


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    codes: list[Opcode] = []
    if start:
        codes.append(("equal", 0, start, 0, start))
    middle_a, middle_b = a[start:end_a], b[start:end_b]
    if middle_a or middle_b:
        if middle_a and middle_b and len(middle_a) * len(middle_b) <= _EXACT_LIMIT:
            matcher = SequenceMatcher(None, middle_a, middle_b, autojunk=False)
            for op, i1, i2, j1, j2 in matcher.get_opcodes():
                codes.append((op, i1 + start, i2 + start, j1 + start, j2 + start))
        else:
            op = "replace" if middle_a and middle_b else ("delete" if middle_a else "insert")
            codes.append((op, start, end_a, start, end_b))
    if end_a < len(a):
        codes.append(("equal", end_a, len(a), end_b, len(b)))
    return codes


def _tidy(codes: list[Opcode], a: list[str]) -> list[Opcode]:
    """Fold a short unchanged stretch between two changes into the change, so a
    rewritten phrase reads as one change, not confetti (`~~|~~Tab ~~Tool~~`)."""
    tidy: list[Opcode] = []
    for index, code in enumerate(codes):
        op, i1, i2, j1, j2 = code
        between = 0 < index < len(codes) - 1
        short = i2 - i1 <= 2 or not "".join(a[i1:i2]).strip(" |")
        if op == "equal" and between and short and "\n" not in a[i1:i2]:
            op = "replace"
        if tidy and op != "equal" and tidy[-1][0] != "equal":
            _, p1, _, q1, _ = tidy.pop()
            tidy.append(("replace", p1, i2, q1, j2))
        else:
            tidy.append((op, i1, i2, j1, j2))
    return tidy


def _marked_lines(tokens: list[str], changed: list[bool], tag: str) -> list[SafeString]:
    """Split tokens at newlines into lines of HTML, changed runs wrapped in `tag`."""
    lines: list[SafeString] = []
    parts: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            parts.append(f"<{tag}>{escape(''.join(run))}</{tag}>")
            run.clear()

    for token, flag in zip(tokens, changed, strict=True):
        if token == "\n":
            close_run()
            lines.append(mark_safe("".join(parts)))
            parts = []
        elif flag:
            run.append(token)
        else:
            close_run()
            parts.append(escape(token))
    close_run()
    lines.append(mark_safe("".join(parts)))
    return lines


def _word_level(old: list[str], new: list[str]) -> tuple[list[SafeString], list[SafeString]]:
    a, b = _TOKENS.findall("\n".join(old)), _TOKENS.findall("\n".join(new))
    gone, came = [False] * len(a), [False] * len(b)
    for op, i1, i2, j1, j2 in _tidy(_opcodes(a, b), a):
        if op != "equal":
            gone[i1:i2] = [True] * (i2 - i1)
            came[j1:j2] = [True] * (j2 - j1)
    return _marked_lines(a, gone, "del"), _marked_lines(b, came, "ins")


@dataclass
class Line:
    kind: str  # "same", "del", "add" or "fold"
    html: SafeString = mark_safe("")
    old: int | None = None
    new: int | None = None
    folded: int = 0


@dataclass
class Diff:
    lines: list[Line] = field(default_factory=list)
    added: int = 0
    removed: int = 0
    # Some replaced block was too large to compare word by word.
    coarse: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)


def diff_text(old: str, new: str, *, context: int = CONTEXT) -> Diff:
    a = old.split("\n") if old else []
    b = new.split("\n") if new else []
    result = Diff()
    rows: list[Line] = []
    for op, i1, i2, j1, j2 in _opcodes(a, b):
        if op == "equal":
            rows += [
                Line("same", mark_safe(html_escape(a[i])), i + 1, j1 + n + 1)
                for n, i in enumerate(range(i1, i2))
            ]
            continue
        old_lines, new_lines = a[i1:i2], b[j1:j2]
        size = sum(map(len, old_lines)) + sum(map(len, new_lines))
        if old_lines and new_lines and size <= _WORD_LIMIT:
            old_html, new_html = _word_level(old_lines, new_lines)
        else:
            result.coarse = result.coarse or bool(old_lines and new_lines)
            old_html = [_whole("del", line) for line in old_lines[:SHOWN_LINES]]
            new_html = [_whole("ins", line) for line in new_lines[:SHOWN_LINES]]
        old_html, new_html = old_html[:SHOWN_LINES], new_html[:SHOWN_LINES]
        rows += [Line("del", html, i1 + n + 1, None) for n, html in enumerate(old_html)]
        if len(old_lines) > SHOWN_LINES:
            rows.append(Line("more", folded=len(old_lines) - SHOWN_LINES))
        rows += [Line("add", html, None, j1 + n + 1) for n, html in enumerate(new_html)]
        if len(new_lines) > SHOWN_LINES:
            rows.append(Line("more", folded=len(new_lines) - SHOWN_LINES))
        result.removed += len(old_lines)
        result.added += len(new_lines)
    result.lines = _folded(rows, context)
    return result


def _whole(tag: str, line: str) -> SafeString:
    # The standard library's escape: the same five characters as Django's, without
    # the lazy-string wrapper that was most of the time on long diffs.
    return mark_safe(f"<{tag}>{html_escape(line)}</{tag}>" if line else "")


def _folded(rows: list[Line], context: int) -> list[Line]:
    near = [False] * len(rows)
    for index, row in enumerate(rows):
        if row.kind != "same":
            for other in range(max(0, index - context), min(len(rows), index + context + 1)):
                near[other] = True
    folded: list[Line] = []
    for index, row in enumerate(rows):
        if row.kind != "same" or near[index]:
            folded.append(row)
        elif folded and folded[-1].kind == "fold":
            folded[-1].folded += 1
        else:
            folded.append(Line("fold", folded=1))
    return folded


def inline_diff(old: str, new: str) -> SafeString:
    """One line (a heading) compared word by word, removed words in <del>, added in <ins>."""
    old_html, new_html = _word_level([old], [new])
    if old == new:
        return new_html[0]
    return mark_safe(f"{old_html[0]} → {new_html[0]}" if old else new_html[0])
