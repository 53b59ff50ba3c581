"""Missing or exhausted resources give one plain sentence, a non-zero exit, nothing left."""

from __future__ import annotations

import shutil

import pytest

from tests import support


@pytest.mark.root
def test_full_disk_for_session_files(world: support.World) -> None:
    """The private directory sits on a full tmpfs: a clear sentence, no traceback."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux's unshare is missing; .ci/run installs it")
    account = world.account()
    full = account.runtime / "full"
    full.mkdir()
    # A private mount namespace, so the host's mounts are never touched.
    script = (f"mount -t tmpfs -o size=4k,mode=0700 none {full} && "
              f"dd if=/dev/zero of={full}/filler bs=1k count=16 2>/dev/null; "
              f"exec {support.sys.executable} -m remote_help \"$@\"")
    program = world.start(account, "helper", "--port", "0", "--bind", "127.0.0.1",
                          shell_wrapper=("unshare", "-m", "sh", "-c", script, "sh"),
                          extra_env={"XDG_RUNTIME_DIR": str(full)})
    program.expect("Could not (prepare this session|make this session's key)")
    assert program.wait_exit() == 1
    assert "Traceback" not in program.output


@pytest.mark.root
def test_no_safe_place_for_files_falls_back(world: support.World) -> None:
    """An unusable XDG_RUNTIME_DIR (another user's) is skipped for a private fallback."""
    account = world.account()
    program = world.start(account, "helper", "--port", "0", "--bind", "127.0.0.1",
                          extra_env={"XDG_RUNTIME_DIR": "/proc"})
    program.expect("Waiting for your friend")
    program.child.sendintr()
    program.expect("Cancelled")
    assert program.wait_exit() == 1
