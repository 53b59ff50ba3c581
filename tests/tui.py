"""A private tmux server that runs full-screen programs side by side for end-to-end tests.

As a context manager::

    from tests.tui import Tmux

    def test_journey() -> None:
        with Tmux(width=80, height=24) as tmux:
            friend = tmux.pane([python, "-m", "remote_help"], env, term="linux", name="friend")
            friend.wait_for("Step 1 of 7")   # a regular expression; fails showing the screen
            friend.send("c")                 # tmux key names: "Enter", "M-C-c", "F10", "Up"
            friend.type("127.0.0.1")         # literal text, any length
            friend.wait_for("EXITED 0")

or as the ``tmux`` fixture (80x24; other sizes with ``@pytest.mark.parametrize("tmux",
[{"width": 100, "height": 30}], indirect=True)``), which prints every pane's last screen
when the test fails. Make it known to a test module by assignment (importing the name
would trip ruff's F811 on every test that takes it), or in a conftest.py by
``from tests.tui import tmux  # noqa: F401``::

    from tests import tui
    from tests.tui import Tmux

    tmux = tui.tmux

    def test_something(tmux: Tmux) -> None: ...

Each pane is exactly ``width`` x ``height`` from its program's first instruction on, and
adding a pane never resizes the others: the window starts wide, with a spare pane on the
right, and each new pane is split off that spare. Its program gets exactly ``env`` plus
``TERM``; the last screen it left stays readable after it exits (``remain-on-exit``, and a
pipe that makes tmux read all its output first; the line tmux adds under it is taken
away, see ``ENDED``). The server and its socket go away
on ``close()``, at the end of the ``with`` block or of the test, whatever happened.
While a test runs, ``tmux -L <Tmux.socket> attach`` shows the panes.

How tmux 3.3a delivers keys to the program (pinned by tests/test_tui.py), whatever TERM
says inside the pane: "M-C-c" is ESC 0x03; F1-F4 are xterm's ESC O P..S even under
TERM=linux (a Linux console sends ESC [ [ A..); F5-F12 are ESC [ 15~ .. 24~; "Up" is ESC [ A,
or ESC O A once the program asked for application cursor keys. ``send`` refuses the names
that tmux would silently type as text ("S-Tab": use "BTab") or silently drop ("C-Enter").
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

POLL = 0.05  # seconds between two looks at a screen
DEAD_GRACE = 0.5  # after the program ended, its last output may still be on its way
MAX_PANES = 4
CHUNK = 4000  # bytes of text per send-keys: tmux refuses commands over about 16 KiB
PLACEHOLDER = ("sleep", "1000000")
# What tmux writes under the last screen of a program that ended (remain-on-exit-format).
# To make room, tmux 3.3a first scrolls that screen up a line, which screen() undoes.
ENDED = "(rh-ended)"

# Key names tmux 3.3a sends as the key, not as the letters of the name.
SPECIAL = {"Enter", "Escape", "Tab", "BTab", "Space", "BSpace"}
NAVIGATION = {"Up", "Down", "Left", "Right", "Home", "End", "IC", "Insert", "DC", "Delete",
              "NPage", "PageDown", "PgDn", "PPage", "PageUp", "PgUp",
              *(f"F{n}" for n in range(1, 13))}
KEYPAD = {*(f"KP{n}" for n in range(10)), "KP/", "KP*", "KP-", "KP+", "KP.", "KPEnter"}
CONTROLLABLE = set("@[\\]^_?")  # C-@ is NUL, C-? is DEL; C-1 or C-Enter send nothing


def _check_key(key: str) -> None:
    """Refuse a key that tmux would type as text or drop without a word."""
    base = key
    mods: set[str] = set()
    while len(base) > 2 and base[:2] in ("C-", "M-", "S-"):
        mods.add(base[0])
        base = base[2:]
    if base.startswith("^") and len(base) == 2:
        mods.add("C")
        base = base[1:]
    if base in NAVIGATION:
        return
    if base in SPECIAL | KEYPAD and not mods - {"M"}:
        return
    if len(base) == 1 and "S" not in mods and (
            "C" not in mods or (base.isascii() and base.isalpha()) or base in CONTROLLABLE):
        return
    if base == "Space" and mods - {"M"} == {"C"}:  # NUL, as C-@
        return
    raise ValueError(f"tmux would not send {key!r} as a key (it types unknown names as text "
                     f"and drops some combinations); use type() for text, 'BTab' for "
                     f"Shift+Tab")


def _literal_argument(text: str) -> str:
    """``text`` as one argument of ``send-keys -l --``: tmux takes a trailing ";" as the
    end of the command, and turns a trailing "\\;" into ";"."""
    return text[:-1] + "\\;" if text.endswith(";") else text


def _chunks(text: str) -> Iterator[str]:
    """Pieces of at most CHUNK bytes of UTF-8, never splitting a character."""
    piece: list[str] = []
    size = 0
    for char in text:
        n = len(char.encode())
        if size + n > CHUNK:
            yield "".join(piece)
            piece, size = [], 0
        piece.append(char)
        size += n
    if piece:
        yield "".join(piece)


def _kill_server(command: list[str], socket_path: str) -> None:
    subprocess.run([*command, "kill-server"], capture_output=True, check=False, timeout=10)
    with contextlib.suppress(OSError):  # tmux 3.3a leaves its socket file behind
        os.unlink(socket_path)


class Tmux:
    """One private tmux server (``tmux -L <unique> -f /dev/null``) with one window."""

    def __init__(self, *, width: int = 80, height: int = 24) -> None:
        if not (len(ENDED) <= width <= 1000 and 2 <= height <= 1000):
            raise ValueError(f"a pane of {width}x{height} is not one tmux can make here")
        self.width = width
        self.height = height
        self.socket = f"rh-test-{secrets.token_hex(4)}"
        self.command = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        directory = os.environ.get("TMUX_TMPDIR") or "/tmp"
        self.socket_path = os.path.join(directory, f"tmux-{os.geteuid()}", self.socket)
        # Not inside a tmux session of the person running the tests, whatever they use.
        self._env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        self.panes: list[Pane] = []
        self._spare: str | None = None  # the pane on the right that new panes come from
        self._finalizer = weakref.finalize(self, _kill_server, self.command, self.socket_path)

    def run(self, *args: str, check: bool = True, stdin: bytes | None = None) -> str:
        """One tmux command (or several, separated by ";" arguments); its output."""
        result = subprocess.run([*self.command, *args], input=stdin, capture_output=True,
                                check=False, timeout=10, env=self._env)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: "
                               f"{result.stderr.decode(errors='replace').strip()}")
        return result.stdout.decode(errors="replace")

    def pane(self, argv: list[str], env: dict[str, str], *, term: str = "xterm-256color",
             name: str = "") -> Pane:
        """Run ``argv`` with exactly ``env`` plus TERM=``term`` in a new pane."""
        command = self._command(argv, env, term)
        if len(self.panes) >= MAX_PANES:
            raise RuntimeError(f"this harness makes at most {MAX_PANES} panes per server")
        spare = self._spare or self._start()
        pane_id = self.run("split-window", "-h", "-b", "-d", "-l", str(self.width),
                           "-t", spare, "-P", "-F", "#{pane_id}", *PLACEHOLDER).strip()
        pane = Pane(self, pane_id, name or f"pane {len(self.panes) + 1}")
        self.panes.append(pane)
        got = pane.size()
        if got != (self.width, self.height):
            raise RuntimeError(f"tmux made {pane.name} {got[0]}x{got[1]}, "
                               f"not {self.width}x{self.height}")
        # The size is right before the program starts: it never sees another one.
        self.run("set-option", "-g", "default-terminal", term)
        # tmux 3.3a closes a pane's terminal as soon as it collects the program's exit,
        # dropping what the program wrote just before and tmux had not read yet; only a
        # pane with a pipe waits until the terminal has nothing left to read
        # (window_pane_destroy_ready). The pipe goes nowhere; it is there for that wait.
        self.run("pipe-pane", "-t", pane_id, "exec cat > /dev/null")
        self.run("respawn-pane", "-k", "-t", pane_id, *command)
        return pane

    @staticmethod
    def _command(argv: list[str], env: dict[str, str], term: str) -> list[str]:
        if not argv or "=" in argv[0]:
            raise ValueError(f"cannot run {argv!r} through env(1)")
        if env.get("TERM", term) != term:
            raise ValueError(f"env says TERM={env['TERM']}, term says {term}")
        for key, value in env.items():
            if not key or "=" in key or "\0" in key + value:
                raise ValueError(f"not an environment variable: {key!r}={value!r}")
        return ["/usr/bin/env", "-i", "--",
                *(f"{k}={v}" for k, v in {**env, "TERM": term}.items()), *argv]

    def _start(self) -> str:
        """The server, its options, and the wide window with its spare pane."""
        if not self._finalizer.alive:  # started again after close()
            self._finalizer = weakref.finalize(self, _kill_server, self.command,
                                               self.socket_path)
        wide = MAX_PANES * (self.width + 1) + 1
        size = ("-x", str(wide), "-y", str(self.height))
        options = [("status", "off"), ("remain-on-exit", "on"), ("history-limit", "100"),
                   ("remain-on-exit-format", ENDED), ("escape-time", "0")]
        chain: list[str] = []
        for option, value in options:  # before the first pane exists, so it has them too
            chain += ["set-option", "-g", option, value, ";"]
        self.run(*chain, "new-session", "-d", "-s", "t", *size, *PLACEHOLDER)
        self.run("resize-window", "-t", "t", *size)  # a fixed size: no client ever changes it
        self._spare = self.run("display-message", "-p", "-t", "t", "#{pane_id}").strip()
        return self._spare

    def dump(self) -> str:
        """Every pane's screen, as a person would see it; for failure reports."""
        parts = []
        for pane in self.panes:
            try:
                parts.append(pane.describe())
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                parts.append(f"{pane.name}: no screen ({exc})")
        return "\n".join(parts)

    def close(self) -> None:
        """Kill the server and every program in it (SIGHUP, as a closed window); idempotent."""
        self._finalizer()
        self._spare = None

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        try:
            if exc_type is not None and self.panes:
                print(self.dump())  # pytest shows it with the failure
        finally:
            self.close()


class Pane:
    """One program in its pane: keys in, screen out."""

    def __init__(self, tmux: Tmux, target: str, name: str) -> None:
        self.tmux = tmux
        self.target = target  # the pane id, "%3"
        self.name = name

    def send(self, *keys: str) -> None:
        """Keys by tmux name ("Enter", "C-c", "M-C-c", "F10", "Up") or single characters."""
        for key in keys:
            _check_key(key)
        self.tmux.run("send-keys", "-t", self.target, "--", *map(_literal_argument, keys))

    def type(self, text: str) -> None:
        """``text`` typed literally, as many keys; any length."""
        if "\0" in text:
            raise ValueError("a NUL cannot be typed as text: send('C-Space')")
        for piece in _chunks(text):
            self.tmux.run("send-keys", "-t", self.target, "-l", "--", _literal_argument(piece))

    def paste(self, text: str) -> None:
        """``text`` pasted as a terminal pastes: newlines become CR, and it is wrapped in
        ESC [ 200~ ... ESC [ 201~ if the program asked for bracketed paste."""
        buffer = f"paste-{secrets.token_hex(4)}"
        self.tmux.run("load-buffer", "-b", buffer, "-", stdin=text.encode())
        self.tmux.run("paste-buffer", "-d", "-p", "-b", buffer, "-t", self.target)

    def screen(self) -> str:
        """The visible screen: ``height`` lines, trailing spaces removed; once the program
        has ended, the screen it left."""
        return self._snapshot()[0]

    def lines(self) -> list[str]:
        return self.screen().splitlines()

    def _format(self, fmt: str) -> str:
        return self.tmux.run("display-message", "-p", "-t", self.target, fmt).strip()

    def _snapshot(self) -> tuple[str, bool]:
        """The screen, and whether the program ended, from one tmux call (one moment)."""
        out = self.tmux.run("display-message", "-p", "-t", self.target,
                            "#{pane_dead} #{history_size} :#{pane_dead_status}"
                            "#{pane_dead_signal}", ";",
                            "capture-pane", "-p", "-S", "-1", "-t", self.target)
        head, _, body = out.partition("\n")
        closed, history, status = head.split()
        lines = body.split("\n")[:-1]
        earlier = lines.pop(0) if int(history) > 0 else ""
        if closed == "1" and lines and lines[-1] == ENDED:  # scrolled up for the message
            lines = [earlier, *lines[:-1]]
        ended = status != ":" or (closed == "1" and self.exit_status() is not None)
        return "".join(f"{line}\n" for line in lines), ended

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 20.0) -> re.Match[str]:
        """The first match of ``pattern`` on the screen; fails, showing the screen, after
        ``timeout`` seconds, or as soon as the program has ended without it showing."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        ended: float | None = None
        while True:
            screen, dead = self._snapshot()
            if match := regex.search(screen):
                return match
            now = time.monotonic()
            if dead and ended is None:
                ended = now
            if now > deadline or (ended is not None and now - ended > DEAD_GRACE):
                why = "the program ended" if ended is not None else f"{timeout} s passed"
                raise AssertionError(f"{regex.pattern!r} did not appear on {self.name}'s "
                                     f"screen: {why}.\n{self.describe(screen)}")
            time.sleep(POLL)

    def wait_gone(self, pattern: str | re.Pattern[str], timeout: float = 20.0) -> None:
        """Until ``pattern`` is no longer on the screen; fails, showing it, after timeout."""
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while regex.search(screen := self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{regex.pattern!r} still on {self.name}'s screen "
                                     f"after {timeout} s.\n{self.describe(screen)}")
            time.sleep(POLL)

    def wait_dead(self, timeout: float = 20.0) -> int | None:
        """Until the program has ended; its exit status."""
        deadline = time.monotonic() + timeout
        while not self.dead():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}'s program still runs after {timeout} s."
                                     f"\n{self.describe()}")
            time.sleep(POLL)
        return self.exit_status()

    def describe(self, screen: str | None = None) -> str:
        """The screen in a frame, with the pane's name and whether its program ended."""
        screen = self.screen() if screen is None else screen
        status = self.exit_status()
        state = "running" if status is None else f"ended, exit status {status}"
        width = self.tmux.width
        edge = "+" + "-" * width + "+"
        rows = [f"|{line.ljust(width)}|" for line in screen.splitlines()]
        return "\n".join([f"{self.name} ({state}):", edge, *rows, edge])

    def dead(self) -> bool:
        """Whether the program in the pane has ended (its last screen stays)."""
        return self.exit_status() is not None

    def exit_status(self) -> int | None:
        """None while it runs; its exit status, or 128 + the signal that killed it.

        Not #{pane_dead} alone: tmux sets that when the terminal closes, which may be
        before it has collected the exit status.
        """
        status = self._exit_status()
        deadline = time.monotonic() + 2
        while status is None and self._unreaped() and time.monotonic() < deadline:
            # tmux 3.3a now and then misses the SIGCHLD of a pane's program and leaves it
            # a zombie; the exit of any other child of the server makes it collect both.
            self.tmux.run("run-shell", "true")
            time.sleep(POLL / 2)
            status = self._exit_status()
        return status

    def _exit_status(self) -> int | None:
        status, _, signal = self._format("#{pane_dead_status}:#{pane_dead_signal}").partition(":")
        if status:
            return int(status)
        return 128 + int(signal) if signal else None

    def _unreaped(self) -> bool:
        """Whether the program has ended but tmux has not collected it yet."""
        try:
            stat = Path(f"/proc/{self.pid()}/stat").read_text()
        except OSError:
            return False
        return stat[stat.rfind(")") + 2 :].startswith("Z")

    def pid(self) -> int:
        """The program's process id (the leader of its own session)."""
        return int(self._format("#{pane_pid}"))

    def size(self) -> tuple[int, int]:
        width, height = self._format("#{pane_width} #{pane_height}").split()
        return int(width), int(height)

    def flags(self) -> dict[str, str]:
        """Terminal modes the program left on: alternate screen, hidden cursor, mouse..."""
        names = ("alternate_on", "cursor_flag", "keypad_cursor_flag", "keypad_flag",
                 "mouse_any_flag", "insert_flag")
        values = self._format(" ".join(f"#{{{n}}}" for n in names)).split()
        return dict(zip(names, values, strict=True))


@pytest.fixture
def tmux(request: pytest.FixtureRequest) -> Iterator[Tmux]:
    """A Tmux (80x24 unless parametrized indirectly); the panes' screens shown on failure."""
    server = Tmux(**getattr(request, "param", {}))
    try:
        yield server
    finally:
        try:
            report = getattr(request.node, "report_call", None)  # set by tests/conftest.py
            if server.panes and (report is None or report.failed):
                print(server.dump())
        finally:
            server.close()
