"""Missing or exhausted resources give one plain sentence, a non-zero exit, nothing left."""

from __future__ import annotations

import pwd
import shutil
import stat
import subprocess
from pathlib import Path

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


@pytest.mark.root
@pytest.mark.parametrize("server", ["helper", "friend"], ids=["helper-sshd", "friend-sshd"])
def test_recovery_console_read_only_root(world: support.World, server: str) -> None:
    """As in recovery mode: the friend is root, / is read-only, only /run (tmpfs) is
    writable. In a private mount namespace, so the host's mounts are never touched."""
    if shutil.which("unshare") is None:
        pytest.fail("util-linux's unshare is missing; .ci/run installs it")
    script = ("mount -t tmpfs -o mode=0755 none /run && mount -o remount,bind,ro / && "
              f"exec {support.sys.executable} -m remote_help \"$@\"")
    helper_args = ("--sshd", "/nonexistent/sshd") if server == "friend" else ()
    helper, friend = support.walk_to_session(
        world, world.account(), world.account(), helper_args=helper_args,
        shell_wrapper=("unshare", "-m", "sh", "-c", script, "sh"))
    support.run_in_shared_shell(helper, friend)
    support.friend_ends_session(helper, friend)
    assert "Traceback" not in friend.output


def test_no_terminal_and_no_input(tmp_path: support.Path) -> None:
    """stdin is /dev/null (a script, a cron job): a plain sentence, never a traceback."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_RUNTIME_DIR": str(tmp_path),
           "XDG_STATE_HOME": str(tmp_path), "PYTHONPATH": str(support.SRC)}
    result = subprocess.run([support.sys.executable, "-m", "remote_help", "friend"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            env=env, timeout=30, check=False)
    assert result.returncode == 1
    # Not a terminal: full screen says so in one line and falls back to questions.
    assert " ".join(result.stdout.split()).startswith(
        "remote-help: full screen is not possible (this is not a terminal), so the questions "
        "come one line at a time.")
    assert "Cancelled. Nothing was shared." in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def _fresh_folders(uid: int) -> list[Path]:
    return sorted(Path("/tmp").glob(f"remote-help-{uid}-*"))


@pytest.mark.root
def test_another_user_cannot_block_the_tmp_fallback(world: support.World) -> None:
    """Without XDG_RUNTIME_DIR the fallback is /tmp/remote-help-UID; another local user
    who makes it first (open to all, to read or swap our files) does not stop a whole
    session: the friend's side uses a fresh folder nobody can guess, only its own, and
    removes it at the end. The other user's folder is refused and left alone."""
    victim = world.account(world.user())
    uid = pwd.getpwnam(victim.name).pw_uid
    predictable = Path(f"/tmp/remote-help-{uid}")
    attacker = world.user()
    subprocess.run(["runuser", "-u", attacker, "--", "mkdir", "-m", "0777", str(predictable)],
                   check=True)
    world.cleanups.append(lambda: shutil.rmtree(predictable, ignore_errors=True))
    before = _fresh_folders(uid)
    helper, friend = support.walk_to_session(
        world, world.account(), victim, extra_env={"XDG_RUNTIME_DIR": ""})
    [fresh] = [p for p in _fresh_folders(uid) if p not in before]
    info = fresh.lstat()
    assert info.st_uid == uid
    assert stat.S_ISDIR(info.st_mode)
    assert info.st_mode & 0o777 == 0o700
    assert len(fresh.name) >= len(f"remote-help-{uid}-") + 8  # mkdtemp's random part
    assert [p.name[:8] for p in fresh.iterdir()] == ["session-"]
    support.run_in_shared_shell(helper, friend)
    support.friend_ends_session(helper, friend)
    assert "Traceback" not in friend.output
    assert not fresh.exists()  # nothing left behind
    assert [p for p in _fresh_folders(uid) if p not in before] == []
    taken = predictable.lstat()  # the other user's folder: refused, not touched
    assert taken.st_uid == pwd.getpwnam(attacker).pw_uid
    assert list(predictable.iterdir()) == []


@pytest.mark.root
def test_one_fresh_folder_per_run_and_none_left(world: support.World) -> None:
    """Asked again and again (session files, the state fallback), a run uses one fresh
    folder, and leaves none; a fresh folder a killed run left is swept once it is old."""
    victim = world.user()
    uid = pwd.getpwnam(victim).pw_uid
    predictable = Path(f"/tmp/remote-help-{uid}")
    attacker = world.user()
    subprocess.run(["runuser", "-u", attacker, "--", "mkdir", "-m", "0755", str(predictable)],
                   check=True)
    world.cleanups.append(lambda: shutil.rmtree(predictable, ignore_errors=True))
    before = _fresh_folders(uid)
    code = (
        "import os, time\n"
        "from remote_help import paths\n"
        "first = paths.runtime_base()\n"
        "assert paths.runtime_base() == first, 'a second folder'\n"
        "session = paths.make_session_dir()\n"
        "assert session.parent == first\n"
        "assert paths.state_dir() is not None\n"
        "paths.remove_session_dir(session)\n"
        "assert not first.exists(), 'left behind'\n"
        "paths.release()\n"
        "left = paths.runtime_base()\n"  # a killed run: its folder stays, aged
        "os.utime(left, (time.time() - 120, time.time() - 120))\n"
        "print(left)\n"
    )
    env = {"PYTHONPATH": str(support.program_source()), "HOME": f"/home/{victim}",
           "PATH": "/usr/bin:/bin"}
    run = ["runuser", "-u", victim, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()),
           support.SYSTEM_PYTHON, "-c"]
    killed = subprocess.run([*run, code], capture_output=True, text=True, check=True)
    left = Path(killed.stdout.strip())
    assert left.exists()
    assert left.name.startswith(f"remote-help-{uid}-")
    sweep = "from remote_help import paths\nprint(paths.runtime_base())\npaths.release()\n"
    subprocess.run([*run, sweep], capture_output=True, text=True, check=True)
    assert not left.exists()
    assert [p for p in _fresh_folders(uid) if p not in before] == []
    assert predictable.lstat().st_uid == pwd.getpwnam(attacker).pw_uid
