"""The friend's shell on a pty: spawn it contained, resize it, reap orphans, end it all."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import fcntl
import logging
import os
import pwd
import signal
import struct
import termios
import time
from collections.abc import Callable
from pathlib import Path

from remote_help.session import contain
from remote_help.term.encoding import coerced_c_locale

log = logging.getLogger(__name__)
PR_SET_CHILD_SUBREAPER = 36
POLL_REAP = 0.5  # seconds between looks for dead orphans when SIGCHLD is someone else's
WALK_ROUNDS = 200


def become_subreaper() -> None:
    """Orphans of the shell (nohup, setsid) are re-parented to us, so we can end them."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command name may contain spaces and parentheses: split after the last ')'
        fields = stat[stat.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    tree = _children_map()
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def our_children() -> list[int]:
    """Our children, live or zombie: cheap to read, however many processes run."""
    pids: list[int] = []
    read = 0
    try:
        for task in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError):
                pids += [int(p) for p in Path(f"/proc/self/task/{task}/children").read_text()
                         .split()]
                read += 1
    except OSError:
        read = 0
    if not read:  # a kernel without /proc/*/task/*/children: the slow way, every process
        return _children_map().get(os.getpid(), [])
    return pids


class Reaper:
    """Collects the exit status of orphans that came to us as soon as they die.

    We are a subreaper, so every orphan of the shell becomes our child; unreaped, each
    dead one stays a zombie, and a fork chain fills the process table. asyncio waits for
    the children it started (the shell, ssh, sshd) by their pid: ``adopted`` says which
    children are not those, and only those are reaped, so no exit status is stolen.
    SIGCHLD only wakes us up; the work is a look at our own children list.
    """

    def __init__(self, adopted: Callable[[int], bool]) -> None:
        self._adopted = adopted
        self._sure: set[int] = set()  # children known to be adopted (stays true until reaped)
        self._pending = False
        self._signal = False
        self._timer: asyncio.TimerHandle | None = None
        self.reaped = 0

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        # Only when nobody else handles SIGCHLD (asyncio's own watchers, 3.10 on, do not):
        # one handler per signal, and we must not replace another's.
        if signal.getsignal(signal.SIGCHLD) in (signal.SIG_DFL, None):
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                loop.add_signal_handler(signal.SIGCHLD, self._wake)
                self._signal = True
        if not self._signal:
            self._timer = loop.call_later(POLL_REAP, self._tick)
        self._wake()

    def stop(self) -> None:
        if self._signal:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                asyncio.get_running_loop().remove_signal_handler(signal.SIGCHLD)
            self._signal = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _wake(self) -> None:
        if not self._pending:  # a flood of SIGCHLD is one look, not thousands
            self._pending = True
            asyncio.get_running_loop().call_soon(self._scan)

    def _tick(self) -> None:
        self.reap()
        self._timer = asyncio.get_running_loop().call_later(POLL_REAP, self._tick)

    def _scan(self) -> None:
        self._pending = False
        self.reap()

    def reap(self) -> None:
        """Reap every adopted child that has died; leave the others alone."""
        for pid in our_children():
            if pid not in self._sure:
                if not self._adopted(pid):
                    continue
                self._sure.add(pid)
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                self._sure.discard(pid)
                self.reaped += 1


class ShellPty:
    """The friend's login shell on a fresh pty, in a container of its own."""

    def __init__(self) -> None:
        self.master = -1
        self.process: asyncio.subprocess.Process | None = None
        self._spared: set[int] = set()
        self.containment = contain.Containment(contain.Plan(contain.WALK))
        self._reaper = Reaper(self._adopted)
        self._ended = False
        self._since = 0.0  # when the shell started (monotonic)

    @property
    def contained_by(self) -> str:
        """How the shell's processes are kept together: the words for the Details views."""
        return self.containment.description

    async def spawn(self, cols: int, rows: int, term: str, spare: set[int]) -> None:
        """Start the shell. ``spare`` lists our own helper processes that must survive."""
        self._spared = spare
        self._since = time.monotonic()
        become_subreaper()
        self.containment = contain.Containment()
        await self.containment.prepare()
        try:
            self.process = await self._start_shell(cols, rows, term)
        except BaseException:
            self.containment.abandon()
            raise
        self._reaper.start()
        await self.containment.started(self.process.pid)

    async def _start_shell(self, cols: int, rows: int, term: str) -> asyncio.subprocess.Process:
        account = pwd.getpwuid(os.geteuid())
        shell = account.pw_shell if os.access(account.pw_shell, os.X_OK) else "/bin/sh"
        if shell.endswith(("nologin", "false")):
            shell = "/bin/sh"
        master, slave = os.openpty()
        set_size(master, cols, rows)
        env = dict(os.environ)
        env.update({"TERM": term, "REMOTE_HELP": "1", "SHELL": shell, "HOME": account.pw_dir,
                    "USER": account.pw_name, "LOGNAME": account.pw_name})
        for key in ("COLUMNS", "LINES", "SSH_AUTH_SOCK", "SSH_AGENT_PID"):
            env.pop(key, None)
        if coerced_c_locale():
            env.pop("LC_CTYPE", None)  # Python's own change; the friend's shell keeps C
        cwd = _home_or_root(account.pw_dir)
        enter = self.containment.enter

        def in_child() -> None:
            enter()  # into the session's cgroup first: everything it starts stays there
            _take_terminal()

        try:
            process = await asyncio.create_subprocess_exec(
                *self.containment.command([shell, "-i"]),
                stdin=slave, stdout=slave, stderr=slave,
                env=env, cwd=cwd,
                start_new_session=True,
                preexec_fn=in_child,
            )  # fmt: skip
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        return process

    def resize(self, cols: int, rows: int) -> None:
        if self.master >= 0:
            set_size(self.master, cols, rows)
            if self.process is not None and self.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGWINCH)

    def hang_up(self) -> None:
        """Close our side of the pty: the shell's session gets SIGHUP, input is gone."""
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def _adopted(self, pid: int) -> bool:
        """A child of ours that asyncio does not wait for: an orphan of the shell."""
        if self.process is None or pid == self.process.pid or pid in self._spared:
            return False
        if self.containment.path is not None:
            return self.containment.holds(pid)
        return True  # no cgroup: during a session we start no other children

    async def terminate(self, last_output: Callable[[], None] | None = None) -> None:
        """End the shell and every process it started, however they detached; then
        ``last_output`` reads what they left on the terminal, and only then is it closed:
        whatever ran before the end is seen, and nothing runs after it."""
        if self.process is None or self._ended:
            self.hang_up()
            if self.process is not None:
                await self.process.wait()
            return
        self._ended = True
        started = time.monotonic()
        await self.containment.end(self._reaper.reap)
        # The tree too, even after a cgroup: root may move a process out of our cgroup, and
        # `systemd-run --scope` does; but an orphan always comes back to us (subreaper).
        await self._walk_and_kill(self.process.pid)
        if last_output is not None:
            last_output()
        self.hang_up()
        self._reaper.reap()
        self._reaper.stop()
        _reap(self._orphans())  # ours to reap, or they stay as zombies
        await self.process.wait()
        log.info("shell ended (%s) in %.3f s; %d orphans reaped during the session",
                 self.containment.method, time.monotonic() - started, self._reaper.reaped)
        # Both at once: neither may hold up "Help has ended" more than it must.
        await asyncio.gather(contain.stop_handed_over(self._since), contain.forget_sudo())

    async def _walk_and_kill(self, shell: int) -> None:
        """Kill the shell's tree and the orphans that came to us."""
        for _ in range(WALK_ROUNDS):
            victims, orphans = self._tree(shell)
            for pid in victims:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            _reap(orphans)
            if not victims and not orphans:
                break
            await asyncio.sleep(0.01)

    def _orphans(self) -> set[int]:
        shell = self.process.pid if self.process is not None else -1
        return set(our_children()) - self._spared - {shell}

    def _tree(self, shell: int) -> tuple[set[int], set[int]]:
        """Live processes to kill (the shell's tree and orphans that came to us), and
        every orphan child of ours, live or zombie, to reap."""
        # Once asyncio collected the shell, its pid may be someone else's: its children
        # came to us anyway, so they are among the orphans.
        alive = self.process is not None and self.process.returncode is None
        tree = descendants(shell) | {shell} if alive else set()
        orphans = self._orphans()
        for pid in set(orphans):
            tree |= descendants(pid)
        return {pid for pid in tree | orphans if not _is_zombie(pid)}, orphans


def _home_or_root(home: str) -> str:
    return home if os.path.isdir(home) else "/"


def _reap(pids: set[int]) -> None:
    """Collect the exit status of orphans that came to us, without waiting."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rfind(")") + 2 :].startswith("Z")


def _take_terminal() -> None:
    """In the child, after setsid: make the pty our controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
