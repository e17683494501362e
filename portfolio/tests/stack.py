"""Real services for the fault and scale-out tests: a private PostgreSQL cluster, a
private Redis and production app processes (gunicorn), each started and stopped by the
test that owns them, plus a small cookie-keeping HTTP client.

Nothing here touches the shared PostgreSQL or Redis the rest of the suite uses."""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"{what} did not come up within {timeout:.0f} s")


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def pg_tool(name: str) -> str | None:
    for directory in PG_BIN_DIRS:
        if (directory / name).exists():
            return str(directory / name)
    return shutil.which(name)


def missing_tools() -> list[str]:
    needed = {"initdb": pg_tool("initdb"), "pg_ctl": pg_tool("pg_ctl")}
    needed["redis-server"] = shutil.which("redis-server")
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: the cluster runs as the postgres user.
        needed["runuser"] = shutil.which("runuser")
    return [name for name, path in needed.items() if not path]


class PostgresCluster:
    """A throw-away cluster on a free loopback port, trust auth, no fsync."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="nexus-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/nexus"
        if os.geteuid() == 0:
            self.root.chmod(0o755)
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> PostgresCluster:
        self._run(
            pg_tool("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "--encoding=UTF8", "--locale=C",
        )  # fmt: skip
        self.start()
        subprocess.run(
            [pg_tool("createdb") or "createdb", "-h", "127.0.0.1", "-p", str(self.port),
             "-U", "postgres", "nexus"],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        return self

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            pg_tool("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "30", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(lambda: port_open(self.port), timeout=10, what="redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


def app_environment(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The production configuration, on plain HTTP over loopback."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "DATABASE_", "REDIS_", "CACHE_"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="stack-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1",
        HTTPS="false",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX="nexus-stack",
        EMAIL_VERIFICATION="none",
        ACCESS_LOG="false",
        DJANGO_SETTINGS_MODULE="site_config.settings",
    )
    env.update(extra)
    return env


def collectstatic(env: dict[str, str]) -> None:
    """The production storage needs a manifest; build it unless it is up to date."""
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    sources = [path for path in (BASE_DIR / "static").rglob("*") if path.is_file()]
    if manifest.exists() and all(
        path.stat().st_mtime < manifest.stat().st_mtime for path in sources
    ):
        return
    manage(env, "collectstatic", "--noinput", "-v0")


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


class AppServer:
    """gunicorn with site_config/gunicorn.py, as the Dockerfile runs it (sync workers)."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, threads: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **env,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "WEB_THREADS": str(threads),
        }
        handle, name = tempfile.mkstemp(prefix="nexus-app-", suffix=".log")
        os.close(handle)
        self.log = Path(name)
        self.process: subprocess.Popen | None = None

    def start(self) -> AppServer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "site_config/gunicorn.py",
                 "site_config.wsgi"],
                cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: port_open(self.port), timeout=30, what=f"gunicorn on {self.port}")
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)
        self.process = None
        self.log.unlink(missing_ok=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Visitor:
    """A person with a browser's cookie jar, talking to any of the app processes."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, url: str, data: dict | None = None, headers: dict | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers={**(headers or {})})
        if data is not None:
            origin = re.match(r"https?://[^/]+", url).group(0)
            request.add_header("Referer", origin + "/")
            request.add_header("X-CSRFToken", self.cookie("csrftoken") or "")
        try:
            with self.opener.open(request, timeout=15) as response:
                return Reply(response.status, dict(response.headers), response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, dict(error.headers), error.read().decode(errors="replace"))

    def get(self, url: str, **headers: str) -> Reply:
        return self.request(url, headers=headers)

    def post(self, url: str, data: dict, **headers: str) -> Reply:
        return self.request(url, data=data, headers=headers)

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def log_in(self, base: str, email: str, password: str) -> Reply:
        self.get(f"{base}/accounts/login/")
        return self.post(f"{base}/accounts/login/", {"login": email, "password": password})


def hidden_input(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', html
    )
    if not match:
        raise AssertionError(f"no input {name!r} in the page")
    return match.group(1)
