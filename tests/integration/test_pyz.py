"""The one downloadable file: remote-help.pyz runs with nothing but python3, uses only what
it carries, and takes part in a real session."""

from __future__ import annotations

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


def test_uses_its_own_urwid_not_the_machines(pyz: Path, tmp_path: Path) -> None:
    planted = tmp_path / "planted"
    (planted / "urwid").mkdir(parents=True)
    (planted / "urwid" / "__init__.py").write_text("raise ImportError('planted urwid')\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TERM": "xterm",
           "LANG": "C.UTF-8", "PYTHONPATH": str(planted), "XDG_CONFIG_HOME": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path)}
    child = pexpect.spawn(PYTHON, [str(pyz), "friend"], env=env, encoding="utf-8",
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
