"""Shared test machinery: run the real programs, throwaway users, the invariant check."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
SYSTEM_PYTHON = "/usr/bin/python3"
NUMBER_WORDS = {"TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5", "SIX": "6", "SEVEN": "7"}
CODE_LINE = re.compile(r"Read these words to your friend: ((?:[A-Z]+ ){4}[A-Z]+)\r?\n")


def first_letters(words: list[str]) -> str:
    """What the friend types for the words the helper reads."""
    return "".join(NUMBER_WORDS.get(w, w[0]) for w in words)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_root() -> bool:
    return os.geteuid() == 0


@dataclass
class Account:
    """Who a program runs as, and where its private directories are."""

    name: str
    home: Path
    runtime: Path  # XDG_RUNTIME_DIR for this run
    state: Path  # XDG_STATE_HOME for this run
    config: Path  # XDG_CONFIG_HOME for this run: never the real account's settings
    as_other_user: bool = False

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "HOME": str(self.home),
            "USER": self.name,
            "LOGNAME": self.name,
            "TERM": "xterm",
            "LANG": "C.UTF-8",
            "XDG_RUNTIME_DIR": str(self.runtime),
            "XDG_STATE_HOME": str(self.state),
            "XDG_CONFIG_HOME": str(self.config),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PS1": "$ ",
        }
        env.update(extra)
        return env


@dataclass
class Program:
    """One running remote-help, driven like a person would at a terminal."""

    child: pexpect.spawn
    account: Account
    log: list[str] = field(default_factory=list)

    def expect(self, pattern: str | type, timeout: float = 20) -> re.Match[str] | None:
        self.child.expect(pattern, timeout=timeout)
        match = self.child.match
        return match if isinstance(match, re.Match) else None

    def sendline(self, text: str) -> None:
        self.child.sendline(text)

    def send(self, text: str) -> None:
        self.child.send(text)

    def wait_exit(self, timeout: float = 20) -> int:
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.child.close()
        status = self.child.exitstatus
        return status if status is not None else 128 + (self.child.signalstatus or 0)

    @property
    def output(self) -> str:
        return "".join(self.log)


class _Tee:
    def __init__(self, sink: list[str]) -> None:
        self.sink = sink

    def write(self, data: str) -> None:
        self.sink.append(data)

    def flush(self) -> None:
        pass


SOURCE_COPIES: set[Path] = set()  # made or used by this test run, removed at its end


def program_source() -> Path:
    """A world-readable copy of the package, so throwaway users can run it.

    Named after a hash of the sources, so a changed tree never runs from an old copy,
    and after this test process, which removes it at its end: another test run of the same
    tree, at the same time, has its own.
    """
    digest = hashlib.sha256()
    for path in sorted(SRC.rglob("*.py")):
        digest.update(str(path.relative_to(SRC)).encode() + b"\0" + path.read_bytes())
    target = Path(tempfile.gettempdir()) / f"rh-test-src-{digest.hexdigest()[:16]}-{os.getpid()}"
    SOURCE_COPIES.add(target)
    if not target.exists():
        staging = Path(tempfile.mkdtemp(prefix="rh-test-src-staging-"))
        copy = staging / "src"
        shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        with contextlib.suppress(OSError):  # another test process may have won the race
            copy.rename(target)
        shutil.rmtree(staging, ignore_errors=True)
    return target


def start(account: Account, *args: str, cols: int = 100, rows: int = 30,
          python: str | None = None, extra_env: dict[str, str] | None = None,
          shell_wrapper: tuple[str, ...] = (), plain: bool = True) -> Program:
    """Start ``remote-help ARGS`` as ``account`` on a fresh pty (in line mode, ``--plain``,
    unless ``plain`` is False: the full-screen UI has its own tests, in tmux).

    ``shell_wrapper`` (e.g. ``("sh", "-c", "...; python -m remote_help \"$@\"", "sh")``)
    runs the program inside a script that can look at the terminal before and after.
    """
    env = account.env(**{"PYTHONPATH": str(program_source()), **(extra_env or {})})
    if plain:
        args = (*args, "--plain")
    interpreter = python or (SYSTEM_PYTHON if account.as_other_user else sys.executable)
    argv = [*shell_wrapper, *args] if shell_wrapper else [interpreter, "-m", "remote_help", *args]
    if account.as_other_user:
        argv = ["runuser", "-u", account.name, "--", "env", "-i",
                *(f"{k}={v}" for k, v in env.items()), *argv]
    log: list[str] = []
    child = pexpect.spawn(argv[0], argv[1:], env=env, encoding="utf-8", codec_errors="replace",
                          dimensions=(rows, cols), timeout=20, cwd=str(account.home))
    child.logfile_read = _Tee(log)
    return Program(child, account, log)


def make_account(base: Path, name: str | None = None, user: str | None = None) -> Account:
    """Private dirs for one program run; ``user`` runs it as that throwaway user."""
    tag = name or secrets.token_hex(3)
    runtime = base / f"run-{tag}"
    state = base / f"state-{tag}"
    config = base / f"config-{tag}"
    for path in (runtime, state, config):
        path.mkdir(mode=0o700, parents=True)
    if user is None:
        return Account(pwd.getpwuid(os.geteuid()).pw_name, Path.home(), runtime, state,
                       config)
    info = pwd.getpwnam(user)
    for path in (base, runtime, state, config):
        os.chown(path, info.pw_uid, info.pw_gid) if path != base else path.chmod(0o755)
    return Account(user, Path(info.pw_dir), runtime, state, config, as_other_user=True)


@contextlib.contextmanager
def throwaway_user(prefix: str = "rht") -> Iterator[str]:
    """A real non-root account with a home and bash, removed afterwards with all it ran."""
    name = f"{prefix}{secrets.token_hex(3)}"
    _account_tool(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["pkill", "-KILL", "-u", name], check=False)
        time.sleep(0.2)
        _account_tool(["userdel", "--remove", "--force", name], check=False)


def _account_tool(command: list[str], *, check: bool) -> None:
    """useradd or userdel, tried again while another test (a parallel worker) holds the
    lock on /etc/passwd: they give up at once rather than wait for it."""
    for _ in range(50):
        result = subprocess.run(command, check=False, capture_output=True, text=True)
        if result.returncode == 0 or "lock" not in result.stderr:
            break
        time.sleep(0.1)
    if check and result.returncode != 0:
        raise subprocess.CalledProcessError(result.returncode, command, result.stdout,
                                            result.stderr)


# -- the invariant check ----------------------------------------------------------------

def _proc_environ(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return b""


def _cmdline(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace")
    except OSError:
        return ""


def leftover_processes(accounts: list[Account], sessions: set[int] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Processes of ours still alive: our programs, their ssh/sshd/bridges, the shared shell.

    Found by the accounts' private directories in their command line or environment, by
    the throwaway users' uids, and by terminal session: each program is started as the
    leader of a session of its own, which sshd and its privilege-separated children keep
    (their command lines and environments are rewritten, so nothing else names them).
    """
    markers = [str(a.runtime) for a in accounts]
    uids = {pwd.getpwnam(a.name).pw_uid for a in accounts if a.as_other_user}
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        cmd = _cmdline(pid)
        env = _proc_environ(pid)
        try:
            uid = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] == "Z":
            continue
        if (any(m in cmd for m in markers) or any(m.encode() in env for m in markers)
                or uid in uids or int(fields[3]) in sessions):
            found.append(f"{pid}: {cmd[:120]}")
    return found


def ssh_dir_snapshot(home: Path) -> list[tuple[str, float]] | None:
    ssh = home / ".ssh"
    if not ssh.exists():
        return None
    return sorted((str(p), p.stat().st_mtime) for p in ssh.rglob("*"))


def check_nothing_left(accounts: list[Account], ssh_before: dict[str, object],
                       ports: list[int] = (), timeout: float = 5.0,  # type: ignore[assignment]
                       sessions: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """The invariant check after every integration and e2e test."""
    deadline = time.monotonic() + timeout
    while True:
        procs = leftover_processes(accounts, sessions)
        sessions = [str(p) for a in accounts for p in a.runtime.rglob("session-*")]
        listening = [p for p in ports if _listening(p)]
        if not (procs or sessions or listening) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not procs, f"processes left behind: {procs}"
    assert not sessions, f"session directories left behind: {sessions}"
    assert not listening, f"ports still listening: {listening}"
    for account in accounts:
        assert ssh_dir_snapshot(account.home) == ssh_before[account.name], \
            f"~/.ssh of {account.name} changed"


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def kill_all(accounts: list[Account], sessions: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """Last-resort cleanup after a failed test, so one failure does not poison the next."""
    for line in leftover_processes(accounts, sessions):
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)


class World:
    """The people of one test: their accounts, programs, and the check that all is clean."""

    def __init__(self, base: Path) -> None:
        self.base = base
        base.chmod(0o755)
        self.accounts: list[Account] = []
        self.programs: list[Program] = []
        self.ports: list[int] = []
        self._ssh_before: dict[str, object] = {}
        self._users: list[contextlib.AbstractContextManager[str]] = []
        self.other_sessions: set[int] = set()  # programs started elsewhere (tmux panes)
        self.cleanups: list[Callable[[], None]] = []  # whatever else a test made

    def account(self, user: str | None = None) -> Account:
        account = make_account(self.base, user=user)
        self.accounts.append(account)
        self._ssh_before[account.name] = ssh_dir_snapshot(account.home)
        return account

    def user(self) -> str:
        """A throwaway non-root user for this test."""
        manager = throwaway_user()
        name = manager.__enter__()
        self._users.append(manager)
        return name

    def start(self, account: Account, *args: str, **kwargs: object) -> Program:
        program = start(account, *args, **kwargs)  # type: ignore[arg-type]
        self.programs.append(program)
        return program

    @property
    def sessions(self) -> set[int]:
        """pexpect makes each program (or its runuser) the leader of its own session."""
        return {program.child.pid for program in self.programs} | self.other_sessions

    def check(self) -> None:
        for program in self.programs:
            if program.child.isalive():
                raise AssertionError(f"a program is still running:\n{program.output[-2000:]}")
        check_nothing_left(self.accounts, self._ssh_before, self.ports,
                           sessions=self.sessions)

    def cleanup(self) -> None:
        for program in self.programs:
            if program.child.isalive():
                program.child.kill(signal.SIGKILL)
        kill_all(self.accounts, self.sessions)
        for cleanup in reversed(self.cleanups):
            cleanup()
        for manager in reversed(self._users):
            manager.__exit__(None, None, None)


def walk_to_session(world: World, helper: Account, friend: Account, *, reverse: bool = False,
                    helper_args: tuple[str, ...] = (), friend_args: tuple[str, ...] = (),
                    shell_wrapper: tuple[str, ...] = (), helper_wrapper: tuple[str, ...] = (),
                    **start_kwargs: object) -> tuple[Program, Program]:
    """Both people go through the journey up to the live shared shell, as people would.

    ``shell_wrapper`` runs the friend's program, ``helper_wrapper`` the helper's."""
    port = free_port()
    world.ports.append(port)
    common = ("--port", str(port))
    if not reverse:
        h = world.start(helper, "helper", *common, "--bind", "127.0.0.1", *helper_args,
                        shell_wrapper=helper_wrapper, **start_kwargs)
        h.expect("Waiting for your friend")
        f = world.start(friend, "friend", "127.0.0.1", *common, *friend_args,
                        shell_wrapper=shell_wrapper, **start_kwargs)
        f.expect("Continue\\?")
        f.sendline("y")
    else:
        f = world.start(friend, "friend", "--reverse", *common, "--bind", "127.0.0.1",
                        *friend_args, shell_wrapper=shell_wrapper, **start_kwargs)
        f.expect("Continue\\?")
        f.sendline("y")
        f.expect("Waiting for your helper")
        h = world.start(helper, "helper", "--reverse", "127.0.0.1", *common, *helper_args,
                        shell_wrapper=helper_wrapper, **start_kwargs)
    match = h.expect(CODE_LINE)
    assert match is not None
    f.expect("Type the five letters")
    f.sendline(first_letters(match.group(1).split()))
    f.expect("CORRECT")
    h.expect(r"\[y/n\]")
    h.sendline("y")
    h.expect("To end the session, press Ctrl\\+Alt\\+C or F10", timeout=30)
    f.expect("To end help, press Ctrl\\+Alt\\+C", timeout=30)
    return h, f


def run_in_shared_shell(helper: Program, friend: Program) -> None:
    """The helper types a command; its output appears on both screens."""
    time.sleep(0.5)  # let the shell print its prompt first
    helper.send("echo $((6*7))\r")
    helper.expect(ANSWER_42)
    friend.expect(ANSWER_42)


def friend_ends_session(helper: Program, friend: Program) -> None:
    """The friend presses Ctrl+Alt+C: both are told, and both exit 0."""
    friend.send("\x1b\x03")  # Ctrl+Alt+C
    friend.expect(ENDED_BY_FRIEND)
    helper.expect(FRIEND_ENDED_SEEN_BY_HELPER)
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0


ANSWER_42 = "[^0-9*(]42\r\n"  # the answer, not the typed command
ENDED_BY_FRIEND = "Help has ended: you ended it"
FRIEND_ENDED_SEEN_BY_HELPER = "Your friend ended the session"


def said(sentence: str) -> str:
    """A regular expression for ``sentence`` as line mode prints it: broken between words at
    the terminal's width (issue 11), so any space may have become a line break. A trailing
    space stays a space or a line break too."""
    pattern = r"\s+".join(re.escape(word) for word in sentence.split())
    return pattern + (r"\s+" if sentence.endswith(" ") else "")
