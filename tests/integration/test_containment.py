"""Nothing the helper starts survives Ctrl+Alt+C, and the end is fast whatever runs.

The helper types into the real shared shell of a real session (line mode, real ssh/sshd):
fork chains, detached programs, root programs started with sudo by a non-root friend,
floods of processes and of output, a thousand zombies. After Ctrl+Alt+C none of them may
be left, and "Help has ended" must be on the friend's screen within a second.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pwd
import secrets
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from remote_help.session import contain
from tests import support

END_KEY = "\x1b\x03"  # Ctrl+Alt+C
ENDED = "Help has ended: you ended it"
END_BUDGET = 1.0  # seconds from the key to the words on the friend's screen
MOUNT = contain.cgroup2_mount()
needs_cgroup2 = pytest.mark.skipif(MOUNT is None, reason="no cgroup v2 mounted")


# -- what a person would check with ps ------------------------------------------------------

def _stat(pid: str) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def survivors(marker: str) -> list[str]:
    """Live processes whose command line carries ``marker`` (zombies carry none)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if marker in cmd:
                found.append(f"{pid}: {cmd}")
    return found


def zombie_children(pid: int) -> set[int]:
    """Children of ``pid`` that died and were not reaped."""
    zombies = set()
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError):
                for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split():
                    stat = _stat(child)
                    if stat is not None and stat[0] == "Z":
                        zombies.add(int(child))
    return zombies


def wait_for(check: object, what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.05)


def quiet(*programs: support.Program) -> None:
    """Floods are not worth keeping in the test's log."""
    for program in programs:
        program.child.logfile_read = None
        program.child.maxread = 65536


def end_and_time(helper: support.Program, friend: support.Program) -> float:
    """The friend presses Ctrl+Alt+C; seconds until "Help has ended" is on their screen."""
    friend.send(END_KEY)
    pressed = time.monotonic()
    friend.child.expect_exact(ENDED, timeout=30, searchwindowsize=4096)
    took = time.monotonic() - pressed
    helper.child.expect_exact("Your friend ended the session", timeout=30,
                              searchwindowsize=4096)
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0
    return took


def logged(account: support.Account) -> dict[str, str]:
    """A diagnostic log in the friend's private directory, which both programs write
    (``walk_to_session`` gives both the same environment); the friend's lines are ours."""
    log = account.runtime / "friend.log"
    log.touch()
    log.chmod(0o666)
    os.chown(log, account.runtime.stat().st_uid, account.runtime.stat().st_gid)
    return {"REMOTE_HELP_LOG": str(log)}


def containment_line(account: support.Account) -> str:
    """What the friend's log says about the containment in force."""
    text = (account.runtime / "friend.log").read_text()
    lines = [line for line in text.splitlines() if "containment:" in line]
    assert lines, text[-2000:]
    return "\n".join(lines)


# -- a delegated cgroup v2 subtree, as systemd gives a user, made by hand ----------------------

@contextlib.contextmanager
def delegated_cgroup(user: str) -> Iterator[Path]:
    """A cgroup owned by ``user``; whatever is still in it afterwards fails the test."""
    assert MOUNT is not None
    folder = MOUNT[0] / f"rh-test-{secrets.token_hex(3)}"
    folder.mkdir()
    info = pwd.getpwnam(user)
    for path in (folder, *(folder / name for name in
                           ("cgroup.procs", "cgroup.subtree_control", "cgroup.threads"))):
        os.chown(path, info.pw_uid, info.pw_gid)
    failed = False
    try:
        yield folder
    except BaseException:
        failed = True
        raise
    finally:
        left = contain.populated(folder)
        if left:
            (folder / "cgroup.kill").write_text("1")
            wait_for(lambda: not contain.populated(folder), "the test's cgroup emptied", 5)
        for path in sorted((p for p in folder.rglob("*") if p.is_dir()),
                           key=lambda p: len(p.parts), reverse=True):
            path.rmdir()
        folder.rmdir()
        assert failed or not left, "processes were left in the friend's cgroup"


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Run this test process in ``folder`` meanwhile, so the programs it starts begin there
    (as a login's programs begin in the cgroup systemd delegated to the user)."""
    assert MOUNT is not None
    home = contain.own_cgroup(MOUNT[1]) or "/"
    (folder / "cgroup.procs").write_text(str(os.getpid()))
    try:
        yield
    finally:
        (MOUNT[0] / home.lstrip("/") / "cgroup.procs").write_text(str(os.getpid()))


@contextlib.contextmanager
def sudo_for(user: str, password: str) -> Iterator[None]:
    """``user`` may run anything as root after typing their password."""
    rule = Path(f"/etc/sudoers.d/rh-test-{user}")
    subprocess.run(["chpasswd"], input=f"{user}:{password}\n", text=True, check=True)
    rule.write_text(f"{user} ALL=(ALL:ALL) ALL\n")
    rule.chmod(0o440)
    try:
        yield
    finally:
        rule.unlink()
        with contextlib.suppress(FileNotFoundError):
            Path(f"/run/sudo/ts/{user}").unlink()


# -- the tests --------------------------------------------------------------------------------

@pytest.mark.timed
@pytest.mark.root
@needs_cgroup2
def test_nothing_survives_fork_chains_setsid_nohup_and_double_forks(
        world: support.World) -> None:
    friend_account = world.account()
    helper, friend = support.walk_to_session(world, world.account(), friend_account,
                                             extra_env=logged(friend_account))
    support.run_in_shared_shell(helper, friend)
    assert MOUNT is not None
    top = MOUNT[0] / "cgroup.procs"  # root may leave the session's cgroup: still ended
    helper.send("nohup sleep 990001 >/dev/null 2>&1 & setsid sleep 990002 & "
                "(setsid sh -c 'sleep 990003' &) ; "
                "(sh -c 'c() { sleep 0.01; (c &) ; }; c # chain-990004' &) ; "
                "(sh -c 'while :; do sleep 0.02; sh -c \"exec sleep 990005\" & done' "
                ">/dev/null 2>&1 &) ; "
                f"(setsid sh -c 'echo $$ > {top}; exec sleep 990006' &) ; "
                "echo started-$((1+1))\r")
    friend.expect("started-2")
    wait_for(lambda: all(survivors(m) for m in
                         ("sleep 990001", "sleep 990002", "sleep 990003", "chain-990004",
                          "sleep 990005", "sleep 990006")), "every program runs")
    took = end_and_time(helper, friend)
    assert survivors("99000") == []
    assert took <= END_BUDGET, f"ending took {took:.2f} s"
    assert "containment: cgroup at /" in containment_line(friend_account)


FLOODS = {
    # Processes made as fast as the shell can: loops of short-lived children and a chain
    # whose every link is an orphan. Bounded in number, so the machine never runs out.
    "fork flood": ("for i in 1 2 3 4 5 6; do sh -c 'while :; do sleep 0 & sleep 0 & wait; "
                   "done # flood-990031' & done; "
                   "(sh -c 'c() { (c &) ; }; c # chain-990032' &); echo started-$((1+1))\r",
                   "990031"),
    "yes flood": ("yes flood-990041\r", "990041"),
    # A parent that never collects its dead children: a thousand zombies.
    "1000 zombies": ("sh -c 'for i in $(seq 1000); do true & done; exec sleep 990051' & "
                     "echo started-$((1+1))\r", "990051"),
}


def _uid(line: str) -> int | None:
    """The owner of a process ``survivors`` found, if it still runs."""
    try:
        return os.stat(f"/proc/{line.split(':', maxsplit=1)[0]}").st_uid
    except OSError:
        return None


def _zombies_of(marker: str) -> int:
    for line in survivors(marker):
        return len(zombie_children(int(line.split(":")[0])))
    return 0


@pytest.mark.timed
@pytest.mark.root
@needs_cgroup2
@pytest.mark.parametrize("flood", list(FLOODS))
def test_ctrl_alt_c_ends_help_within_a_second(world: support.World, flood: str) -> None:
    friend_account = world.account()
    helper, friend = support.walk_to_session(world, world.account(), friend_account,
                                             extra_env=logged(friend_account))
    support.run_in_shared_shell(helper, friend)
    command, marker = FLOODS[flood]
    quiet(helper, friend)
    helper.send(command)
    if flood == "yes flood":
        friend.child.expect_exact(f"flood-{marker}\r\nflood-{marker}", searchwindowsize=200)
    else:
        friend.child.expect_exact("started-2", searchwindowsize=4096)
    if flood == "1000 zombies":
        wait_for(lambda: _zombies_of(marker) >= 1000, "1000 zombies")
    time.sleep(1)  # let it run
    took = end_and_time(helper, friend)
    assert survivors(marker) == []
    assert took <= END_BUDGET, f"ending during a {flood} took {took:.2f} s"


@pytest.mark.root
@needs_cgroup2
def test_no_zombie_stays_during_a_minute_of_a_thousand_orphans(world: support.World) -> None:
    """A thousand short-lived programs orphaned to the friend's program over a minute:
    each is collected as soon as it dies, none stays a zombie."""
    friend_account = world.account()
    helper, friend = support.walk_to_session(world, world.account(), friend_account,
                                             extra_env=logged(friend_account))
    support.run_in_shared_shell(helper, friend)
    program = friend.child.pid  # started directly (the friend is this test's own user)
    helper.send("for i in $(seq 1000); do (sleep 0.01 &); sleep 0.04; done; "
                "echo orphans-$((500+500))\r")
    seen: dict[int, int] = {}  # zombie -> how many looks in a row found it
    at_once = in_a_row = 0
    deadline = time.monotonic() + 100
    while "orphans-1000" not in friend.output[-200:]:
        assert time.monotonic() < deadline, "the thousand orphans never finished"
        zombies = zombie_children(program)
        seen = {pid: seen.get(pid, 0) + 1 for pid in zombies}
        at_once = max(at_once, len(zombies))
        in_a_row = max([in_a_row, *seen.values()])
        with contextlib.suppress(Exception):
            friend.child.expect_exact("orphans-1000", timeout=0.1)
            break
    # A look can catch one in the instant between its death and its collection (and a
    # busy machine may delay that by a look); a pile-up shows as many at once, or as one
    # that stays for several looks, 0.1 s apart. Before: 999 at once.
    assert at_once <= 2, f"{at_once} zombies at once"
    assert in_a_row <= 2, f"a zombie stayed for {in_a_row} looks in a row"
    wait_for(lambda: not zombie_children(program), "no zombie left", 0.5)
    end_and_time(helper, friend)
    reaped = [line for line in (friend_account.runtime / "friend.log").read_text().splitlines()
              if "orphans reaped during the session" in line]
    assert reaped and int(reaped[-1].split("; ")[-1].split()[0]) >= 1000, reaped


@pytest.mark.timed
@pytest.mark.root
@needs_cgroup2
def test_root_programs_started_with_sudo_by_a_non_root_friend_are_ended(
        world: support.World) -> None:
    """The friend is a normal user with sudo, in a cgroup delegated to them: the helper
    unlocks sudo (the friend types the password) and starts root programs in the
    background. They end with the session, and sudo is locked again."""
    user = world.user()
    password = secrets.token_hex(8)
    friend_account = world.account(user)
    helper_account = world.account()
    with sudo_for(user, password), delegated_cgroup(user) as folder:
        with inside(folder):
            helper, friend = support.walk_to_session(world, helper_account, friend_account,
                                                     extra_env=logged(friend_account))
        support.run_in_shared_shell(helper, friend)
        helper.send("sudo -v\r")
        friend.expect("password for")
        friend.send(password + "\r")
        helper.send("sudo sleep 990061 & sudo -b sleep 990062; "
                    "sudo setsid nohup sleep 990063 >/dev/null 2>&1 & "
                    "echo started-$((1+1))\r")
        friend.expect("started-2")
        wait_for(lambda: all(survivors(f"sleep {n}") for n in (990061, 990062, 990063)),
                 "the root programs run")
        as_root = [line for line in survivors("sleep 99006") if _uid(line) == 0]
        assert len(as_root) >= 3, as_root
        assert Path(f"/run/sudo/ts/{user}").exists()  # sudo remembers the password
        took = end_and_time(helper, friend)
        assert survivors("99006") == []
        assert took <= END_BUDGET, f"ending took {took:.2f} s"
        assert not Path(f"/run/sudo/ts/{user}").exists(), "sudo still remembers"
        line = containment_line(friend_account)
        assert f"containment: cgroup at {folder}/remote-help-" in line
        assert [p.name for p in folder.iterdir() if p.is_dir()] == []  # removed at the end


@pytest.mark.timed
@pytest.mark.root
def test_without_a_cgroup_the_tree_walk_ends_detached_programs_and_reaps(
        world: support.World) -> None:
    """A non-root friend whose cgroup is not theirs: the last resort, said in the log."""
    user = world.user()
    friend_account = world.account(user)
    helper, friend = support.walk_to_session(world, world.account(), friend_account,
                                             extra_env=logged(friend_account))
    support.run_in_shared_shell(helper, friend)
    helper.send("nohup sleep 990091 >/dev/null 2>&1 & setsid sleep 990092 & "
                "(setsid sh -c 'sleep 990093' &) ; "
                "for i in $(seq 100); do (sleep 0.01 &); done; sleep 0.5; "
                "echo started-$((1+1))\r")
    friend.expect("started-2")
    wait_for(lambda: all(survivors(f"sleep {n}") for n in (990091, 990092, 990093)),
             "every program runs")
    program = next(int(p) for p in os.listdir("/proc") if p.isdigit()
                   and _stat(p) is not None and _uid(f"{p}:") == pwd.getpwnam(user).pw_uid
                   and "remote_help friend" in _cmdline(p))
    wait_for(lambda: not zombie_children(program), "the orphans reaped", 2)
    took = end_and_time(helper, friend)
    assert survivors("99009") == []
    assert took <= END_BUDGET, f"ending took {took:.2f} s"
    assert "containment: walk" in containment_line(friend_account)


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.root
@needs_cgroup2
def test_what_a_killed_program_left_is_ended_when_it_next_starts(
        world: support.World) -> None:
    """SIGKILL leaves the friend's program no time to end anything: its cgroup keeps the
    helper's programs together until remote-help next starts a session, which ends them."""
    assert MOUNT is not None
    friend_account = world.account()  # the same person both times, as in life
    helper, friend = support.walk_to_session(world, world.account(), friend_account)
    support.run_in_shared_shell(helper, friend)
    helper.send("setsid sleep 990101 & echo started-$((1+1))\r")
    friend.expect("started-2")
    wait_for(lambda: survivors("sleep 990101"), "the program runs")
    folders = list(MOUNT[0].glob(f"remote-help-{friend.child.pid}-*"))
    assert len(folders) == 1
    friend.child.kill(9)
    helper.expect("Your friend's computer|connection|lost|ended", timeout=30)
    helper.wait_exit()
    friend.wait_exit()
    assert survivors("sleep 990101")  # the limit: nothing was there to end it
    helper, friend = support.walk_to_session(world, world.account(), friend_account)
    support.run_in_shared_shell(helper, friend)  # the shell runs: its folder was made
    assert survivors("sleep 990101") == []
    assert not folders[0].exists()
    support.friend_ends_session(helper, friend)


# -- a systemd user manager, on a machine whose PID 1 is not systemd ----------------------------
#
# systemd refuses to run as a user manager unless /run/systemd/system exists. In a private
# mount namespace of this test (nothing propagates out), a tmpfs on /run/systemd with that
# folder makes it run; the user's manager then lives in cgroups delegated to the user, as
# systemd's own user@.service would have it, and the friend's program starts beside it.

CLONE_NEWNS = 0x00020000
SYSTEMD = Path("/lib/systemd/systemd")


def _v1_named_systemd() -> Path | None:
    """The name=systemd hierarchy of a hybrid system (systemd also keeps its units there)."""
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        if " - cgroup " in line and "name=systemd" in line.split(" - ")[1]:
            return Path(line.split()[4])
    return None


@contextlib.contextmanager
def private_systemd_dir() -> Iterator[None]:
    """This test process (and what it starts) sees a /run/systemd/system; no one else."""
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/self/ns/mnt", os.O_RDONLY)
    try:
        assert libc.unshare(CLONE_NEWNS) == 0, os.strerror(ctypes.get_errno())
        try:
            subprocess.run(["mount", "--make-rprivate", "/"], check=True)
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=755", "rh-test",
                            "/run/systemd"], check=True)
            Path("/run/systemd/system").mkdir()
            yield
        finally:
            assert libc.setns(home, CLONE_NEWNS) == 0, os.strerror(ctypes.get_errno())
    finally:
        os.close(home)


@contextlib.contextmanager
def delegated_v1(user: str, name: str) -> Iterator[Path | None]:
    """The same delegation in the name=systemd hierarchy, where there is one."""
    top = _v1_named_systemd()
    if top is None:
        yield None
        return
    folder = top / name
    folder.mkdir()
    info = pwd.getpwnam(user)
    for path in (folder, *folder.iterdir()):
        os.chown(path, info.pw_uid, info.pw_gid)
    try:
        yield folder
    finally:
        for _ in range(100):
            pids = [int(p) for tasks in folder.rglob("cgroup.procs")
                    for p in tasks.read_text().split()]
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)
            if not pids:
                break
            time.sleep(0.05)
        for path in sorted((p for p in folder.rglob("*") if p.is_dir()),
                           key=lambda p: len(p.parts), reverse=True):
            path.rmdir()
        folder.rmdir()


@contextlib.contextmanager
def inside_all(*folders: Path | None) -> Iterator[None]:
    """``inside`` for every hierarchy at once."""
    homes = []
    for folder in folders:
        if folder is None:
            continue
        mount = folder.parent
        own = next(line.split(":", 2)[2] for line in Path("/proc/self/cgroup").read_text()
                   .splitlines() if _hierarchy_of(line, mount))
        homes.append(mount / own.lstrip("/") / "cgroup.procs")
        (folder / "cgroup.procs").write_text(str(os.getpid()))
    try:
        yield
    finally:
        for procs in homes:
            procs.write_text(str(os.getpid()))


def _hierarchy_of(line: str, mount: Path) -> bool:
    """Whether a /proc/self/cgroup line is the hierarchy mounted at ``mount``."""
    if MOUNT is not None and mount == MOUNT[0]:
        return line.startswith("0::")
    return ":name=systemd:" in line


@contextlib.contextmanager
def user_manager(account: support.Account) -> Iterator[None]:
    """The friend's own systemd user manager, answering in their runtime directory."""
    env = [f"{k}={v}" for k, v in account.env().items()]
    manager = subprocess.Popen(
        ["runuser", "-u", account.name, "--", "env", "-i", *env, str(SYSTEMD), "--user"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for((account.runtime / "systemd" / "private").exists,
                 "the user manager answers")
        yield
    finally:
        manager.terminate()
        try:
            manager.wait(10)
        except subprocess.TimeoutExpired:
            manager.kill()
            manager.wait()


def user_systemctl(account: support.Account, *args: str) -> str:
    env = [f"{k}={v}" for k, v in account.env().items()]
    return subprocess.run(
        ["runuser", "-u", account.name, "--", "env", "-i", *env,
         "systemctl", "--user", "--no-pager", *args],
        capture_output=True, text=True, check=False).stdout


@pytest.mark.root
@needs_cgroup2
@pytest.mark.skipif(not SYSTEMD.exists() or not Path("/run/systemd").is_dir(),
                    reason="systemd is not installed")
@pytest.mark.timed
def test_a_user_scope_and_what_was_handed_to_the_user_manager_end(
        world: support.World) -> None:
    """Where the friend's systemd user manager runs, the shell lives in a scope of its own;
    programs the helper handed to that manager (`systemd-run --user`, with or without
    --scope, a timer for later) end with the session too."""
    user = world.user()
    friend_account = world.account(user)
    helper_account = world.account()
    with (private_systemd_dir(), delegated_cgroup(user) as folder,
          delegated_v1(user, folder.name) as v1, inside_all(folder, v1),
          user_manager(friend_account)):
        helper, friend = support.walk_to_session(world, helper_account, friend_account,
                                                 extra_env=logged(friend_account))
        support.run_in_shared_shell(helper, friend)
        helper.send("systemd-run --user --quiet sleep 990111; "
                    "(systemd-run --user --scope --quiet sleep 990112 &); "
                    "systemd-run --user --quiet --on-active=300 sleep 990113; "
                    "echo started-$((1+1))\r")
        friend.expect("started-2")
        wait_for(lambda: survivors("sleep 990111") and survivors("sleep 990112"),
                 "the programs run")
        assert "990113" in user_systemctl(friend_account, "list-units", "--all")
        took = end_and_time(helper, friend)
        assert survivors("99011") == []
        assert "990113" not in user_systemctl(friend_account, "list-units", "--all")
        assert took <= END_BUDGET, f"ending took {took:.2f} s"
        line = containment_line(friend_account)
        assert f"containment: user-scope at {folder}/" in line, line


@pytest.mark.root
@needs_cgroup2
def test_without_cgroup_kill_a_frozen_cgroup_is_killed_member_by_member(
        world: support.World) -> None:
    """Kernels before 5.14 have no cgroup.kill: freeze (nothing forks meanwhile), kill
    each member, thaw. Tried on a real cgroup with a forking program in it."""
    assert MOUNT is not None
    folder = MOUNT[0] / f"rh-test-{secrets.token_hex(3)}"
    folder.mkdir()
    try:
        program = subprocess.Popen(
            ["sh", "-c", f"echo $$ > {folder}/cgroup.procs; "
             "while :; do sleep 990121 & sleep 0.01; done"], start_new_session=True)
        wait_for(lambda: len(survivors("sleep 990121")) > 5, "the program forks")
        assert contain._freeze_and_kill(folder)
        program.wait(5)
        wait_for(lambda: not contain.populated(folder), "the cgroup emptied", 2)
        assert survivors("sleep 990121") == []
    finally:
        with contextlib.suppress(OSError):
            (folder / "cgroup.kill").write_text("1")
        wait_for(lambda: not contain.populated(folder), "the cgroup emptied", 2)
        folder.rmdir()
