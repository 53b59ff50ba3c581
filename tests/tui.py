"""A private tmux server for end-to-end tests of the full-screen UI.

    with Tmux(width=80, height=24) as tmux:
        pane = tmux.pane(["remote-help"], env, term="linux")
        pane.wait_for("Step 1 of 7")
        pane.send("c")            # tmux key names: "Enter", "M-C-c", "F10", "Up"
        pane.type("127.0.0.1")    # literal text

Every pane is exactly ``width`` x ``height`` (one window each), keeps its last screen after
its program exits (``remain-on-exit``), and the whole server goes away on ``close()``.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import time
from typing import Any

POLL = 0.05


class Tmux:
    def __init__(self, *, width: int = 80, height: int = 24) -> None:
        self.width = width
        self.height = height
        self.socket = f"rh-test-{secrets.token_hex(4)}"
        self._started = False
        self.panes: list[Pane] = []

    def run(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                                capture_output=True, text=True, check=False, timeout=10)
        if check and result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def pane(self, argv: list[str], env: dict[str, str], *, term: str = "xterm-256color",
             name: str = "") -> Pane:
        """Run ``argv`` with exactly ``env`` (and TERM) in a new window of its own."""
        command = ["env", "-i", *(f"{k}={v}" for k, v in {**env, "TERM": term}.items()),
                   *argv]
        window = f"w{len(self.panes)}"
        size = ["-x", str(self.width), "-y", str(self.height)]
        if not self._started:
            self.run("new-session", "-d", "-s", "t", "-n", window, *size, "sleep 1000000")
            self._started = True
            for option in (("status", "off"), ("remain-on-exit", "on"),
                           ("history-limit", "100"), ("escape-time", "0")):
                self.run("set-option", "-g", *option)
        else:
            self.run("new-window", "-d", "-t", "t", "-n", window, "sleep 1000000")
        target = f"t:{window}"
        self.run("set-option", "-g", "default-terminal", term)
        # (resize-window also makes the size manual; setting "window-size manual" globally
        # makes tmux 3.3a crash on the next new-window)
        self.run("resize-window", "-t", target, *size)
        self.run("respawn-pane", "-k", "-t", target, *command)
        pane = Pane(self, target, name or window)
        got = self.run("display-message", "-p", "-t", target,
                       "#{pane_width}x#{pane_height}").strip()
        if got != f"{self.width}x{self.height}":
            raise RuntimeError(f"pane {name} is {got}, not {self.width}x{self.height}")
        self.panes.append(pane)
        return pane

    def close(self) -> None:
        if self._started:
            self.run("kill-server", check=False)
            self._started = False

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Pane:
    def __init__(self, tmux: Tmux, target: str, name: str) -> None:
        self.tmux = tmux
        self.target = target
        self.name = name

    def send(self, *keys: str) -> None:
        self.tmux.run("send-keys", "-t", self.target, *keys)

    def type(self, text: str) -> None:
        self.tmux.run("send-keys", "-t", self.target, "-l", text)

    def screen(self) -> str:
        return self.tmux.run("capture-pane", "-p", "-t", self.target)

    def lines(self) -> list[str]:
        return self.screen().splitlines()

    def _format(self, fmt: str) -> str:
        return self.tmux.run("display-message", "-p", "-t", self.target, fmt).strip()

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 20.0) -> re.Match[str]:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            match = regex.search(screen)
            if match:
                return match
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: {regex.pattern!r} did not appear within "
                                     f"{timeout} s. The screen:\n{screen}")
            time.sleep(POLL)

    def wait_gone(self, pattern: str | re.Pattern[str], timeout: float = 20.0) -> None:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        while regex.search(screen := self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: {regex.pattern!r} still there after "
                                     f"{timeout} s. The screen:\n{screen}")
            time.sleep(POLL)

    def dead(self) -> bool:
        return self._format("#{pane_dead}") == "1"

    def exit_status(self) -> int | None:
        return int(self._format("#{pane_dead_status}")) if self.dead() else None

    def pid(self) -> int:
        return int(self._format("#{pane_pid}"))

    def flags(self) -> dict[str, Any]:
        """Terminal modes the program left on: alternate screen, hidden cursor, mouse..."""
        names = ("alternate_on", "cursor_flag", "keypad_cursor_flag", "keypad_flag",
                 "mouse_any_flag", "insert_flag")
        values = self._format(" ".join(f"#{{{n}}}" for n in names)).split()
        return dict(zip(names, values, strict=True))
