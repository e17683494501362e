"""`make bench`: load-test the production server configuration on this machine.

It builds (or reuses) the spec's large cohort on PostgreSQL with seed_demo, starts the
production server on a free loopback port, drives each endpoint with wrk for a fixed
time and prints one table of requests per second and p50/p95/p99 latency, each row
with its ratio to the static-file ceiling served by the same server. The same table
is written as JSON. Every wrk run and every wait is bounded; the whole run stops by
itself well inside ten minutes.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TypedDict, Unpack
from urllib.parse import urlencode

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.utils import OperationalError
from django.urls import reverse
from django.utils import timezone

LARGE = {"learners": 500, "pages": 10_000, "sections": 50_000, "comments": 100_000}
SERVERS = ("gunicorn-sync", "gunicorn-gthread", "granian")
CSRF_SECRET = "benchcsrfsecret0123456789abcdefg"  # 32 characters, like Django's own

# wrk reports through this script: one JSON line with the figures the table needs.
# The request()/response() pair makes the section save honest: each thread owns one
# section on one connection and sends the version it last saved, so every request is a
# real edit and none is refused as stale.
LUA_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.3f, "p95": %.3f, "p99": %.3f, '
    .. '"errors": %d, "non2xx": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors,
    summary.errors.status))
end
"""

# Each wrk thread learns its number (1, 2, ...), to pick what it owns.
LUA_THREADS = """
local next_thread = 0
setup = function(thread)
  next_thread = next_thread + 1
  thread:set("index", next_thread)
end
"""

LUA_SAVE = (
    LUA_THREADS
    + """
local targets = {TARGETS}
init = function(args)
  local target = targets[index]
  path, version, count = target[1], target[2], 0
end
request = function()
  count = count + 1
  local body = "heading=Benchmark&version=" .. version
    .. "&body=Saved+by+the+benchmark%2C+edit+" .. count .. "+of+thread+" .. index .. "."
  return wrk.format("POST", path, nil, body)
end
response = function(status, headers, body)
  if status == 200 then
    version = version + 1
  elseif status == 409 then
    -- Someone saved meanwhile: the conflict view carries the current version.
    local current = body:match('name="version" value="(%d+)"')
    if current then version = tonumber(current) end
  end
end
"""
)

# The other writing rows: each thread cycles through requests of its own (a tag added,
# then removed; a comment posted; a README imported), so threads never collide.
LUA_CYCLE = (
    LUA_THREADS
    + """
local plans = {PLANS}
init = function(args)
  plan, step = plans[index], 1
end
-- The step moves on with each answer, not each request: wrk builds one request of
-- the first thread to check the script and never sends it (that lost "add" made
-- the first "remove" of every run answer 404).
request = function()
  return wrk.format("POST", plan[step][1], nil, plan[step][2])
end
response = function(status, headers, body)
  step = step % #plan + 1
end
"""
)
BENCH_MARK = "Posted by the benchmark"  # what the writing rows leave, removed after the run


def import_text(sections: int = 30) -> str:
    """A README as learners write them: headings, prose, a list, code, a link."""
    parts = ["# Benchmark import\n\nWhat I learned, section by section.\n"]
    for n in range(1, sections + 1):
        parts.append(
            f"\n## Part {n}: caching and queues\n\nI used **Redis** for part {n}, "
            f"see [the docs](https://redis.io/docs/{n}).\n\n- one\n- two\n\n"
            f"```python\ncache.set('part-{n}', {n})\n```\n"
        )
    return "".join(parts)


@dataclass
class Row:
    key: str
    name: str
    path: str
    rps: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    requests: int = 0
    errors: int = 0
    non2xx: int = 0
    ratio: float | None = None
    connections: int = 0
    note: str = ""
    budget: str = ""
    met: bool | None = None
    extra: dict[str, object] = field(default_factory=dict)


class Options(TypedDict):
    """The command's own options (see add_arguments)."""

    server: str
    workers: int | None
    threads: int
    pool: bool
    duration: int
    connections: int
    latency_connections: int
    small: bool
    json_path: str | None
    only: str
    compare: str | None


class Targets(TypedDict):
    """What the rows request, found in the seeded cohort."""

    cohort: str
    static: str
    public: str
    review_page: str
    mentor_cookie: str
    author_cookie: str
    # (edit URL, version) of each section a saving thread owns
    sections: list[tuple[str, int]]
    search: str
    profile: str
    # Each writing row's requests, one list per thread: (path, form body)
    tag_plans: list[list[tuple[str, str]]]
    comment_plans: list[list[tuple[str, str]]]
    draft_plans: list[list[tuple[str, str]]]
    import_plans: list[list[tuple[str, str]]]
    # The reviewed page's author, who reads the notifications
    learner_cookie: str


# One row of the plan: what it measures, wrk's headers, how it requests (None: GET with
# 16 connections; "latency": GET with 2; "save" and "cycle": POSTs), and for "cycle"
# each thread's requests.
Step = tuple[Row, list[str], str | None, list[list[tuple[str, str]]]]


def lua(text: str) -> str:
    """A Lua string literal holding `text` exactly: its UTF-8 bytes, each one that is
    not a letter, digit or plain punctuation written as a three-digit escape."""
    plain = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_./=&%+:,")
    return '"' + "".join(chr(b) if b in plain else f"\\{b:03d}" for b in text.encode()) + '"'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def read_rows(path: str) -> list[dict[str, object]]:
    """The rows of an earlier run's JSON, or a CommandError that says what is wrong."""
    try:
        data = json.loads(Path(path).read_text())
        rows = data["rows"]
    except FileNotFoundError:
        raise CommandError(f"--compare: no file at {path}.") from None
    except (ValueError, KeyError, TypeError):
        raise CommandError(f"--compare: {path} is not a make bench JSON file.") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise CommandError(f"--compare: {path} is not a make bench JSON file.")
    return rows


def _change(old: object, new: object, *, lower_is_better: bool) -> str:
    if not isinstance(old, int | float) or not isinstance(new, int | float) or not old:
        return "-"
    percent = (new - old) / old * 100
    worse = percent > 10 if lower_is_better else percent < -10
    return f"{percent:+.0f} %" + (" (slower)" if worse else "")


def compare_rows(earlier: list[dict[str, object]], now: list[dict[str, object]]) -> list[str]:
    """One line per row of this run: requests per second and p50/p95 against the same
    row of an earlier run; a change of more than 10 % the wrong way is called slower."""
    before = {row.get("key"): row for row in earlier}
    header = f"{'request':<38} {'req/s':>16} {'p50':>16} {'p95':>16}"
    lines = [header, "-" * len(header)]
    for row in now:
        old = before.get(row.get("key"))
        name = str(row.get("name", row.get("key", "")))
        if old is None:
            lines.append(f"{name:<38} {'new row':>16}")
            continue
        lines.append(
            f"{name:<38} {_change(old.get('rps'), row.get('rps'), lower_is_better=False):>16} "
            f"{_change(old.get('p50'), row.get('p50'), lower_is_better=True):>16} "
            f"{_change(old.get('p95'), row.get('p95'), lower_is_better=True):>16}"
        )
    gone = [
        str(row.get("name", row.get("key")))
        for row in earlier
        if row.get("key") not in {r.get("key") for r in now}
    ]
    if gone:
        lines.append("Not run this time: " + ", ".join(gone))
    return lines


class Command(BaseCommand):
    help = "Benchmark the production server configuration with wrk (see README, Performance)."
    server_log: IO[str]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--server",
            choices=SERVERS,
            default="gunicorn-sync",
            help="gunicorn-sync is the production configuration (site_config/gunicorn.py).",
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="Processes (default: cores + 1)."
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="Threads per process (gthread, granian)."
        )
        parser.add_argument(
            "--pool", action="store_true", help="psycopg's pool, not persistent connections."
        )
        parser.add_argument("--duration", type=int, default=8, help="Seconds of load per row.")
        parser.add_argument(
            "--connections", type=int, default=16, help="wrk connections for the throughput rows."
        )
        parser.add_argument(
            "--latency-connections",
            type=int,
            default=2,
            help="wrk connections for the signed-in rows, whose p95 has a budget.",
        )
        parser.add_argument(
            "--small", action="store_true", help="Use the demo cohort only (quick check)."
        )
        parser.add_argument(
            "--json", dest="json_path", default=None, help="Where to write the JSON."
        )
        parser.add_argument(
            "--compare",
            default=None,
            metavar="FILE",
            help="An earlier run's JSON (e.g. a saved latest.json): print each row's change.",
        )
        parser.add_argument(
            "--only",
            default="",
            help="Rows to run besides the static ceiling, comma-separated: healthz, cached, "
            "uncached, page, directory, search, queue, dashboard, profile, notifications, "
            "save, tags, comment, import, draft.",
        )

    # -- orchestration ------------------------------------------------------------------

    def handle(self, *args: str, **options: Unpack[Options]) -> None:
        started = time.monotonic()
        # Read first: a typo in the path must not cost a whole run.
        earlier = read_rows(options["compare"]) if options["compare"] else None
        wrk = shutil.which("wrk")
        if wrk is None:
            raise CommandError(
                "wrk is not installed. Install it (Debian/Ubuntu: `apt-get install wrk`, "
                "macOS: `brew install wrk`) and run `make bench` again."
            )
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark runs on PostgreSQL: set DATABASE_URL (make bench defaults to "
                "postgres://postgres@127.0.0.1:5432/nexus_bench)."
            )
        if options["server"] == "granian" and shutil.which("granian") is None:
            raise CommandError("granian is not installed: run `uv sync` (it is in the dev group).")
        self.ensure_database()
        self.step("Migrating")
        call_command("migrate", "--noinput", verbosity=0)
        sizes = {} if options["small"] else LARGE
        self.step(f"Building or reusing the cohort ({self.describe(sizes)})")
        call_command("seed_demo", verbosity=1, stdout=self.stdout, **sizes)
        targets = self.targets()
        port = free_port()
        self.collect_static(port, options)
        # The server's log goes to a file: a pipe nobody reads fills up (64 KB of
        # warnings) and then blocks the server mid-run.
        with tempfile.TemporaryFile(mode="w+") as self.server_log:
            server = self.start_server(port, options)
            since = timezone.now()
            try:
                rows = self.run_rows(wrk, f"http://127.0.0.1:{port}", targets, options)
            finally:
                self.stop_server(server)
                self.clean_up(since)
        result = self.report(rows, options, time.monotonic() - started)
        path = Path(options["json_path"] or settings.BASE_DIR / "bench-results" / "latest.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(result, indent=2) + "\n")
        self.stdout.write(f"\nJSON written to {path}")
        if earlier is not None:
            self.stdout.write(f"\nAgainst {options['compare']}:")
            for line in compare_rows(earlier, [asdict(row) for row in rows]):
                self.stdout.write(line)

    def step(self, text: str) -> None:
        self.stdout.write(self.style.MIGRATE_HEADING(f"==> {text}"))

    @staticmethod
    def describe(sizes: dict[str, int]) -> str:
        if not sizes:
            return "demo size"
        return ", ".join(f"{value:,} {name}" for name, value in sizes.items())

    def ensure_database(self) -> None:
        try:
            connection.ensure_connection()
            return
        except OperationalError as error:
            if "does not exist" not in str(error):
                raise CommandError(f"PostgreSQL does not answer: {error}") from None
        import psycopg

        params = connection.get_connection_params()
        name = settings.DATABASES["default"]["NAME"]
        params.pop("dbname", None)
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        self.step(f"Creating database {name}")
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    # -- what to measure ----------------------------------------------------------------

    def targets(self) -> Targets:
        """URLs, a mentor's session and a learner's sections, from the seeded cohort."""
        from django.contrib.staticfiles.storage import staticfiles_storage
        from django.test import Client

        from portfolio.management.commands.seed_demo import COHORT_SLUG
        from portfolio.models import Cohort, Page, Role, Section, Status, Visibility

        cohort = Cohort.objects.get(slug=COHORT_SLUG)
        mentoring = cohort.memberships.filter(role=Role.MENTOR).select_related("user").first()
        public = (
            Page.objects.filter(cohort=cohort, visibility=Visibility.PUBLIC)
            .exclude(sections=None)
            .select_related("author")
            .order_by("-pk")
            .first()
        )
        reviewed = (
            Page.objects.filter(cohort=cohort, status=Status.IN_REVIEW)
            .select_related("author")
            .order_by("pk")
            .first()
        )
        if mentoring is None or public is None:
            raise CommandError(
                f"The cohort {COHORT_SLUG} has no mentor, or no public page with sections, "
                "to measure."
            )
        mentor_client = Client()
        mentor_client.force_login(mentoring.user)
        mentor_session = mentor_client.cookies[settings.SESSION_COOKIE_NAME].value
        # Each saving thread edits a section of its own, on a page of the seeded author.
        author = public.author
        author_client = Client()
        author_client.force_login(author)
        author_session = author_client.cookies[settings.SESSION_COOKIE_NAME].value
        sections = list(
            Section.objects.filter(page__author=author).select_related("page").order_by("pk")[:8]
        )
        reviewed = reviewed or public
        learner_client = Client()
        learner_client.force_login(reviewed.author)
        learner_session = learner_client.cookies[settings.SESSION_COOKIE_NAME].value
        csrf = f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
        # Comments spread over sections of many pages, as a mentor's day does: piled on
        # one section, each post would redraw a longer box than the last.
        commented = list(
            Section.objects.filter(page__cohort=cohort, page__status=Status.IN_REVIEW)
            .exclude(page__visibility=Visibility.PRIVATE)
            .exclude(heading="")
            .select_related("page__author")
            .order_by("pk")[:64]
        )
        if len(commented) < 8:
            raise CommandError(f"The cohort {COHORT_SLUG} has too few pages in review to comment.")
        text = urlencode({"cohort": cohort.pk, "text": import_text()})
        threads = range(1, 9)
        return {
            "cohort": cohort.slug,
            "static": staticfiles_storage.url("css/nexus.css"),
            "public": public.get_absolute_url(),
            "review_page": reviewed.get_absolute_url(),
            "mentor_cookie": f"{settings.SESSION_COOKIE_NAME}={mentor_session}; {csrf}",
            "author_cookie": f"{settings.SESSION_COOKIE_NAME}={author_session}; {csrf}",
            "learner_cookie": f"{settings.SESSION_COOKIE_NAME}={learner_session}; {csrf}",
            "sections": [
                (f"{s.page.get_absolute_url()}sections/{s.pk}/edit/", s.version) for s in sections
            ],
            "search": "django testing",
            "profile": reverse("profile", args=[reviewed.author.username]),
            "tag_plans": [
                [
                    (f"{public.get_absolute_url()}tags/", f"name=bench-{n}"),
                    (f"{public.get_absolute_url()}tags/bench-{n}/remove/", ""),
                ]
                for n in threads
            ],
            "comment_plans": [
                [
                    (
                        f"{section.page.get_absolute_url()}comments/",
                        urlencode({"section": section.pk, "body": f"{BENCH_MARK}, thread {n}."}),
                    )
                    for section in commented[n - 1 :: 8]
                ]
                for n in threads
            ],
            "import_plans": [[("/pages/import/", text)] for n in threads],
            # An open editor's autosave: each connection keeps a draft of its own section.
            "draft_plans": [
                [
                    (
                        f"{section.page.get_absolute_url()}sections/{section.pk}/draft/",
                        urlencode(
                            {
                                "heading": section.heading_markdown,
                                "body": f"{BENCH_MARK}: a draft kept while typing, {n}.",
                                "version": section.version,
                                "editor": f"bench-{n}",
                                "format": "json",
                            }
                        ),
                    )
                ]
                for n, section in zip(threads, sections, strict=False)
            ],
        }

    def plan(self, t: Targets) -> list[Step]:
        mentor = ["-H", f"Cookie: {t['mentor_cookie']}"]
        learner = ["-H", f"Cookie: {t['learner_cookie']}"]
        cohort = f"/cohorts/{t['cohort']}"

        def writing(cookie: str, *, htmx: bool = True) -> list[str]:
            return [
                "-H", f"Cookie: {cookie}",
                "-H", f"X-CSRFToken: {CSRF_SECRET}",
                "-H", "Content-Type: application/x-www-form-urlencoded",
                *(["-H", "HX-Request: true"] if htmx else []),
            ]  # fmt: skip

        return [
            (Row("static", "static file (ceiling)", t["static"]), [], None, []),
            (Row("healthz", "/healthz", "/healthz"), [], None, []),
            (Row("cached", "public page, anonymous, cached", t["public"],
                 budget=">= 0.7x static"), [], None, []),
            (Row("uncached", "public page, anonymous, caching off",
                 t["public"] + "?cache=off"), [], None, []),
            (Row("page", "page view, signed-in mentor", t["review_page"]), mentor, "latency", []),
            (Row("directory", "cohort directory", f"{cohort}/",
                 budget="p95 < 100 ms"), mentor, "latency", []),
            (Row("search", "search", f"/search/?q={t['search'].replace(' ', '+')}",
                 budget="p95 < 100 ms"), mentor, "latency", []),
            (Row("queue", "review queue", f"{cohort}/review/",
                 budget="p95 < 100 ms"), mentor, "latency", []),
            (Row("dashboard", "mentor dashboard", f"{cohort}/dashboard/"), mentor, "latency", []),
            (Row("profile", "profile, signed-in mentor", t["profile"]), mentor, "latency", []),
            (Row("notifications", "notification list, learner", "/notifications/"), learner,
             "latency", []),
            (Row("save", "HTMX section save", "(POST, one section per connection)"), [],
             "save", []),
            (Row("tags", "HTMX tag add, then remove", "(POST, a tag per connection)"),
             writing(t["author_cookie"]), "cycle", t["tag_plans"]),
            (Row("comment", "HTMX comment post, mentor", "(POST, on a reviewed page)"),
             writing(t["mentor_cookie"]), "cycle", t["comment_plans"]),
            (Row("import", "README import, 30 sections", "(POST /pages/import/, then 302)"),
             writing(t["author_cookie"], htmx=False), "cycle", t["import_plans"]),
            (Row("draft", "draft autosave, author", "(POST, a section per connection)"),
             writing(t["author_cookie"], htmx=False), "cycle", t["draft_plans"]),
        ]  # fmt: skip

    def run_rows(self, wrk: str, base: str, targets: Targets, options: Options) -> list[Row]:
        only = {name.strip() for name in options["only"].split(",") if name.strip()}
        rows = []
        with tempfile.TemporaryDirectory(prefix="nexus-bench-") as scratch:
            report = Path(scratch) / "report.lua"
            report.write_text(LUA_REPORT)
            for row, headers, kind, plans in self.plan(targets):
                if only and row.key not in only and row.key != "static":
                    continue
                self.step(f"{row.name}: {row.path}")
                if kind == "cycle":
                    row.connections = options["latency_connections"]
                    script = Path(scratch) / f"{row.key}.lua"
                    lua_plans = ", ".join(
                        "{"
                        + ", ".join(f"{{{lua(path)}, {lua(body)}}}" for path, body in plan)
                        + "}"
                        for plan in plans[: row.connections]
                    )
                    script.write_text(
                        LUA_CYCLE.replace("{PLANS}", "{" + lua_plans + "}") + LUA_REPORT
                    )
                    url = base + plans[0][0][0]
                elif kind == "save":
                    row.connections = min(len(targets["sections"]), options["latency_connections"])
                    script = Path(scratch) / "save.lua"
                    lua_targets = ", ".join(
                        f'{{"{path}", {version}}}'
                        for path, version in targets["sections"][: row.connections]
                    )
                    script.write_text(
                        LUA_SAVE.replace("{TARGETS}", "{" + lua_targets + "}") + LUA_REPORT
                    )
                    headers = [
                        "-H", f"Cookie: {targets['author_cookie']}",
                        "-H", f"X-CSRFToken: {CSRF_SECRET}",
                        "-H", "HX-Request: true",
                        "-H", "Content-Type: application/x-www-form-urlencoded",
                    ]  # fmt: skip
                    url = base + targets["sections"][0][0]
                else:
                    row.connections = (
                        options["latency_connections"]
                        if kind == "latency"
                        else options["connections"]
                    )
                    script = report
                    url = base + row.path
                self.check_reachable(url, headers, kind)
                figures = self.wrk(
                    wrk, url, headers, script, row.connections, options["duration"],
                    cycling=kind == "cycle",
                )  # fmt: skip
                for key in ("requests", "p50", "p95", "p99", "errors", "non2xx"):
                    setattr(row, key, figures[key])
                row.rps = figures["requests"] / figures["seconds"] if figures["seconds"] else 0.0
                rows.append(row)
        ceiling = rows[0].rps if rows and rows[0].key == "static" else 0
        for row in rows:
            row.ratio = round(row.rps / ceiling, 3) if ceiling else None
            if row.budget.startswith(">="):
                row.met = row.ratio is not None and row.ratio >= 0.7
            elif row.budget.startswith("p95"):
                row.met = row.p95 < 100
        return rows

    def check_reachable(self, url: str, headers: list[str], kind: str | None) -> None:
        """One plain request first, so a broken row fails loudly instead of timing 404s."""
        if kind in {"save", "cycle"}:
            return
        request = urllib.request.Request(url)
        for name, value in (h.split(": ", 1) for h in headers[1::2]):
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
        except Exception as error:
            raise CommandError(f"{url} does not answer 200: {error}") from None

    def wrk(self, wrk: str, url: str, headers: list[str], script: Path, connections: int,
            duration: int, *, cycling: bool = False) -> dict[str, float]:  # fmt: skip
        threads = max(1, min(2, connections))
        command = [
            wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "5s",
            "-s", str(script), *headers, url,
        ]  # fmt: skip
        # A short warm-up fills caches and connections before the measured run. Saves
        # warm up by reading the edit form: each thread starts from the version it was
        # given, which a warm-up save would make stale. The other writing rows warm up
        # with their own requests (a GET of where they post would answer 405).
        warm = [*command[:3], "-d1s", *command[4:]]
        if not cycling:
            warm[warm.index("-s") + 1] = str(script.with_name("report.lua"))
        subprocess.run(warm, capture_output=True, text=True, timeout=30)
        time.sleep(0.5)
        result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 30)
        for line in reversed(result.stdout.splitlines()):
            if line.startswith("{"):
                figures: dict[str, float] = json.loads(line)
                if not figures["requests"]:
                    break
                return figures
        raise CommandError(
            f"wrk gave no figures for {url}:\n{result.stdout}\n{result.stderr}\n"
            f"The server's log ends:\n{self.server_said()}"
        )

    def clean_up(self, since: datetime) -> None:
        """Remove what the writing rows added (comments and the notifications they sent,
        imported pages, drafts), so the next run measures the same cohort. Tags were removed by
        the row itself; saved sections keep their new text, as any edit would."""
        from portfolio.models import Comment, Draft, Notification, Page

        comments, _ = Comment.objects.filter(
            created_at__gte=since, body__startswith=BENCH_MARK
        ).delete()
        # The bench database is the bench's own: nothing else comments during a run.
        notes, _ = Notification.objects.filter(created_at__gte=since, kind="comment").delete()
        pages, _ = Page.objects.filter(created_at__gte=since, title="Benchmark import").delete()
        drafts, _ = Draft.objects.filter(
            updated_at__gte=since, body__startswith=BENCH_MARK
        ).delete()
        if comments or pages or drafts:
            self.step(f"Removed what the run wrote: {comments + notes + pages + drafts:,} rows")

    # -- the server ---------------------------------------------------------------------

    def server_env(self, port: int, options: Options) -> dict[str, str]:
        database = settings.DATABASES["default"]
        url = (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        )
        if database["PASSWORD"]:
            url = url.replace("@", f":{database['PASSWORD']}@", 1)
        if options["pool"]:
            url += "?pool=true"
        workers = options["workers"] or (os.cpu_count() or 1) + 1
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "false",
            "DATABASE_URL": url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "WEB_THREADS": str(options["threads"]),
            "ACCESS_LOG": "false",
            "LOG_LEVEL": "WARNING",
            # The comment row posts as one mentor, far past a person's limit per minute.
            "COMMENTS_PER_MINUTE": "1000000",
            "DRAFTS_PER_MINUTE": "1000000",
        }
        return env

    def collect_static(self, port: int, options: Options) -> None:
        """Collect static files with the server's own settings: with DEBUG off they are
        stored under hashed names with a manifest, which the server needs to draw a page
        (collected with this process's settings, a fresh clone had none: 500s)."""
        self.step("Collecting static files")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=settings.BASE_DIR, env=self.server_env(port, options), check=True, timeout=300,
        )  # fmt: skip

    def start_server(self, port: int, options: Options) -> subprocess.Popen[str]:
        env = self.server_env(port, options)
        name = options["server"]
        if name == "granian":
            command = [
                "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                "--workers", env["WEB_CONCURRENCY"], "--blocking-threads", env["WEB_THREADS"],
                "--no-ws", "--log-level", "warning", "site_config.wsgi:application",
            ]  # fmt: skip
        else:
            command = [sys.executable, "-m", "gunicorn", "-c", "site_config/gunicorn.py"]
            if name == "gunicorn-sync":
                command += ["--worker-class", "sync", "--threads", "1"]
            else:
                command += ["--worker-class", "gthread", "--threads", env["WEB_THREADS"]]
            command.append("site_config.wsgi")
        self.step(
            f"Starting {name}: {env['WEB_CONCURRENCY']} processes × "
            f"{env['WEB_THREADS'] if name != 'gunicorn-sync' else 1} threads, "
            f"{'pooled' if options['pool'] else 'persistent'} connections, port {port}"
        )
        server = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=self.server_log, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError(f"The server stopped: {self.server_said()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    return server
            except OSError:
                time.sleep(0.2)
        self.stop_server(server)
        raise CommandError("The server did not answer /healthz within 60 s.")

    def server_said(self) -> str:
        """The end of the server's log."""
        self.server_log.seek(0)
        return self.server_log.read()[-2000:]

    @staticmethod
    def stop_server(server: subprocess.Popen[str]) -> None:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(5)

    # -- the report ---------------------------------------------------------------------

    def report(self, rows: list[Row], options: Options, elapsed: float) -> dict[str, object]:
        columns = ("conns", "req/s", "p50 ms", "p95 ms", "p99 ms", "× static")
        widths = (5, 9, 8, 8, 8, 9)
        header = f"{'request':<38} " + " ".join(
            f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)
        )
        header += "  budget"
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            verdict = ""
            if row.budget:
                verdict = f"{row.budget}: {'met' if row.met else 'MISSED'}"
            if row.non2xx or row.errors:
                verdict += f" ({row.non2xx} non-2xx, {row.errors} errors)"
            ratio = f"{row.ratio:.2f}" if row.ratio is not None else "-"
            self.stdout.write(
                f"{row.name:<38} {row.connections:>5} {row.rps:>9,.0f} {row.p50:>8.1f} "
                f"{row.p95:>8.1f} {row.p99:>8.1f} {ratio:>9}  {verdict}"
            )
        self.stdout.write(f"\n{self.machine()} · finished in {elapsed:.0f} s")
        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": self.machine(),
            "server": options["server"],
            "workers": options["workers"] or (os.cpu_count() or 1) + 1,
            "threads": 1 if options["server"] == "gunicorn-sync" else options["threads"],
            "connections": "pool" if options["pool"] else "persistent",
            "duration_per_row_s": options["duration"],
            "cohort": "demo" if options["small"] else LARGE,
            "elapsed_s": round(elapsed, 1),
            "rows": [asdict(row) for row in rows],
        }

    @staticmethod
    def machine() -> str:
        return (
            f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}"
        )
