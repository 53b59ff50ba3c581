"""Keep the friend's shell and everything it starts together, and end them all at once.

In order of preference: a transient systemd scope (as root, or in the friend's own systemd
user manager), a cgroup v2 folder of our own (as root, or where our cgroup was delegated to
the friend's user), and only as the last resort a walk of the process tree. A cgroup is
ended with one write to ``cgroup.kill``: nothing inside can fork its way out of it, and
programs started with ``sudo`` stay inside too. The tree walk cannot promise that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from remote_help import aio
from remote_help.sentences import Say, text

log = logging.getLogger(__name__)

SCOPE = "scope"  # a transient systemd scope of the system manager (we are root)
USER_SCOPE = "user-scope"  # a transient scope of the friend's own systemd user manager
CGROUP = "cgroup"  # a cgroup v2 folder we made below our own cgroup
WALK = "walk"  # no cgroup: the process tree is walked at the end

# What the Details views say, in plain words (the word in brackets is for technical people).
DESCRIPTIONS = {
    SCOPE: Say.SESSION_KEPT_SCOPE,
    USER_SCOPE: Say.SESSION_KEPT_USER_SCOPE,
    CGROUP: Say.SESSION_KEPT_CGROUP,
    WALK: Say.SESSION_KEPT_WALK,
}
EMPTY_WAIT = 2.0  # seconds for a killed cgroup to empty; SIGKILL needs milliseconds
SUDO_WAIT = 2.0
FOLDER = re.compile(r"remote-help-(\d+)-[0-9a-f]+")  # ours: the program's pid, a random tag


@dataclass(frozen=True)
class Facts:
    """What the choice of method depends on, read from the system by ``facts()``."""

    euid: int
    systemd_booted: bool  # /run/systemd/system exists: PID 1 is systemd
    user_manager: bool  # the friend's systemd user manager answers on its private socket
    systemd_run: str | None
    cgroup2: Path | None  # where the cgroup v2 hierarchy is mounted
    own_cgroup: str | None  # our cgroup v2 path, relative to that mount
    can_write_own: bool  # we may make folders in our cgroup and move processes there


@dataclass(frozen=True)
class Plan:
    """The method in force and, for a cgroup of our own, where it goes."""

    method: str
    parent: Path | None = None  # the cgroup folder our session's folder is made in

    @property
    def description(self) -> str:
        return text(DESCRIPTIONS[self.method])


def choose(facts: Facts) -> Plan:
    """The most reliable method this computer offers."""
    if facts.systemd_run and facts.systemd_booted:
        if facts.euid == 0:
            return Plan(SCOPE)
        if facts.user_manager:
            return Plan(USER_SCOPE)
    if facts.cgroup2 is not None and facts.own_cgroup is not None and facts.can_write_own:
        return Plan(CGROUP, facts.cgroup2 / facts.own_cgroup.lstrip("/"))
    return Plan(WALK)


def facts() -> Facts:
    """Read what ``choose`` needs; nothing here changes the system."""
    mount = cgroup2_mount()
    own = own_cgroup(mount[1] if mount else "/")
    folder = mount[0] / own.lstrip("/") if mount and own is not None else None
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    return Facts(
        euid=os.geteuid(),
        systemd_booted=Path("/run/systemd/system").is_dir(),
        user_manager=bool(runtime) and Path(runtime, "systemd", "private").exists(),
        systemd_run=shutil.which("systemd-run"),
        cgroup2=mount[0] if mount else None,
        own_cgroup=own,
        can_write_own=folder is not None and _writable(folder),
    )


def plan() -> Plan:
    """The method a session started now would use (also for the Details views)."""
    return choose(facts())


def _writable(folder: Path) -> bool:
    return (os.access(folder, os.W_OK | os.X_OK)
            and os.access(folder / "cgroup.procs", os.W_OK))


def cgroup2_mount(mountinfo: str | None = None) -> tuple[Path, str] | None:
    """Where cgroup v2 is mounted, and which cgroup that mount shows at its top."""
    if mountinfo is None:
        try:
            mountinfo = Path("/proc/self/mountinfo").read_text()
        except OSError:
            return None
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        after = line.split(" - ", 1)[1].split()
        if after and after[0] == "cgroup2":
            return Path(_unescape(fields[4])), _unescape(fields[3])
    return None


def own_cgroup(mount_root: str = "/", text: str | None = None) -> str | None:
    """Our cgroup v2 path relative to the mount (the "0::" line of /proc/self/cgroup)."""
    if text is None:
        try:
            text = Path("/proc/self/cgroup").read_text()
        except OSError:
            return None
    for line in text.splitlines():
        if line.startswith("0::"):
            path = line[3:].removesuffix(" (deleted)")
            if mount_root != "/" and (path + "/").startswith(mount_root.rstrip("/") + "/"):
                path = path[len(mount_root.rstrip("/")):] or "/"
            return path
    return None


def _unescape(field: str) -> str:
    """mountinfo writes spaces and the like as octal escapes."""
    return field.encode().decode("unicode_escape")


def cgroup_of(pid: int) -> str | None:
    """The cgroup v2 path of a process, zombies included (they keep theirs)."""
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return None
    return own_cgroup("/", text)


class Containment:
    """One session's container: made before the shell starts, ended with it."""

    def __init__(self, chosen: Plan | None = None) -> None:
        self.plan = chosen or plan()
        self.path: Path | None = None  # the session's cgroup folder, once known
        self._relative = ""  # the same, as /proc/PID/cgroup writes it
        self._procs = -1  # cgroup.procs of our folder, for the child to enter it
        self._mount = cgroup2_mount()

    @property
    def method(self) -> str:
        return self.plan.method

    @property
    def description(self) -> str:
        return self.plan.description

    async def prepare(self) -> None:
        """Make the cgroup folder, or check that systemd makes scopes; where that fails,
        fall back to the next method (and say so)."""
        if self.plan.method in (SCOPE, USER_SCOPE):
            manager = ["--user"] if self.plan.method == USER_SCOPE else []
            await _sweep_scopes(manager)
            if not await _scopes_work(manager):
                log.warning("containment: systemd-run %s--scope does not work here",
                            "--user " if manager else "")
                self.plan = choose(replace(facts(), systemd_booted=False))
        if self.plan.method == CGROUP and self.plan.parent is not None:
            sweep(self.plan.parent)
            folder = self.plan.parent / f"remote-help-{os.getpid()}-{secrets.token_hex(3)}"
            try:
                folder.mkdir()
                self._procs = os.open(folder / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC)
            except OSError as exc:
                log.warning("containment: cannot use cgroup %s (%s)", folder, exc)
                with contextlib.suppress(OSError):
                    folder.rmdir()
                self.plan = Plan(WALK)
            else:
                self._found(folder)
        log.info("containment: %s%s", self.plan.method,
                 f" at {self.path}" if self.path else "")

    def abandon(self) -> None:
        """The shell could not be started: remove what ``prepare`` made."""
        if self._procs >= 0:
            os.close(self._procs)
            self._procs = -1
        if self.plan.method == CGROUP and self.path is not None:
            _remove_tree(self.path)
            self.path = None

    def command(self, argv: list[str]) -> list[str]:
        """The shell's command line: a systemd scope wraps it, the others leave it alone."""
        if self.plan.method not in (SCOPE, USER_SCOPE):
            return argv
        run = shutil.which("systemd-run") or "systemd-run"
        user = ["--user"] if self.plan.method == USER_SCOPE else []
        return [run, *user, "--scope", "--quiet", "--collect",
                f"--unit=remote-help-{os.getpid()}-{secrets.token_hex(3)}",
                "--description=remote-help shared shell", "--", *argv]

    def enter(self) -> None:
        """In the shell's child process, before exec: move into the session's cgroup."""
        if self._procs >= 0:
            os.write(self._procs, b"0")

    async def started(self, pid: int) -> None:
        """The shell runs: for a scope, find the cgroup systemd made for it."""
        if self._procs >= 0:
            os.close(self._procs)
            self._procs = -1
        if self.plan.method not in (SCOPE, USER_SCOPE) or self._mount is None:
            return
        for _ in range(200):  # systemd-run moves itself into the scope before exec
            path = cgroup_of(pid)
            if path is None:
                break  # the shell is already gone
            if path.endswith(".scope") and "remote-help-" in path:
                self._found(self._mount[0] / path.lstrip("/"))
                log.info("containment: %s at %s", self.plan.method, self.path)
                return
            await asyncio.sleep(0.01)
        log.warning("containment: the systemd scope was not found; walking the tree instead")
        self.plan = Plan(WALK)

    def _found(self, folder: Path) -> None:
        self.path = folder
        mount = self._mount[0] if self._mount else Path("/")
        relative = str(folder.relative_to(mount))
        self._relative = "/" if relative == "." else "/" + relative

    def holds(self, pid: int) -> bool:
        """Whether a process (live or zombie) is, or was when it died, in our cgroup."""
        if not self._relative:
            return False
        path = cgroup_of(pid)
        return path is not None and (path == self._relative
                                     or path.startswith(self._relative + "/"))

    async def end(self, reap: Callable[[], None]) -> bool:
        """Kill everything in the cgroup and remove it. False: no cgroup, walk the tree."""
        if self._procs >= 0:
            os.close(self._procs)
            self._procs = -1
        path = self.path
        if path is None:
            return False
        if not await self._kill(path):
            log.warning("containment: could not end cgroup %s", path)
            return False
        emptied = await _emptied(path, reap)
        if not emptied:
            log.warning("containment: cgroup %s still has processes", path)
        if self.plan.method == CGROUP:
            _remove_tree(path)
        return emptied

    async def _kill(self, path: Path) -> bool:
        try:
            (path / "cgroup.kill").write_text("1")  # kernel 5.14 and later
            return True
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.debug("cgroup.kill: %s", exc)
            if self.plan.method not in (SCOPE, USER_SCOPE):
                return False
            # A scope whose folder we may not write: ask systemd to end it.
            user = ["--user"] if self.plan.method == USER_SCOPE else []
            await _systemctl(*user, "kill", "--signal=SIGKILL", "--", path.name)
            return True
        return _freeze_and_kill(path)


async def _emptied(path: Path, reap: Callable[[], None]) -> bool:
    """Wait until ``cgroup.events`` says nothing lives in the cgroup any more."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + EMPTY_WAIT
    pause = 0.001
    while True:
        reap()  # the killed orphans are our children: collect them as they die
        if not populated(path):
            return True
        if loop.time() > deadline:
            return False
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.02)


def populated(folder: Path) -> bool:
    try:
        events = (folder / "cgroup.events").read_text()
    except OSError:
        return False  # removed: nothing lives in it
    return "populated 1" in events


def _freeze_and_kill(folder: Path) -> bool:
    """Before cgroup.kill existed: freeze, so nothing forks while we kill, then kill all."""
    frozen = False
    with contextlib.suppress(OSError):
        (folder / "cgroup.freeze").write_text("1")
        frozen = True
    for pid in _members(folder):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    if frozen:  # SIGKILL ends frozen processes too, on thawing at the latest
        with contextlib.suppress(OSError):
            (folder / "cgroup.freeze").write_text("0")
    return True


def sweep(parent: Path) -> None:
    """End and remove what a killed remote-help left: our folders whose program is gone."""
    for folder in parent.glob("remote-help-*-*"):
        match = FOLDER.fullmatch(folder.name)
        if match is None or not folder.is_dir() or _alive(int(match.group(1))):
            continue
        log.info("containment: ending what a stopped session left in %s", folder)
        with contextlib.suppress(OSError):
            if populated(folder):
                (folder / "cgroup.kill").write_text("1")
        for _ in range(100):
            if not populated(folder):
                break
            time.sleep(0.01)
        _remove_tree(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _members(folder: Path) -> list[int]:
    pids: list[int] = []
    for procs in folder.rglob("cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            pids += [int(line) for line in procs.read_text().split()]
    return pids


def _remove_tree(folder: Path) -> None:
    """Remove our cgroup folder and any folder made inside it, deepest first."""
    inner = sorted((p for p in folder.rglob("*") if p.is_dir()),
                   key=lambda p: len(p.parts), reverse=True)
    for path in [*inner, folder]:
        try:
            path.rmdir()
        except OSError as exc:
            log.warning("containment: could not remove %s (%s)", path, exc)


async def _scopes_work(manager: list[str]) -> bool:
    """Whether this systemd manager makes us a scope (a user manager may not answer)."""
    run = shutil.which("systemd-run")
    if run is None:
        return False
    try:
        proc = await asyncio.create_subprocess_exec(
            run, *manager, "--scope", "--quiet", "--collect", "--", "true",
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        return False
    try:
        return await aio.wait_for(proc.wait(), SUDO_WAIT) == 0
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return False


async def _sweep_scopes(manager: list[str]) -> None:
    """Scopes of ours whose program was killed: end what the helper left in them."""
    listed = await _systemctl(*manager, "list-units", "--all", "--plain", "--no-legend",
                              "remote-help-*.scope")
    for line in listed.splitlines():
        name = line.split()[0] if line.split() else ""
        match = FOLDER.fullmatch(name.removesuffix(".scope"))
        if match is not None and not _alive(int(match.group(1))):
            log.info("containment: ending what a stopped session left in %s", name)
            await _systemctl(*manager, "kill", "--signal=SIGKILL", "--", name)


async def stop_handed_over(since: float) -> None:
    """Stop what was handed to a systemd manager during the session.

    ``systemd-run`` without ``--scope`` asks the manager to start the program: it is then
    neither in our cgroup nor below us in the process tree. Every transient service, timer,
    path or socket unit a manager we may talk to started after ``since`` (monotonic
    seconds) is killed and stopped. Scopes are left out: a scope's processes were started
    from the shell, so they are below us in the process tree and end with it (and the
    desktop's own programs, which it starts as scopes, are spared).
    """
    facts_now = facts()
    if not facts_now.systemd_booted or shutil.which("systemctl") is None:
        return
    managers: list[list[str]] = [[]] if facts_now.euid == 0 else []
    if facts_now.user_manager:
        managers.append(["--user"])
    for manager in managers:
        units = await _transient_units_since(manager, since)
        if units:
            log.info("containment: stopping units started during the session: %s", units)
            await _systemctl(*manager, "kill", "--signal=SIGKILL", "--", *units)
            await _systemctl(*manager, "stop", "--no-block", "--", *units)


async def _transient_units_since(manager: list[str], since: float) -> list[str]:
    listed = await _systemctl(*manager, "list-units", "--all", "--plain", "--no-legend",
                              "--type=service,timer,path,socket")
    names = [line.split()[0] for line in listed.splitlines() if line.split()]
    if not names:
        return []
    shown = await _systemctl(*manager, "show", "--property=Id,Transient,"
                             "InactiveExitTimestampMonotonic", "--", *names)
    return transient_since(shown, since)


def transient_since(shown: str, since: float) -> list[str]:
    """From ``systemctl show`` blocks: the units ``systemd-run`` started after ``since``.

    Only its own names (``run-...``): the desktop's and the system's transient units
    (D-Bus activated services, ``systemd-coredump@``, package tools) are none of ours, and
    stopping them could break the friend's computer. A helper who names a unit
    (``systemd-run --unit=NAME``) hands it over like ``at`` or ``cron`` would: said in the
    README, and typed in plain sight."""
    found = []
    for block in shown.split("\n\n"):
        props = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        started = props.get("InactiveExitTimestampMonotonic", "0")
        name = props.get("Id", "")
        if (props.get("Transient") == "yes" and started.isdigit() and name.startswith("run-")
                and int(started) >= since * 1_000_000):
            found.append(name)
    return found


async def _systemctl(*args: str) -> str:
    try:
        proc = await asyncio.create_subprocess_exec(
            "systemctl", "--no-pager", *args,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    except OSError:
        return ""
    try:
        out, _ = await aio.wait_for(proc.communicate(), SUDO_WAIT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        return ""
    return out.decode(errors="replace")


async def forget_sudo() -> None:
    """``sudo -K``: whatever the helper saw the friend unlock with sudo is locked again."""
    sudo = shutil.which("sudo", path="/usr/bin:/bin:/usr/sbin:/sbin")
    if sudo is None:
        return
    try:
        proc = await asyncio.create_subprocess_exec(
            sudo, "-K",  # never asks for a password
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        log.debug("sudo -K: %s", exc)
        return
    try:
        await aio.wait_for(proc.wait(), SUDO_WAIT)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
