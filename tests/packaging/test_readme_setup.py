"""README's first two commands: the set-up line and the test command. Both work as root
without sudo (common on Debian: no sudo installed), and README says so.

The set-up line really runs, as root, in a copy of the tree (what git tracks), with
/usr/bin/sudo replaced in a private mount namespace by a program that records any call
and fails as a missing sudo would; only remote-help's last step gets --version, so that
it does not wait for questions to be answered."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.packaging.fakes import DEBIAN

ROOT = DEBIAN.parent
README = ROOT / "README.md"
AS_NEEDED = '$([ "$(id -u)" = 0 ] || echo sudo)'


def commands() -> list[str]:
    """The commands of README's ```sh blocks, in order."""
    return [line for block in re.findall(r"^```sh\n(.*?)^```", README.read_text(), re.M | re.S)
            for line in block.splitlines() if line and not line.startswith("#")]


def test_the_first_two_commands_are_the_set_up_and_the_tests() -> None:
    setup, tests = commands()[:2]
    assert setup.startswith(AS_NEEDED + " apt-get install -y ")
    assert setup.endswith(" && .venv/bin/remote-help")
    assert tests == AS_NEEDED + " .ci/run"


def test_readme_says_the_line_works_as_root_without_sudo() -> None:
    text = " ".join(README.read_text().split())
    assert "The line works as root too, on a Debian machine without `sudo` for example: " \
        "it uses `sudo` only when you are not root." in text
    assert "`openssh-server` is needed on one of the two computers" in text


@pytest.mark.parametrize(("user", "expected"), [("root", ""), ("nobody", "sudo")])
def test_sudo_is_used_only_by_someone_who_is_not_root(user: str, expected: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to run as another user")
    prefix = AS_NEEDED[2:-1]  # the command inside $( )
    result = subprocess.run(["runuser", "-u", user, "--", "sh", "-c", prefix],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.stdout.strip() == expected


@pytest.mark.root
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_the_set_up_line_works_as_root_without_sudo(tmp_path: Path) -> None:
    tree, log = tmp_path / "tree", tmp_path / "sudo-calls"
    copied = subprocess.run([str(DEBIAN / "build-and-check"), "--copy-only", str(tree)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert copied.returncode == 0, copied.stderr
    no_sudo = tmp_path / "no-sudo"
    no_sudo.write_text(f'#!/bin/sh\necho "$@" >>"{log}"\n'
                       'echo "sh: 1: sudo: not found" >&2\nexit 127\n')
    no_sudo.chmod(0o755)
    setup = commands()[0] + " --version"
    hide = (f'if [ -e /usr/bin/sudo ]; then mount --bind "{no_sudo}" /usr/bin/sudo || exit; fi\n'
            'exec sh -c "$1"')
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", hide, "sh", setup],
        cwd=tree, env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "HOME": str(tmp_path), "LANG": "C.UTF-8",
                       "DEBIAN_FRONTEND": "noninteractive"},
        capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert not log.exists(), f"sudo was called: {log.read_text()}"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert result.stdout.strip().splitlines()[-1] == f"remote-help {version}"
    assert (tree / ".venv" / "bin" / "remote-help").exists()
