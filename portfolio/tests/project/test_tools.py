"""`make test` on a fresh machine gets its browser by itself: .ci/tools uses the
system Chromium, or installs one (apt-get as root, else Playwright's own), and says
what it does. Run here in a sandbox of fake commands, printing instead of installing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / ".ci" / "tools"


def sandbox(tmp_path: Path, *, uid: int, apt: bool) -> dict[str, str]:
    """A PATH with the shell's basics, a fake `id`, maybe `apt-get`, and no browser,
    Java or wrk."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("dirname", "rm", "env", "cat"):
        (bin_dir / name).symlink_to(shutil.which(name))
    fakes = {"id": f"echo {uid}", "uv": "exit 0"}
    if apt:
        fakes["apt-get"] = "exit 0"
    for name, body in fakes.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in {"CHROMIUM_PATH", "CHROME_PATH"}}
    return {
        **env,
        "PATH": str(bin_dir),
        "NEXUS_TOOLS_DRY_RUN": "1",
        "NEXUS_CHROMIUM_CANDIDATES": str(tmp_path / "no-chromium"),
    }


def tools(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    bash = shutil.which("bash")
    return subprocess.run(
        [bash, str(TOOLS), *names], env=env, capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture(autouse=True)
def _keep_the_chosen_path():
    chosen = ROOT / ".chromium-path"
    saved = chosen.read_text() if chosen.exists() else None
    yield
    if saved is None:
        chosen.unlink(missing_ok=True)
    else:
        chosen.write_text(saved)


def test_a_configured_chromium_is_used_as_it_is(tmp_path):
    env = {**sandbox(tmp_path, uid=1000, apt=False), "CHROMIUM_PATH": "/opt/chrome/chrome"}
    result = tools(env, "browser")
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1] == "CHROMIUM_PATH=/opt/chrome/chrome"
    assert "running:" not in result.stderr


def test_as_root_on_debian_it_installs_the_systems_chromium(tmp_path):
    result = tools(sandbox(tmp_path, uid=0, apt=True), "browser")
    assert result.returncode == 0
    assert "No Chromium on this machine: installing Debian's with apt-get" in result.stderr
    assert "running: env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium" in (
        result.stderr
    )


def test_elsewhere_it_downloads_playwrights_chromium_and_says_so(tmp_path):
    result = tools(sandbox(tmp_path, uid=1000, apt=False), "browser")
    assert result.returncode == 0
    assert "downloading" in result.stderr and "Playwright's own Chromium" in result.stderr
    assert "running: uv run playwright install chromium" in result.stderr
    assert "apt-get" not in result.stderr.replace("with apt-get here", "")
    assert result.stdout.strip().splitlines()[-1] == "CHROMIUM_PATH=playwright"


def test_wrk_and_java_are_installed_as_root_or_explained(tmp_path):
    as_root = tools(sandbox(tmp_path / "root", uid=0, apt=True), "wrk", "java")
    assert as_root.returncode == 0
    assert "apt-get install -y -qq wrk" in as_root.stderr
    assert "apt-get install -y -qq default-jre-headless" in as_root.stderr
    as_user = tools(sandbox(tmp_path / "user", uid=1000, apt=False), "wrk")
    assert as_user.returncode == 1
    assert "('sudo apt-get install wrk' or 'brew install wrk') and run make bench" in as_user.stderr


def test_make_test_gets_its_browser_before_running_the_tests():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\ntest: install\n", 1)[1].split("\n\n", 1)[0]
    lines = [line.strip() for line in recipe.splitlines()]
    assert lines.index("@bash .ci/tools browser java judges") < lines.index("$(UV) run pytest")
