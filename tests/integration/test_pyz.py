"""The one downloadable file: remote-help.pyz runs with nothing but python3 (3.10 or newer),
uses only what it carries, takes part in a real session, and on an older Python says in one
sentence which it needs."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests import support

PYTHON = support.SYSTEM_PYTHON


def interpreter(version: str) -> str | None:
    """``pythonX.Y`` from pyenv's versions (where this machine has the old ones) or PATH,
    the first that runs (pyenv's shims on PATH may not); None when there is none."""
    pattern = str(Path.home() / ".pyenv" / "versions" / f"{version}.*" / "bin" / f"python{version}")
    candidates = [*sorted(glob.glob(pattern), reverse=True), shutil.which(f"python{version}")]
    for candidate in candidates:
        if candidate and subprocess.run([candidate, "-c", ""], capture_output=True, timeout=30,
                                        check=False).returncode == 0:
            return candidate
    return None


def needs(version: str) -> str:
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine")
    return python


@pytest.fixture(scope="module")
def pyz() -> Iterator[Path]:
    """The file CI built (REMOTE_HELP_PYZ), or one built now, readable by every user."""
    given = os.environ.get("REMOTE_HELP_PYZ")
    directory = Path(tempfile.mkdtemp(prefix="rh-pyz-"))
    directory.chmod(0o755)
    try:
        target = directory / "remote-help.pyz"
        if given:
            shutil.copy(given, target)
        else:
            subprocess.run([str(support.ROOT / ".ci" / "build-pyz"), str(target)], check=True,
                           capture_output=True, timeout=300)
        target.chmod(0o755)
        yield target
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_runs_with_nothing_but_python(pyz: Path) -> None:
    result = subprocess.run([PYTHON, "-I", "-S", str(pyz), "--version"], capture_output=True,
                            text=True, timeout=30, check=False, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "remote-help 0.1.0"


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.9"])
def test_an_older_python_is_told_which_it_needs(pyz: Path, version: str) -> None:
    """One plain sentence, no traceback: the file's first code parses on any Python."""
    result = subprocess.run([needs(version), str(pyz), "--version"], capture_output=True,
                            text=True, timeout=30, check=False, cwd="/")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (f"remote-help needs Python 3.10 or newer; "
                             f"this is Python {version}.\n")


def test_runs_on_python_3_10(pyz: Path) -> None:
    result = subprocess.run([needs("3.10"), "-I", "-S", str(pyz), "--version"],
                            capture_output=True, text=True, timeout=30, check=False, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "remote-help 0.1.0"


def test_uses_its_own_urwid_not_the_machines(pyz: Path, tmp_path: Path) -> None:
    full_screen_start_and_quit(PYTHON, pyz, tmp_path)


def test_the_full_screen_runs_on_python_3_10(pyz: Path, tmp_path: Path) -> None:
    """urwid 5 needs 3.11: the file carries one that also runs on 3.10."""
    full_screen_start_and_quit(needs("3.10"), pyz, tmp_path)


def full_screen_start_and_quit(python: str, pyz: Path, tmp_path: Path) -> None:
    """The friend's first step, full screen, on the urwid inside the file (a planted one on
    PYTHONPATH would fail loudly), then Q."""
    planted = tmp_path / "planted"
    (planted / "urwid").mkdir(parents=True)
    (planted / "urwid" / "__init__.py").write_text("raise ImportError('planted urwid')\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm",
           "LANG": "C.UTF-8", "PYTHONPATH": str(planted), "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    child = pexpect.spawn(python, [str(pyz), "friend"], env=env, encoding="utf-8",
                          dimensions=(24, 80), timeout=20, cwd=str(tmp_path))
    try:
        child.expect("Step 1 of 7")  # full screen, on the urwid inside the file
        child.send("q")
        child.expect("Cancelled. Nothing was shared.")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 1


@pytest.mark.root
def test_a_session_where_the_friend_runs_the_file(world: support.World, pyz: Path) -> None:
    helper, friend = support.walk_to_session(
        world, world.account(), world.account(world.user()),
        shell_wrapper=(PYTHON, "-I", str(pyz)))
    support.run_in_shared_shell(helper, friend)
    support.friend_ends_session(helper, friend)
