"""tmux as the reference terminal for the emulator tests: what it shows for some bytes."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

_DEC = str.maketrans(dict(zip("_`abcdefghijklmnopqrstuvwxyz{|}~",
                              " ◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·", strict=True)))
_SGR = re.compile(r"\x1b\[[0-9;:]*m")


@dataclass
class TmuxScreen:
    lines: list[str]  # rstripped, line-drawing characters as Unicode
    cursor: tuple[int, int]  # a pending wrap (x == cols in tmux) shown in the last column
    escaped: list[str]  # capture-pane -e: SGR and SO/SI carried from line to line


class Tmux:
    """Runs a private tmux server per call: a pane of exactly cols x rows, no status line,
    that cats the bytes through a pty without output processing."""

    def screen(self, data: bytes, cols: int = 80, rows: int = 24) -> TmuxScreen:
        with tempfile.NamedTemporaryFile(prefix="vterm", delete=False) as f:
            f.write(data)
        sock = Path(tempfile.gettempdir()) / f"rh-vterm-{uuid.uuid4().hex[:12]}.sock"
        base = ["tmux", "-S", str(sock), "-f", "/dev/null"]
        try:
            command = f"stty -opost -echo; cat {f.name}; tmux wait-for -S done; sleep 120"
            subprocess.run([*base, "new-session", "-d", "-x", str(cols), "-y", str(rows),
                            command, ";", "set", "-g", "status", "off"], check=True)
            subprocess.run([*base, "wait-for", "done"], check=True, timeout=30)
            size = self._ask(base, "#{pane_width}x#{pane_height}")
            assert size == f"{cols}x{rows}", size
            return self._settled(base, cols, rows)
        finally:
            subprocess.run([*base, "kill-server"], capture_output=True, check=False)
            sock.unlink(missing_ok=True)  # tmux 3.3a leaves its socket file behind
            Path(f.name).unlink()

    def _settled(self, base: list[str], cols: int, rows: int) -> TmuxScreen:
        """Capture until two captures agree: the server may still be reading the pty."""
        last = None
        for _ in range(40):
            escaped = subprocess.run([*base, "capture-pane", "-p", "-e"], capture_output=True,
                                     check=True).stdout.decode().split("\n")[:rows]
            x, y = map(int, self._ask(base, "#{cursor_x} #{cursor_y}").split())
            now = (escaped, (min(x, cols - 1), y))
            if now == last:
                break
            last = now
            time.sleep(0.05)
        return TmuxScreen(_plain(escaped), now[1], escaped)

    @staticmethod
    def _ask(base: list[str], fmt: str) -> str:
        return subprocess.run([*base, "display", "-p", fmt], capture_output=True, text=True,
                              check=True).stdout.strip()


def _plain(escaped: list[str]) -> list[str]:
    """capture-pane -e lines without SGR, the SO...SI parts drawn as lines."""
    out, shifted = [], False
    for line in escaped:
        text = ""
        for part in re.split(r"([\x0e\x0f])", _SGR.sub("", line)):
            if part in ("\x0e", "\x0f"):
                shifted = part == "\x0e"
            else:
                text += part.translate(_DEC) if shifted else part
        out.append(text.rstrip())
    return out


@pytest.fixture(scope="session")
def tmux() -> Tmux:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    return Tmux()
