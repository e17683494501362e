"""Hostile content: every field a person writes, shown in every place it appears, stays
inert. The payloads (portfolio/tests/xss_corpus.py) are written through the real views,
as a person would post them; then the stored HTML and every rendered response are
parsed and audited (see `problems_in`). e2e/test_xss.py runs the same corpus in a
browser.

Plain-text fields are escaped character by character, so several payloads share one
value where a field is short ("packed"); Markdown fields go through the sanitizer, which
reacts to structure, so each payload gets its own section or comment.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from conftest import make_invite, make_user
from portfolio.markdown import render_markdown
from portfolio.models import (
    Cohort,
    Comment,
    Notification,
    Page,
    Revision,
    SavedReply,
    Section,
    User,
)
from portfolio.readme import open_ends
from portfolio.tests.xss_corpus import (
    EVIL_HOST,
    HOSTILE_LINKS,
    HOSTILE_USERNAMES,
    MARKER,
    ODD_USERNAMES,
    PAYLOADS,
    Payload,
    fitting,
    one_line,
    pack,
)

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
LOCAL_HOSTS = {"testserver", "localhost", "127.0.0.1"}

# The app's own htmx attributes (grep templates/ for hx-). Anything else came from
# somewhere it should not have.
APP_HX = {
    "hx-get",
    "hx-post",
    "hx-target",
    "hx-swap",
    "hx-swap-oob",
    "hx-select",
    "hx-trigger",
    "hx-sync",
    "hx-confirm",
    "hx-push-url",
    "hx-headers",
}
# hx-confirm shows its text with window.confirm(): user words there are only words.
HX_TEXT = {"hx-confirm"}
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "data",
    "background",
    "lowsrc",
    "dynsrc",
    "ping",
    "cite",
    "codebase",
    "srcset",
}
SAFE_SCHEMES = {"http", "https", "mailto"}
C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
FORBIDDEN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "portal",
    "template",
    "math",
    "style",
    "foreignobject",
    "animate",
    "set",
    "use",
    "xmp",
    "plaintext",
    "marquee",
    "isindex",
}
# What sanitized Markdown may contain: stated here on its own, not read from the
# cleaner, so that loosening the cleaner fails a test.
FRAGMENT_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins",
    "kbd", "label", "li", "mark", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
FRAGMENT_ATTRIBUTES = {
    "a": {"href", "title", "class", "aria-label", "id", "rel"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "span": {"class"},
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
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
FRAGMENT_CLASS = re.compile(
    r"^(hl-[a-z0-9]+|language-[A-Za-z0-9_+#.-]+|anchor|task-list-item(-checkbox)?"
    r"|contains-task-list|align-(left|center|right)|footnote-ref|footnote-backref"
    r"|code-block|table-wrap)$"
)


# The audit ------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str]]
    text: str = ""

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)


class _Collector(HTMLParser):
    """Every start tag with its (unescaped) attributes, and the text of scripts,
    <title> and <textarea>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        element = Element(tag, [(k.lower(), v or "") for k, v in attrs])
        self.elements.append(element)
        if tag in {"script", "title", "textarea"}:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.elements.append(Element(tag, [(k.lower(), v or "") for k, v in attrs]))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1].tag == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1].text += data


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector


def scheme_of(url: str) -> str:
    """The scheme a browser would see: tabs and newlines dropped anywhere, controls and
    spaces trimmed, then everything before the first colon if it looks like a scheme."""
    cleaned = re.sub(r"[\t\n\r]", "", url).strip(C0_AND_SPACE)
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", cleaned)
    return match.group(1).lower() if match else ""


def host_of(url: str) -> str:
    cleaned = re.sub(r"[\t\n\r\\]", "/", url.strip())
    try:
        return (urlsplit(cleaned).hostname or "").lower()
    except ValueError:
        return "?"


def nonce_of(response) -> str | None:
    found = re.search(r"'nonce-([^']+)'", response.get("Content-Security-Policy", ""))
    return found.group(1) if found else None


def app_path(url: str) -> bool:
    """A same-origin address of one of our own views. Page and tag slugs derive from
    user text, so an app URL may carry a marker; an injected one resolves to nothing."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not re.fullmatch(r"/[A-Za-z0-9/_@.-]*", parts.path):
        return False
    try:
        resolve(parts.path)
    except Resolver404:
        return False
    return True


def problems_in(html: str, *, nonce: str | None = None) -> list[str]:
    """Everything in a rendered document that could run, load or send something the
    page's author did not put there."""
    found: list[str] = []
    for element in parse(html).elements:
        tag, where = element.tag, f"<{element.tag}>"
        if tag in FORBIDDEN_TAGS:
            found.append(f"{where} element")
        if tag == "meta" and element.get("http-equiv") is not None:
            found.append(f"{where} http-equiv={element.get('http-equiv')!r}")
        if tag == "script":
            src = element.get("src")
            if src is not None:
                if not src.startswith("/static/") or MARKER.search(src):
                    found.append(f"{where} src={src!r}")
            elif nonce is None or element.get("nonce") != nonce:
                found.append(f"{where} inline without the response's nonce: {element.text[:60]!r}")
        if tag == "link":
            href, rel = element.get("href") or "", element.get("rel")
            if rel == "canonical":
                fine = href.startswith(settings.SITE_URL) and app_path(
                    href.removeprefix(settings.SITE_URL)
                )
            else:
                fine = rel in {"stylesheet", "icon"} and href.startswith("/static/")
            if not fine or len(element.attrs) > 3:
                found.append(f"{where} {element.attrs!r}")
        if tag == "form":
            action = element.get("action") or ""
            if (
                action.startswith("//")
                or scheme_of(action)
                or (MARKER.search(action) and not app_path(action))
            ):
                found.append(f"{where} action={action!r}")
        for name, value in element.attrs:
            if MARKER.search(name) or re.search(r"[\"'<>/=`]", name):
                found.append(f"{where} mangled attribute name {name!r}")
            if name.startswith("on"):
                found.append(f"{where} event handler {name}={value!r}")
            if name.startswith(("hx-", "data-hx-")):
                if name not in APP_HX:
                    found.append(f"{where} foreign htmx attribute {name}={value!r}")
                elif name not in HX_TEXT and MARKER.search(value) and not app_path(value):
                    found.append(f"{where} htmx attribute from user content {name}={value!r}")
                elif name == "hx-trigger" and re.search(r"\b(load|revealed|intersect)", value):
                    found.append(f"{where} self-firing hx-trigger={value!r}")
            if name in {"srcdoc", "srcset"}:
                found.append(f"{where} {name}={value!r}")
            # The app's own buttons send their form elsewhere ("Save draft"); a
            # formaction anywhere but one of the app's paths is user content's.
            if name == "formaction" and (
                value.startswith("//") or scheme_of(value) or not app_path(value)
            ):
                found.append(f"{where} {name}={value!r}")
            if name == "style" and re.search(r"url\(|expression|@import|behavior|:\s*-moz-", value):
                found.append(f"{where} style={value!r}")
            if name in URL_ATTRIBUTES:
                scheme = scheme_of(value)
                if scheme and scheme not in SAFE_SCHEMES:
                    found.append(f"{where} {name} with a {scheme}: URL: {value[:80]!r}")
                host = host_of(value)
                external = host and host not in LOCAL_HOSTS
                # Links may point anywhere, and Markdown images may come from other
                # sites (badges; CSP allows https images). Nothing else may load from
                # or send to another host.
                allowed = (
                    (name == "href" and tag == "a")
                    or (name == "src" and tag == "img" and scheme in {"", "http", "https"})
                    or (tag == "link" and element.get("rel") == "canonical")
                )
                if external and not allowed:
                    found.append(f"{where} {name} to another host: {value[:80]!r}")
    return found


def fragment_problems(html: str) -> list[str]:
    """Stored, sanitized Markdown: only the allowed tags and attributes, safe URLs."""
    found = problems_in(html)
    for element in parse(html).elements:
        tag = element.tag
        if tag not in FRAGMENT_TAGS:
            found.append(f"<{tag}> is not allowed in rendered Markdown")
            continue
        allowed = FRAGMENT_ATTRIBUTES.get(tag, set())
        for name, value in element.attrs:
            if name not in allowed:
                found.append(f"<{tag}> carries {name}={value!r}")
            elif name == "class" and not all(FRAGMENT_CLASS.match(c) for c in value.split()):
                found.append(f"<{tag}> class={value!r}")
            elif name == "id" and not value.startswith("md-"):
                found.append(f"<{tag}> id={value!r} (user ids must be prefixed)")
            elif name == "href" and scheme_of(value) not in SAFE_SCHEMES | {""}:
                found.append(f"<a> href={value!r}")
            elif name == "src" and scheme_of(value) not in {"http", "https", ""}:
                found.append(f"<img> src={value!r}")
        if tag == "a" and element.get("rel") != "nofollow noopener ugc":
            found.append(f"<a> without rel=nofollow noopener ugc: {element.attrs!r}")
        if tag == "input" and (
            element.get("type") != "checkbox" or element.get("disabled") is None
        ):
            found.append(f"<input> that is not a disabled checkbox: {element.attrs!r}")
    return found


@dataclass
class Audit:
    """Collects every problem over a scenario, so one failure report lists them all."""

    findings: list[str] = field(default_factory=list)
    checked: int = 0

    def _record(self, place: str, problems: list[str], html: str) -> None:
        self.checked += 1
        for problem in problems:
            markers = sorted(set(MARKER.findall(problem))) or sorted(set(MARKER.findall(html)))[:3]
            self.findings.append(f"{place}: {problem} [{', '.join(markers)}]")

    def page(self, response, place: str, *, status: int = 200, shows=()) -> str:
        """A rendered response: the expected status, nothing active, and the hostile
        text it should show really there (else the check proves nothing)."""
        html = response.content.decode()
        if response.status_code != status:
            self.findings.append(f"{place}: status {response.status_code}, expected {status}")
        self._record(place, problems_in(html, nonce=nonce_of(response)), html)
        if "HX-Trigger" in response:
            # Toasts travel as JSON in a header and are shown with textContent.
            event = json.loads(response["HX-Trigger"])
            for message in event.get("nexus:messages", {}).get("messages", []):
                assert isinstance(message["text"], str), place
        for marker in shows:
            if marker not in html:
                self.findings.append(f"{place}: {marker} is not shown, so it was not tested")
        return html

    def listing(self, responses, place: str, *, shows=()) -> None:
        """A paginated listing: every page audited, the hostile text shown on one of them."""
        seen = "".join(self.page(response, place) for response in responses)
        for marker in shows:
            if marker not in seen:
                self.findings.append(f"{place}: {marker} is not shown, so it was not tested")

    def fragment(self, html: str, place: str) -> None:
        self._record(place, fragment_problems(html), html)

    def text(self, html: str, place: str) -> None:
        """An HTML email or other document without a CSP of its own."""
        self._record(place, problems_in(html), html)

    def assert_clean(self) -> None:
        assert self.checked, "nothing was audited"
        report = "\n".join(self.findings[:80])
        assert not self.findings, f"{len(self.findings)} problems:\n{report}"


def markers(payloads) -> list[str]:
    return [p.marker for p in payloads]


def page_url(name: str, page: Page, *args) -> str:
    return reverse(name, args=[page.author.username, page.slug, *args])


@pytest.fixture
def audit() -> Audit:
    return Audit()


@pytest.fixture
def browse():
    """Clients sharing one request handler: the middleware (WhiteNoise indexes the
    static files) loads once per test, not once per person."""
    shared = None

    def make(user: User | None = None) -> Client:
        nonlocal shared
        client = Client()
        if shared is None:
            shared = client.handler
        client.handler = shared
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def no_comment_throttle(settings):
    """Posting a comment per payload is a flood by design; the throttle has its own test."""
    settings.COMMENTS_PER_MINUTE = 10_000


# The sanitizer on its own ---------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{p.marker}-{p.kind}")
def test_the_markdown_pipeline_leaves_nothing_active(payload: Payload):
    html = render_markdown(payload.text)
    assert fragment_problems(html) == []
    # Another site may appear only as a link or an image, never as anything that loads.
    pointing_away = [
        element.tag
        for element in parse(html).elements
        if any(EVIL_HOST in value for _, value in element.attrs)
    ]
    assert set(pointing_away) <= {"a", "img"}


def test_the_audit_catches_what_it_looks_for():
    """The checker itself: each of these must be reported, or the tests prove nothing."""
    bad = [
        '<img src=x onerror="alert(1)">',
        '<a href=" java&#x09;script:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<div hx-get="/zq01x/">x</div>',
        '<div data-hx-get="/x">x</div>',
        '<div hx-on::load="x">x</div>',
        "<script>alert(1)</script>",
        '<script src="//evil.invalid/x.js"></script>',
        '<iframe src="/x"></iframe>',
        '<meta http-equiv="refresh" content="0;url=/x">',
        '<base href="//evil.invalid/">',
        '<form action="http://evil.invalid/x"></form>',
        '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
        '<div style="background:url(//evil.invalid/x)">x</div>',
        '<object data="x"></object>',
    ]
    for html in bad:
        assert problems_in(html, nonce="n0nce"), html
    fine = (
        '<script nonce="n0nce">1</script><script src="/static/js/nexus.js"></script>'
        '<a href="https://evil.invalid/x" hx-confirm="Delete “zq01x”?">x</a>'
        '<img src="https://img.shields.io/badge/x"><form action="/x/"></form>'
        '<form action="/@lena/zq01x/meta/" hx-post="/@lena/zq01x/meta/"></form>'
    )
    assert problems_in(fine, nonce="n0nce") == []


# Sections: written in the editor, imported, reviewed, diffed, searched, exported ---------


def _readme(title: str, sections: list[tuple[str, str]]) -> str:
    return f"# {title}\n\n" + "\n\n".join(f"## {heading}\n\n{body}" for heading, body in sections)


def _import(client: Client, cohort: Cohort, text: str) -> Page:
    response = client.post(reverse("page_import"), {"cohort": cohort.pk, "text": text})
    assert response.status_code == 302, response.content.decode()[:2000]
    username, slug = response["Location"].strip("/").lstrip("@").split("/")
    return Page.objects.get(author__username=username, slug=slug)


def _section_payloads(page: Page) -> list[tuple[Section, Payload]]:
    """Each section with the payload whose marker its heading carries."""
    by_marker = {p.marker: p for p in PAYLOADS}
    pairs = []
    for section in page.sections.order_by("position"):
        found = MARKER.search(section.heading_source)
        assert found, section.heading_source
        pairs.append((section, by_marker[found.group(0)]))
    return pairs


def test_section_headings_and_bodies_stay_inert_wherever_they_show(
    audit, browse, learner, mentor, peer, cohort, django_capture_on_commit_callbacks
):
    assert len(PAYLOADS) < 100, "one page holds at most 100 sections: split the corpus"
    lena, maya, pete, visitor = browse(learner), browse(mentor), browse(peer), browse()
    everything = markers(PAYLOADS)

    # Headings come from an imported README; each body is then written in the editor.
    page = _import(
        lena,
        cohort,
        _readme("Hostile sections", [(one_line(p), f"Draft {p.marker}.") for p in PAYLOADS]),
    )
    assert page.sections.count() == len(PAYLOADS)
    lena.post(page_url("page_visibility", page), {"visibility": "public"})
    lena.post(page_url("page_submit", page))
    summaries = pack(PAYLOADS, 5000, sep="\n\n", multiline=True)
    response = maya.post(
        page_url("page_review", page), {"verdict": "changes_requested", "summary": summaries[0]}
    )
    assert response.status_code == 302
    audit.page(
        lena.get(page.get_absolute_url()),
        "page detail with the review summary",
        shows=MARKER.findall(summaries[0]),
    )

    pairs = _section_payloads(page)
    for n, (section, payload) in enumerate(pairs):
        data = {
            "heading": section.heading_markdown,
            "body": payload.text,
            "version": section.version,
        }
        url = page_url("section_edit", page, section.pk)
        if open_ends(payload.text) and n < len(pairs) - 1:
            # Text that would swallow the sections after it is refused, and echoed back.
            audit.page(
                lena.post(url, data, headers=HX),
                "section refused (htmx)",
                status=422,
                shows=[payload.marker],
            )
            data["body"] = f"Fenced: `{payload.text}`"
        if n % 2:
            assert lena.post(url, data).status_code == 302
            section.refresh_from_db()
        else:
            response = lena.post(url, data, headers=HX)
            section.refresh_from_db()
            # What the sanitiser kept of the payload must show (inert); some keep nothing.
            kept = MARKER.findall(section.heading_html + section.body_html)
            audit.page(response, "section saved (htmx)", shows=kept)
        assert section.body == data["body"].strip("\n").rstrip()
        audit.fragment(section.body_html, f"Section.body_html #{payload.marker}")

    with django_capture_on_commit_callbacks(execute=True):
        assert lena.post(page_url("page_submit", page)).status_code == 302

    detail = page.get_absolute_url()
    audit.page(lena.get(detail), "page detail, author", shows=everything)
    audit.page(maya.get(detail), "page detail, mentor", shows=everything)
    audit.page(pete.get(detail), "page detail, peer", shows=everything)
    # Visitors read the document only (no review, no discussion): what of the payloads
    # the sanitiser kept in it must show, inert.
    read = MARKER.findall(
        page.head_html + "".join(s.heading_html + s.body_html for s in page.sections.all())
    )
    assert read, "nothing hostile is left in the document, so the reader's view tests nothing"
    audit.page(visitor.get(detail), "page detail, visitor", shows=read)
    cached = visitor.get(detail)
    assert cached["X-Cache"] == "hit"
    audit.page(cached, "page detail, visitor, from the cache", shows=read)
    audit.page(maya.get(page_url("page_review", page)), "review page with diffs", shows=everything)

    # History: every revision's heading; diffs of every payload are on the review page
    # above (the same word diff), and every eighth here (each history page is costly).
    history = page_url("page_history", page)
    revisions = Revision.objects.filter(page=page)
    for number in range(1, revisions.count() // 50 + 2):
        audit.page(lena.get(history, {"page": number}), "history list")
    for n, (section, payload) in enumerate(_section_payloads(page)):
        if n % 8 == 0:
            edited = revisions.filter(section=section, kind="edited").get()
            audit.page(lena.get(history, {"b": edited.pk}), "history diff", shows=[payload.marker])
        audit.page(
            visitor.get(reverse("search"), {"q": payload.marker}),
            "search results and snippet",
            shows=[payload.marker],
        )

    # The second review approves; the learner's dashboard lists both.
    maya.post(page_url("page_review", page), {"verdict": "approved", "summary": summaries[-1]})
    audit.page(lena.get(reverse("home")), "learner dashboard")
    audit.page(lena.get(detail), "page detail with the approval")

    # Export: Markdown served as a download, never as HTML; imported back, still inert.
    export = lena.get(reverse("page_export", args=[learner.username, page.slug]))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/markdown")
    assert export["Content-Disposition"].startswith("attachment")
    assert export["X-Content-Type-Options"] == "nosniff"
    upload = SimpleUploadedFile("back.md", export.content, content_type="text/markdown")
    response = lena.post(reverse("page_import"), {"cohort": cohort.pk, "file": upload})
    assert response.status_code == 302
    again = Page.objects.exclude(pk=page.pk).get(author=learner, title=page.title)
    # (A body holding a "## " heading comes back as a section of its own: the README
    # format's rule. What matters here is that what comes back is as inert.)
    for section in again.sections.all():
        audit.fragment(section.body_html, f"re-imported Section.body_html #{section.heading}")
    kept = MARKER.findall(
        again.head_html + "".join(s.heading_html + s.body_html for s in again.sections.all())
    )
    assert kept, "nothing hostile survived the round trip, so nothing was tested"
    audit.page(lena.get(again.get_absolute_url()), "re-imported page detail", shows=kept)
    archive = lena.get(reverse("pages_export_zip"))
    assert archive["Content-Type"] == "application/zip"
    assert archive["Content-Disposition"].startswith("attachment")

    # A README whose bodies are the payloads: the import path renders them itself.
    imported = _import(
        lena, cohort, _readme("Imported hostile", [(p.marker, p.text) for p in PAYLOADS])
    )
    for section in imported.sections.all():
        audit.fragment(section.body_html, f"imported Section.body_html #{section.heading}")
    audit.page(lena.get(imported.get_absolute_url()), "imported page detail, author")
    audit.page(maya.get(imported.get_absolute_url()), "imported page detail, mentor")
    audit.assert_clean()


# Edit mode: forms, previews, errors and conflicts echo hostile text back ----------------


def test_edit_mode_echoes_hostile_text_inert(audit, browse, learner, cohort):
    lena = browse(learner)
    everything = markers(PAYLOADS)
    kitchen = "\n\n".join(p.text for p in PAYLOADS)
    backwards = "\n\n".join(p.text for p in reversed(PAYLOADS))
    headings = pack(PAYLOADS, 200)
    lena.post(reverse("page_new"), {"cohort": cohort.pk, "title": "Edit mode", "start": "blank"})
    page = Page.objects.get(author=learner, title="Edit mode")

    too_long = (headings[0] + " ") * 3
    audit.page(
        lena.post(page_url("section_add", page), {"heading": too_long}, headers=HX),
        "add section, invalid (htmx)",
        status=422,
        shows=MARKER.findall(headings[0]),
    )
    audit.page(
        lena.post(page_url("section_add", page), {"heading": too_long}),
        "add section, invalid",
        status=422,
    )
    assert lena.post(page_url("section_add", page), {"heading": headings[0]}).status_code == 302
    section = page.sections.get()
    edit = page_url("section_edit", page, section.pk)
    data = {"heading": headings[0], "body": kitchen, "version": 1}
    assert lena.post(edit, data).status_code == 302
    section.refresh_from_db()
    audit.fragment(section.body_html, "Section.body_html, every payload in one body")

    audit.page(lena.get(edit), "edit mode, whole page", shows=everything)
    audit.page(lena.get(edit, headers=HX), "edit mode (htmx)", shows=everything)
    audit.page(
        lena.post(edit, {**data, "body": backwards, "version": 2, "preview": "1"}),
        "preview without JavaScript",
        shows=everything,
    )
    audit.page(
        lena.post(page_url("page_preview", page), {"body": kitchen}, headers=HX), "live preview"
    )
    for payload in PAYLOADS:
        audit.page(
            lena.post(page_url("page_preview", page), {"body": payload.text}, headers=HX),
            "live preview, one payload",
        )
    invalid = {"heading": "", "body": backwards, "version": 2}
    audit.page(lena.post(edit, invalid, headers=HX), "section, invalid (htmx)", status=422)
    audit.page(lena.post(edit, invalid), "section, invalid", status=422, shows=everything)
    stale = {"heading": headings[-1], "body": backwards, "version": 1}
    audit.page(lena.post(edit, stale, headers=HX), "section conflict (htmx)", status=409)
    audit.page(lena.post(edit, stale), "section conflict", status=409, shows=everything)

    for heading in headings:
        section.refresh_from_db()
        data = {"heading": heading, "body": backwards, "version": section.version}
        response = lena.post(edit, data, headers=HX)
        section.refresh_from_db()
        # Headings are Markdown: the source keeps every marker; what the sanitiser let
        # through (text, not attributes or scripts) is what must show, inert.
        assert MARKER.findall(section.heading_source) == MARKER.findall(heading)
        shown = MARKER.findall(section.heading_html)
        audit.page(response, "section saved (htmx)", shows=shown)
        audit.fragment(section.heading_html, "Section.heading_html")
        audit.page(
            lena.get(page_url("section_delete", page, section.pk)),
            "delete confirmation",
            shows=MARKER.findall(section.heading),
        )
        audit.page(lena.get(edit, headers=HX), "edit mode (htmx)", shows=MARKER.findall(heading))
    audit.page(lena.get(page_url("section_detail", page, section.pk), headers=HX), "section (htmx)")
    last = Revision.objects.filter(section=section, kind="edited").order_by("pk")
    compare = {"a": last.first().pk, "b": last[1].pk}
    audit.page(lena.get(page_url("page_history", page), compare), "history diff", shows=everything)

    # Title and summary.
    titles = pack(PAYLOADS, 200)
    summaries = pack(PAYLOADS, 600, sep="\n", multiline=True)
    meta = page_url("page_meta", page)
    for n, title in enumerate(titles):
        page.refresh_from_db()
        summary = summaries[n % len(summaries)]
        data = {"title": title, "summary": summary, "version": page.version}
        audit.page(
            lena.post(meta, data, headers=HX), "title saved (htmx)", shows=MARKER.findall(title)
        )
        audit.page(lena.get(meta, headers=HX), "title form (htmx)", shows=MARKER.findall(summary))
    audit.page(lena.get(meta), "title form, whole page")
    stale = {"title": titles[0], "summary": summaries[0], "version": 1}
    audit.page(lena.post(meta, stale, headers=HX), "title conflict (htmx)", status=409)
    audit.page(lena.post(meta, stale), "title conflict", status=409)
    audit.page(lena.post(meta, {**stale, "title": ""}, headers=HX), "title invalid", status=422)

    # Tags: the form echoes a rejected one; the list shows the accepted ones.
    tags = [one_line(p) for p in fitting(40)]
    audit.page(
        lena.post(page_url("tag_add", page), {"name": tags[0] * 3}, headers=HX),
        "tag, invalid (htmx)",
        status=422,
    )
    for start in range(0, len(tags), 10):
        for name in tags[start : start + 10]:
            audit.page(
                lena.post(page_url("tag_add", page), {"name": name}, headers=HX),
                "tag added (htmx)",
                shows=MARKER.findall(name),
            )
        audit.page(lena.get(page.get_absolute_url()), "page with hostile tags, author")
        for tag in page.tags.all():
            lena.post(page_url("tag_remove", page, tag.slug), headers=HX)
    audit.assert_clean()


# Titles, summaries and tags: every listing that shows a page ---------------------------


def test_titles_summaries_and_tags_stay_inert_in_every_listing(
    audit,
    browse,
    learner,
    mentor,
    organizer,
    cohort,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    lena, maya, otto, visitor = (
        browse(learner), browse(mentor), browse(organizer), browse()
    )  # fmt: skip
    titles = pack(PAYLOADS, 200)
    summaries = pack(PAYLOADS, 590, sep="\n", multiline=True)
    tags = [one_line(p) for p in fitting(40)]
    pages: list[Page] = []
    for n, title in enumerate(titles):
        form = {"cohort": cohort.pk, "title": title, "start": "template" if n == 0 else "blank"}
        assert lena.post(reverse("page_new"), form).status_code == 302
        page = Page.objects.get(author=learner, title=title)
        # Every summary carries one plain word, so one search lists every page.
        summary = f"hostile {summaries[n % len(summaries)]}"
        data = {"title": title, "summary": summary, "version": 1}
        assert lena.post(page_url("page_meta", page), data).status_code == 302
        for name in tags[n :: len(titles)]:
            assert lena.post(page_url("tag_add", page), {"name": name}).status_code == 302
        lena.post(page_url("page_visibility", page), {"visibility": "public"})
        if n == 0:  # from the template: its sections are empty, and the author is warned
            audit.page(
                lena.post(page_url("page_submit", page)),
                "submit warning about empty sections",
                shows=MARKER.findall(title),
            )
        with django_capture_on_commit_callbacks(execute=True):
            confirmed = {"confirm": "on"}
            assert lena.post(page_url("page_submit", page), confirmed).status_code == 302
        pages.append(page)
    title_markers = markers(fitting(200))
    tag_markers = [MARKER.search(name).group(0) for name in tags]

    for page in pages:
        page.refresh_from_db()
        shown = MARKER.findall(page.title)
        html = audit.page(visitor.get(page.get_absolute_url()), "page detail, visitor", shows=shown)
        head = parse(html)
        title = next(e for e in head.elements if e.tag == "title")
        assert title.text == f"{page.title} · Nexus"
        og = next(e for e in head.elements if e.get("property") == "og:title")
        assert og.get("content") == page.title
        description = next(e for e in head.elements if e.get("name") == "description")
        assert description.get("content") == page.summary
        audit.page(lena.get(page.get_absolute_url()), "page detail, author", shows=shown)
        audit.page(maya.get(page_url("page_review", page)), "review page", shows=shown)
        audit.page(lena.get(page_url("page_history", page)), "history", shows=shown)
        export = lena.get(reverse("page_export", args=[learner.username, page.slug]))
        assert export["Content-Type"].startswith("text/markdown")
        assert export["Content-Disposition"].startswith("attachment")

    # The Markdown export keeps title, summary and tags; imported back, they are text again.
    upload = SimpleUploadedFile("back.md", export.content, content_type="text/markdown")
    lena.post(reverse("page_import"), {"cohort": cohort.pk, "file": upload})
    again = Page.objects.filter(author=learner, title=page.title).exclude(pk=page.pk).get()
    assert (again.summary, sorted(t.name for t in again.tags.all())) == (
        page.summary,
        sorted(t.name for t in page.tags.all()),
    )

    directory = reverse("cohort_detail", args=[cohort.slug])
    for number in (1, 2):
        audit.page(lena.get(directory, {"page": number}), "cohort directory")
    audit.page(lena.get(directory), "cohort directory, tag filter", shows=tag_markers)
    first_tag = pages[0].tags.first()
    audit.page(
        lena.get(directory, {"tag": first_tag.slug}, headers={**HX, "HX-Target": "directory"}),
        "cohort directory filtered (htmx)",
        shows=MARKER.findall(first_tag.name),
    )
    audit.page(lena.get(pages[0].get_absolute_url()), "tag suggestions", shows=tag_markers)
    for number in (1, 2):
        audit.page(visitor.get(reverse("search"), {"q": "hostile", "page": number}), "search")
    audit.page(lena.get(reverse("home")), "learner dashboard")
    audit.page(visitor.get(reverse("profile", args=[learner.username])), "profile, visitor")
    audit.page(
        visitor.get(reverse("profile", args=[learner.username])), "profile, visitor, cached",
        shows=title_markers,
    )  # fmt: skip
    queue = reverse("review_queue", args=[cohort.slug])
    audit.page(maya.get(queue), "review queue", shows=title_markers)
    claim = maya.post(reverse("review_claim", args=[cohort.slug, pages[0].pk]))
    audit.page(otto.get(claim["Location"]), "review queue, claimed")
    for number in (1, 2):
        audit.page(maya.get(reverse("notification_list"), {"page": number}), "notifications")
    audit.page(otto.get(reverse("cohort_dashboard", args=[cohort.slug])), "cohort dashboard")

    assert len(mailoutbox) == 2 * len(pages)
    # A 200-character title inside a verb once overflowed the column (a 500 on PostgreSQL).
    verbs = Notification.objects.values_list("verb", flat=True)
    assert verbs and max(len(verb) for verb in verbs) <= 200
    for message in mailoutbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        audit.text(message.alternatives[0][0], "notification email (HTML)")
    audit.assert_clean()


# Comments, quotes, saved replies ---------------------------------------------------------


def test_comments_quotes_and_saved_replies_stay_inert_wherever_they_show(
    audit,
    browse,
    learner,
    mentor,
    peer,
    cohort,
    no_comment_throttle,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    lena, maya, pete = browse(learner), browse(mentor), browse(peer)
    everything = markers(PAYLOADS)
    # Section headings are hostile too: notifications and emails quote them.
    headings = pack(PAYLOADS, 200)
    page = _import(lena, cohort, _readme("Discussed", [(h, "Some text.") for h in headings]))
    lena.post(page_url("page_visibility", page), {"visibility": "cohort"})
    sections = list(page.sections.order_by("position"))
    create = page_url("comment_create", page)

    with django_capture_on_commit_callbacks(execute=True):
        for n, payload in enumerate(PAYLOADS):
            data = {
                "body": payload.text,
                "quote": one_line(payload)[:500],
                "section": sections[n % len(sections)].pk,
            }
            if n % 2:
                assert maya.post(create, data).status_code == 302
            else:
                audit.page(
                    maya.post(create, data, headers=HX), "comment posted (htmx)",
                    shows=[payload.marker],
                )  # fmt: skip
        roots = list(Comment.objects.filter(page=page, parent=None).order_by("pk"))
        for n, root in enumerate(roots[::6]):
            payload = PAYLOADS[(6 * n + 1) % len(PAYLOADS)]
            data = {"body": f"@maya {payload.text}", "parent": root.pk}
            audit.page(lena.post(create, data, headers=HX), "reply posted (htmx)")
        for payload in PAYLOADS[::8]:
            assert pete.post(create, {"body": payload.text}).status_code == 302
    for comment in Comment.objects.filter(page=page):
        audit.fragment(comment.body_html, f"Comment.body_html #{comment.pk}")

    # Edit a comment: the form echoes the text; the saved comment renders it.
    comment = roots[0]
    edit = page_url("comment_edit", page, comment.pk)
    long_text = pack(PAYLOADS, 5000, sep="\n\n", multiline=True)[0]
    audit.page(
        maya.post(edit, {"body": long_text}, headers=HX), "comment edited (htmx)",
        shows=[PAYLOADS[0].marker],
    )  # fmt: skip
    comment.refresh_from_db()
    audit.fragment(comment.body_html, "Comment.body_html, edited")
    audit.page(maya.get(edit), "comment edit form", shows=MARKER.findall(long_text))
    audit.page(maya.get(edit, headers=HX), "comment edit form (htmx)")
    audit.page(maya.post(edit, {"body": ""}, headers=HX), "comment edit, invalid", status=422)
    invalid = {"body": "", "quote": one_line(PAYLOADS[0]), "section": sections[0].pk}
    audit.page(maya.post(create, invalid, headers=HX), "comment, invalid (htmx)", status=422)
    audit.page(maya.post(create, invalid), "comment, invalid", status=422)

    # Thread state changes re-render the box and notify.
    with django_capture_on_commit_callbacks(execute=True):
        address = page_url("comment_address", page, roots[1].pk)
        audit.page(lena.post(address, headers=HX), "thread addressed (htmx)")
        resolve = page_url("comment_resolve", page, roots[2].pk)
        audit.page(maya.post(resolve, headers=HX), "thread resolved (htmx)")
        delete = page_url("comment_delete", page, roots[3].pk)
        audit.page(maya.post(delete, headers=HX), "comment deleted (htmx)")

    detail = page.get_absolute_url()
    audit.page(lena.get(detail), "page detail with comments, author", shows=everything)
    audit.page(maya.get(detail), "page detail with comments, mentor", shows=everything)
    audit.page(pete.get(detail), "page detail with comments, peer", shows=everything)
    audit.page(lena.get(reverse("home")), "learner dashboard, threads waiting")
    for client in (lena, maya):
        for number in (1, 2, 3, 4):
            audit.page(client.get(reverse("notification_list"), {"page": number}), "notifications")
    assert mailoutbox
    for message in mailoutbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        audit.text(message.alternatives[0][0], "notification email (HTML)")

    # Saved replies: listed, offered on the review page, and posted as comments.
    titles = pack(PAYLOADS, 80)
    bodies = pack(PAYLOADS, 2000, sep="\n\n", multiline=True)
    replies = reverse("saved_replies", args=[cohort.slug])
    for n, title in enumerate(titles):
        body = bodies[n] if n < len(bodies) else f"Reply {n}"
        assert maya.post(replies, {"title": title, "body": body}).status_code == 302
    audit.page(
        maya.post(replies, {"title": titles[0], "body": ""}), "saved reply, invalid", status=422
    )
    audit.page(maya.get(replies), "saved replies", shows=markers(fitting(80)))
    lena.post(page_url("page_submit", page))
    audit.page(maya.get(page_url("page_review", page)), "review page with saved replies",
               shows=everything)  # fmt: skip
    for reply in SavedReply.objects.filter(body__in=bodies):
        data = {"mark": "needs_work", "comment": reply.title, "saved_reply": reply.pk}
        response = maya.post(page_url("section_mark", page, sections[0].pk), data, headers=HX)
        audit.page(response, "section marked with a saved reply (htmx)")
        posted = Comment.objects.filter(page=page).latest("pk")
        assert reply.body in posted.body
        audit.fragment(posted.body_html, "Comment.body_html from a saved reply")
    audit.assert_clean()


# People: display names, bios, links, usernames -----------------------------------------


def test_names_bios_links_and_usernames_stay_inert_wherever_people_show(
    audit,
    browse,
    learner,
    mentor,
    organizer,
    cohort,
    no_comment_throttle,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    lena, maya, otto, visitor = (
        browse(learner), browse(mentor), browse(organizer), browse()
    )  # fmt: skip
    names = pack(PAYLOADS, 80)
    bios = pack(PAYLOADS, 500, sep="\n", multiline=True)
    name_markers = markers(fitting(80))
    invite = make_invite(cohort, max_uses=500)
    assert (
        lena.post(
            reverse("page_new"), {"cohort": cohort.pk, "title": "Say hello", "start": "blank"}
        ).status_code
        == 302
    )
    page = Page.objects.get(author=learner, title="Say hello")
    lena.post(page_url("page_visibility", page), {"visibility": "cohort"})
    for client, user, name in ((maya, mentor, names[0]), (otto, organizer, names[1])):
        data = {"display_name": name, "bio": "", "links": ""}
        assert client.post(reverse("profile_edit", args=[user.username]), data).status_code == 302

    people: list[tuple[User, Client]] = []
    with django_capture_on_commit_callbacks(execute=True):
        for n, name in enumerate(names):
            user = make_user(f"person{n}")
            client = browse(user)
            bio = bios[n] if n < len(bios) else ""
            data = {"display_name": name, "bio": bio, "links": ""}
            edit = reverse("profile_edit", args=[user.username])
            if n % 2:
                assert client.post(edit, data).status_code == 302
            else:
                audit.page(
                    client.post(edit, data, headers=HX), "profile saved (htmx)",
                    shows=MARKER.findall(name) + MARKER.findall(bio),
                )  # fmt: skip
            assert client.post(reverse("join", args=[invite.token])).status_code == 302
            comment = {"body": f"Hello from person {n}"}
            assert client.post(page_url("comment_create", page), comment).status_code == 302
            people.append((user, client))

    for user, client in people:
        shown = MARKER.findall(user.display_name) + MARKER.findall(user.bio)
        profile = reverse("profile", args=[user.username])
        audit.page(visitor.get(profile), "profile, visitor", shows=shown)
        audit.page(client.get(profile), "own profile with the account menu", shows=shown)
    audit.page(people[0][1].get(reverse("profile_edit", args=["person0"])), "profile form")
    audit.page(
        people[0][1].get(reverse("profile_edit", args=["person0"]), headers=HX),
        "profile form (htmx)",
    )
    audit.page(otto.get(reverse("member_list", args=[cohort.slug])), "members", shows=name_markers)
    audit.page(lena.get(reverse("cohort_detail", args=[cohort.slug])), "cohort home and directory",
               shows=name_markers)  # fmt: skip
    dashboard = reverse("cohort_dashboard", args=[cohort.slug])
    audit.listing(
        [maya.get(dashboard, {"page": number}) for number in (1, 2)],
        "cohort dashboard",
        shows=name_markers,
    )
    audit.page(lena.get(page.get_absolute_url()), "comments by everyone", shows=name_markers)
    audit.page(lena.get(reverse("home")), "learner dashboard, threads by everyone")
    for number in (1, 2, 3):
        audit.page(lena.get(reverse("notification_list"), {"page": number}), "notifications")
    assert len(mailoutbox) == len(people)
    for message in mailoutbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        audit.text(message.alternatives[0][0], "notification email (HTML)")

    # A hostile-named learner's page goes through review by a hostile-named mentor.
    author, author_client = people[2]
    author_client.post(
        reverse("page_new"), {"cohort": cohort.pk, "title": "Mine", "start": "blank"}
    )
    theirs = Page.objects.get(author=author)
    author_client.post(page_url("page_submit", theirs))
    maya.post(reverse("review_claim", args=[cohort.slug, theirs.pk]))
    queue = reverse("review_queue", args=[cohort.slug])
    audit.page(otto.get(queue), "review queue, claimed by a hostile name")
    audit.page(maya.get(page_url("page_review", theirs)), "review page, hostile author")
    maya.post(page_url("page_review", theirs), {"verdict": "approved", "summary": "Good."})
    audit.page(maya.get(queue), "review queue with the sent-review toast")
    audit.page(maya.get(theirs.get_absolute_url()), "page detail, hostile author and reviewer")
    audit.page(maya.get(reverse("search"), {"q": "Mine"}), "search row with a hostile author")

    # Display names chosen at sign-up, and handles that are not handles.
    for n, name in enumerate(names[:3]):
        data = {
            "email": f"signup{n}@example.com",
            "username": f"signup{n}",
            "display_name": name,
            "password1": "a-long-and-unusual-pass",
            "password2": "a-long-and-unusual-pass",
        }
        assert (
            browse().post(reverse("account_signup"), data, REMOTE_ADDR=f"10.0.1.{n}").status_code
            == 302
        )
        assert User.objects.get(username=f"signup{n}").display_name == name
    for n, username in enumerate(HOSTILE_USERNAMES + ODD_USERNAMES):
        data = {
            "email": f"handle{n}@example.com",
            "username": username,
            "password1": "a-long-and-unusual-pass",
            "password2": "a-long-and-unusual-pass",
        }
        response = browse().post(reverse("account_signup"), data, REMOTE_ADDR=f"10.0.2.{n}")
        created = User.objects.filter(email=f"handle{n}@example.com").first()
        if username in ODD_USERNAMES:
            assert created is not None and created.username == username
            audit.page(visitor.get(reverse("profile", args=[username])), "odd handle profile")
        else:
            assert created is None, f"{username!r} was accepted as {created.username!r}"
            audit.page(response, "sign-up refused")

    # Links: refused with the text echoed inert, or accepted as plain http(s) links.
    person, client = people[0]
    edit = reverse("profile_edit", args=[person.username])
    for link in HOSTILE_LINKS:
        data = {"display_name": person.display_name, "bio": "", "links": link}
        response = client.post(edit, data, headers=HX)
        if response.status_code == 422:
            audit.page(response, "profile links refused (htmx)", status=422)
        else:
            audit.page(response, "profile links saved (htmx)")
            person.refresh_from_db()
            assert all(scheme_of(url) in {"http", "https"} for url in person.link_list), link
            audit.page(visitor.get(reverse("profile", args=[person.username])), "profile links")
    audit.page(
        client.post(edit, {"display_name": "x", "links": "\n".join(HOSTILE_LINKS)}),
        "profile links refused", status=422,
    )  # fmt: skip
    audit.assert_clean()


# Cohorts: names, programs, descriptions --------------------------------------------------


def test_cohort_names_programs_and_descriptions_stay_inert_wherever_they_show(
    audit, browse, learner, mentor, organizer
):
    otto, lena, maya, visitor = (
        browse(organizer), browse(learner), browse(mentor), browse()
    )  # fmt: skip
    names = pack(PAYLOADS, 120)
    programs = pack(PAYLOADS, 120)
    descriptions = pack(PAYLOADS, 4000, sep="\n\n", multiline=True)
    invalid = {"name": names[0], "program": programs[0], "description": descriptions[0],
               "starts_on": "2026-02-01", "ends_on": "2026-01-01"}  # fmt: skip
    audit.page(otto.post(reverse("cohort_create"), invalid), "new cohort, invalid", status=422,
               shows=MARKER.findall(descriptions[0]))  # fmt: skip

    created: list[Cohort] = []
    for n, name in enumerate(names):
        data = {
            "name": name,
            "slug": "",
            "program": programs[n % len(programs)],
            "description": descriptions[n % len(descriptions)],
        }
        response = otto.post(reverse("cohort_create"), data)
        assert response.status_code == 302
        cohort = Cohort.objects.get(name=name)
        created.append(cohort)
        shown = MARKER.findall(name) + MARKER.findall(cohort.program)
        # The members page is where the organizer lands, with a toast naming the cohort.
        audit.page(otto.get(response["Location"]), "members, with the new-cohort toast",
                   shows=shown)  # fmt: skip
        detail = reverse("cohort_detail", args=[cohort.slug])
        audit.page(otto.get(detail), "cohort home", shows=shown)
        elsewhere = [
            reverse("review_queue", args=[cohort.slug]),
            reverse("saved_replies", args=[cohort.slug]),
            reverse("cohort_dashboard", args=[cohort.slug]),
            reverse("cohort_edit", args=[cohort.slug]),
        ][n % 4]
        audit.page(otto.get(elsewhere), "cohort pages", shows=MARKER.findall(name))
        invite = make_invite(cohort, created_by=organizer)
        audit.page(visitor.get(reverse("join", args=[invite.token])), "join page, visitor",
                   shows=shown)  # fmt: skip
        if n < 3:
            audit.page(lena.get(reverse("join", args=[invite.token])), "join page, signed in")
            lena.post(reverse("join", args=[invite.token]))
            mentoring = make_invite(cohort, role="mentor", created_by=organizer)
            maya.post(reverse("join", args=[mentoring.token]))

    every_name = markers(fitting(120))
    audit.page(otto.get(reverse("cohort_list")), "cohort list", shows=every_name)
    audit.page(otto.get(reverse("home")), "organizer dashboard", shows=every_name)
    audit.page(lena.get(reverse("home")), "learner dashboard")
    first = created[0]
    edit = reverse("cohort_edit", args=[first.slug])
    audit.page(otto.get(edit, headers=HX), "cohort form (htmx)", shows=MARKER.findall(first.name))
    audit.page(otto.get(edit), "cohort form", shows=MARKER.findall(first.description))
    bad = {"name": names[1], "program": programs[1], "description": descriptions[-1],
           "slug": first.slug, "starts_on": "2026-02-01", "ends_on": "2026-01-01"}  # fmt: skip
    audit.page(otto.post(edit, bad, headers=HX), "cohort form, invalid (htmx)", status=422)
    good = {**bad, "ends_on": "2026-03-01"}
    audit.page(otto.post(edit, good, headers=HX), "cohort saved (htmx)")
    audit.page(
        otto.get(reverse("cohort_detail", args=[first.slug]), headers=HX), "cohort info (htmx)"
    )

    # A page in a hostile cohort: the cohort's name follows it into every listing.
    assert (
        lena.post(
            reverse("page_new"), {"cohort": first.pk, "title": "Away", "start": "blank"}
        ).status_code
        == 302
    )
    away = Page.objects.get(author=learner, title="Away")
    lena.post(page_url("page_visibility", away), {"visibility": "public"})
    audit.page(visitor.get(away.get_absolute_url()), "page detail in a hostile cohort")
    audit.page(visitor.get(reverse("profile", args=[learner.username])), "profile row")
    audit.page(visitor.get(reverse("search"), {"q": "Away"}), "search row")
    lena.post(page_url("page_submit", away))
    audit.page(maya.get(reverse("review_queue", args=[first.slug])), "review queue")
    audit.page(maya.get(page_url("page_review", away)), "review page")
    otto.post(reverse("cohort_archive", args=[first.slug]))
    audit.page(otto.get(reverse("cohort_detail", args=[first.slug])), "archived cohort, toast")
    audit.page(lena.get(away.get_absolute_url()), "page in an archived hostile cohort")
    audit.assert_clean()
