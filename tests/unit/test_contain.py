"""Which container the friend's shell gets: the choice, and reading where cgroups live."""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from remote_help.plain.frontend import PlainFrontEnd
from remote_help.session import contain
from remote_help.session.contain import CGROUP, SCOPE, USER_SCOPE, WALK, Facts, Plan
from remote_help.ui.screens.verify import details_lines
from remote_help.wizard.status import Details

# A root shell on a machine like the ones the tests run on: no systemd as PID 1, cgroup v2
# mounted beside the v1 controllers (hybrid), our cgroup its top.
HERE = Facts(euid=0, systemd_booted=False, user_manager=False,
             systemd_run="/usr/bin/systemd-run", cgroup2=Path("/sys/fs/cgroup/unified"),
             own_cgroup="/", can_write_own=True)
NOTHING = Facts(euid=1000, systemd_booted=False, user_manager=False, systemd_run=None,
                cgroup2=None, own_cgroup=None, can_write_own=False)

HYBRID = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
UNIFIED = """\
22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 \
rw,nsdelegate,memory_recursiveprot
"""


# -- the choice ------------------------------------------------------------------------

def test_without_systemd_root_uses_a_cgroup_folder_of_its_own() -> None:
    assert contain.choose(HERE) == Plan(CGROUP, Path("/sys/fs/cgroup/unified"))


def test_root_under_systemd_uses_a_scope() -> None:
    assert contain.choose(replace(HERE, systemd_booted=True)) == Plan(SCOPE)


def test_systemd_run_alone_is_not_systemd() -> None:
    """systemd-run installed on a machine whose PID 1 is something else cannot make scopes."""
    assert contain.choose(replace(HERE, systemd_booted=False)).method == CGROUP


def test_a_user_with_a_running_user_manager_uses_a_user_scope() -> None:
    facts = replace(HERE, euid=1000, systemd_booted=True, user_manager=True)
    assert contain.choose(facts) == Plan(USER_SCOPE)


def test_a_user_without_a_user_manager_uses_a_delegated_cgroup() -> None:
    facts = replace(HERE, euid=1000, systemd_booted=True, user_manager=False,
                    own_cgroup="/rh-test/friend")
    assert contain.choose(facts) == Plan(CGROUP, Path("/sys/fs/cgroup/unified/rh-test/friend"))


def test_a_user_whose_cgroup_is_not_delegated_walks_the_tree() -> None:
    facts = replace(HERE, euid=1000, own_cgroup="/user.slice", can_write_own=False)
    assert contain.choose(facts) == Plan(WALK)


def test_without_cgroup_v2_or_systemd_the_tree_is_walked() -> None:
    assert contain.choose(NOTHING) == Plan(WALK)
    assert contain.choose(replace(HERE, cgroup2=None)) == Plan(WALK)
    assert contain.choose(replace(HERE, own_cgroup=None)) == Plan(WALK)


def test_without_systemd_run_no_scope_is_tried() -> None:
    facts = replace(HERE, systemd_booted=True, systemd_run=None)
    assert contain.choose(facts).method == CGROUP


@pytest.mark.parametrize("method", [SCOPE, USER_SCOPE, CGROUP, WALK])
def test_every_method_is_said_in_plain_words(method: str) -> None:
    text = Plan(method).description
    assert text.startswith(("Everything your helper starts", "Programs your helper starts"))
    for word in ("socket", "SSH", "port", "fingerprint", "daemon"):
        assert word not in text.split("(")[0]


def test_only_the_walk_admits_it_may_miss_something() -> None:
    assert "kept together" not in Plan(WALK).description
    assert all("kept together" in Plan(m).description for m in (SCOPE, USER_SCOPE, CGROUP))


# -- reading the system ---------------------------------------------------------------

def test_the_cgroup2_mount_is_found_among_v1_controllers() -> None:
    assert contain.cgroup2_mount(HYBRID) == (Path("/sys/fs/cgroup/unified"), "/")


def test_the_cgroup2_mount_of_a_unified_system() -> None:
    assert contain.cgroup2_mount(UNIFIED) == (Path("/sys/fs/cgroup"), "/")


def test_no_cgroup2_mount() -> None:
    assert contain.cgroup2_mount(HYBRID.replace("cgroup2", "tmpfs")) is None


def test_an_escaped_mount_point() -> None:
    line = "41 31 0:38 / /sys/fs/my\\040cgroups rw - cgroup2 cgroup2 rw\n"
    assert contain.cgroup2_mount(line) == (Path("/sys/fs/my cgroups"), "/")


def test_our_cgroup_is_the_v2_line() -> None:
    text = "9:name=systemd:/\n4:memory:/process_api/9ecf\n0::/user.slice/session-2.scope\n"
    assert contain.own_cgroup("/", text) == "/user.slice/session-2.scope"


def test_our_cgroup_relative_to_a_mount_of_a_sub_tree() -> None:
    assert contain.own_cgroup("/outer", "0::/outer/inner\n") == "/inner"
    assert contain.own_cgroup("/outer", "0::/outer\n") == "/"


def test_a_zombie_in_a_removed_cgroup_still_names_it() -> None:
    assert contain.own_cgroup("/", "0::/remote-help-7-abc (deleted)\n") == "/remote-help-7-abc"


def test_no_v2_line_means_no_cgroup() -> None:
    assert contain.own_cgroup("/", "4:memory:/\n") is None


def test_the_facts_of_this_machine_are_readable() -> None:
    facts = contain.facts()
    assert facts.euid >= 0
    assert contain.choose(facts).method in (SCOPE, USER_SCOPE, CGROUP, WALK)


# -- the command line ------------------------------------------------------------------

def test_a_scope_wraps_the_shell_and_the_others_do_not() -> None:
    shell = ["/bin/bash", "-i"]
    assert contain.Containment(Plan(WALK)).command(shell) == shell
    assert contain.Containment(Plan(CGROUP, Path("/x"))).command(shell) == shell
    scoped = contain.Containment(Plan(SCOPE)).command(shell)
    assert scoped[-3:] == ["--", *shell]
    assert "--scope" in scoped and "--user" not in scoped
    assert "--user" in contain.Containment(Plan(USER_SCOPE)).command(shell)


def test_a_folder_that_cannot_be_made_falls_back_to_the_walk(tmp_path: Path) -> None:
    """Not a cgroup file system: making the folder works, cgroup.procs is missing."""
    containment = contain.Containment(Plan(CGROUP, tmp_path))
    asyncio.run(containment.prepare())
    assert containment.method == WALK
    assert containment.path is None
    assert list(tmp_path.iterdir()) == []


# -- where people read it ----------------------------------------------------------------

def test_the_friends_details_view_says_how_help_is_ended() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBrUyA7K6u1wuQ8l4uZ6NQe5n3f3mFq5C3qY0gmP9YbH"
    said = Plan(CGROUP, Path("/x")).description
    rows = [r for r in details_lines(Details(key, key, "bob", "192.0.2.7", said))
            if isinstance(r, str)]
    assert "When help ends:" in rows and f"  {said}" in rows
    assert "When help ends:" not in details_lines(Details(key, key, "bob", "192.0.2.7"))


def test_line_mode_details_say_how_help_is_ended(capsys: pytest.CaptureFixture[str]) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBrUyA7K6u1wuQ8l4uZ6NQe5n3f3mFq5C3qY0gmP9YbH"
    said = Plan(WALK).description
    PlainFrontEnd()._details(Details(key, key, "bob", "192.0.2.7", said))
    # Broken between words at the width (80 when not a terminal).
    assert f"When help ends: {said}" in " ".join(capsys.readouterr().out.split())


def test_units_handed_to_systemd_during_the_session_are_found() -> None:
    shown = ("Id=run-u12.service\nTransient=yes\nInactiveExitTimestampMonotonic=5000000\n\n"
             "Id=cups.service\nTransient=no\nInactiveExitTimestampMonotonic=6000000\n\n"
             "Id=run-u3.service\nTransient=yes\nInactiveExitTimestampMonotonic=1000000\n\n"
             "Id=run-u4.timer\nTransient=yes\nInactiveExitTimestampMonotonic=0\n\n"
             "Id=dbus-:1.2-org.freedesktop.portal.Desktop@0.service\nTransient=yes\n"
             "InactiveExitTimestampMonotonic=7000000\n\n"
             "Id=systemd-coredump@0-1-0.service\nTransient=yes\n"
             "InactiveExitTimestampMonotonic=7000000\n")
    # Only systemd-run's own names: the desktop's and the system's units are none of ours.
    assert contain.transient_since(shown, since=2.0) == ["run-u12.service"]
    assert contain.transient_since("", since=2.0) == []


@pytest.mark.skipif(shutil.which("systemd-run") is None or Path("/run/systemd/system").exists(),
                    reason="needs systemd-run on a machine whose PID 1 is not systemd")
def test_a_scope_systemd_cannot_make_falls_back_to_the_next_method() -> None:
    """systemd-run is installed, but no manager answers: no scope, and no failed shell."""
    containment = contain.Containment(Plan(SCOPE))
    asyncio.run(containment.prepare())
    try:
        assert containment.method in (CGROUP, WALK)
    finally:
        containment.abandon()
    assert containment.path is None
