"""The friend's shell on a pty: spawn, resize, and reap the whole process tree at the end."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import pwd
import signal
import struct
import termios
from pathlib import Path

from remote_help.locale_info import coerced_c_locale

PR_SET_CHILD_SUBREAPER = 36


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


class ShellPty:
    """The friend's login shell on a fresh pty."""

    def __init__(self) -> None:
        self.master = -1
        self.process: asyncio.subprocess.Process | None = None
        self._spared: set[int] = set()

    async def spawn(self, cols: int, rows: int, term: str, spare: set[int]) -> None:
        """Start the shell. ``spare`` lists our own helper processes that must survive."""
        self._spared = spare
        become_subreaper()
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
        try:
            self.process = await asyncio.create_subprocess_exec(
                shell, "-i",
                stdin=slave, stdout=slave, stderr=slave,
                env=env, cwd=cwd,
                start_new_session=True,
                preexec_fn=_take_terminal,
            )  # fmt: skip
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master

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

    async def terminate(self) -> None:
        """End the shell and every process it started, however they detached."""
        self.hang_up()
        if self.process is None:
            return
        shell = self.process.pid
        for _ in range(200):
            victims, orphans = self._tree(shell)
            for pid in victims:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            _reap(orphans)  # ours to reap, or they stay as zombies
            if not victims and not orphans:
                break
            await asyncio.sleep(0.01)
        await self.process.wait()

    def _tree(self, shell: int) -> tuple[set[int], set[int]]:
        """Live processes to kill (the shell's tree and orphans that came to us), and
        every orphan child of ours, live or zombie, to reap."""
        tree = descendants(shell) | {shell}
        spared = set(self._spared)
        for pid in self._spared:
            spared |= descendants(pid)
        orphans = set(_children_map().get(os.getpid(), [])) - spared - {shell}
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
