"""The installed Debian package: its own program, on Debian's python3 and python3-urwid."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests import support

INSTALLED = os.environ.get("REMOTE_HELP_INSTALLED", "")
pytestmark = pytest.mark.skipif(
    not INSTALLED, reason="the package is not installed here (.ci/run installs it)")


def test_version() -> None:
    result = subprocess.run([INSTALLED, "--version"], capture_output=True, text=True,
                            check=False, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "remote-help 0.1.0"


def test_the_installed_program_is_the_packaged_one() -> None:
    result = subprocess.run(["/usr/bin/python3", "-c",
                             "import remote_help, urwid; print(remote_help.__file__); "
                             "print(urwid.__file__)"],
                            capture_output=True, text=True, check=True, timeout=30,
                            env={"PATH": "/usr/bin:/bin"}, cwd="/")
    package, urwid = result.stdout.split()
    assert package.startswith("/usr/lib/python3/dist-packages/remote_help/")
    assert urwid.startswith("/usr/lib/python3/dist-packages/urwid/")


@pytest.mark.root
def test_a_plain_session_with_the_installed_program(world: support.World) -> None:
    # Both people run /usr/bin/remote-help itself, not the source tree.
    helper, friend = support.walk_to_session(
        world, world.account(), world.account(world.user()), shell_wrapper=(INSTALLED,),
        helper_wrapper=(INSTALLED,), extra_env={"PYTHONPATH": ""})
    support.run_in_shared_shell(helper, friend)
    support.friend_ends_session(helper, friend)
