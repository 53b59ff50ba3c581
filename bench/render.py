"""Our terminal emulator and widget against tmux (and urwid's own emulator) on pty output."""

# Run from the project root: .venv/bin/python bench/render.py [--runs N] [--no-urwid]
# bench/README.md says what is measured.

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import urwid
import urwid.vterm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from remote_help.term import screen as vterm  # noqa: E402
from remote_help.term.screen import Screen  # noqa: E402
from remote_help.ui.shared import FEED_BUDGET, FEED_COST, FEED_SLICE  # noqa: E402
from remote_help.ui.termview import TerminalView  # noqa: E402

COLS, ROWS = 80, 24
FRAME = 1 / 30  # the UI draws at most this often
READ = 64 * 1024
LINES = 200_000
REPLAYS = 50


def on_pty(argv: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start argv on a fresh 80x24 pty; return the process and the master side."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    return proc, master


class Ours:
    """The shared view's path: read the pty, feed the Screen, draw the widget at 30 fps."""

    name = "ours"

    def __init__(self) -> None:
        self.screen = Screen(COLS, ROWS)
        self.view = TerminalView(self.screen, None, colors=256)

    def feed(self, data: bytes) -> None:
        self.screen.feed(data)

    def draw(self) -> None:
        self.view._invalidate()
        self.view.render((COLS, ROWS), focus=True)

    def lines(self) -> list[str]:
        return self.screen.text_lines()


class _Stub:
    """What urwid's TermCanvas calls back into, answering nothing."""

    def __init__(self) -> None:
        self.term_modes = urwid.vterm.TermModes()

    def respond(self, data: str) -> None: ...
    def set_title(self, title: str) -> None: ...
    def beep(self) -> None: ...
    def leds(self, which: str) -> None: ...


class UrwidVterm:
    """urwid's Terminal widget's emulator, fed and drawn the same way."""

    name = "urwid.vterm"

    def __init__(self) -> None:
        self.term = urwid.vterm.TermCanvas(COLS, ROWS, _Stub())

    def feed(self, data: bytes) -> None:
        self.term.addstr(data)

    def draw(self) -> None:
        list(self.term.content())

    def lines(self) -> list[str]:
        return [b"".join(text for _, _, text in row).decode("utf-8", "replace").rstrip()
                for row in self.term.content()]


def run_ours(make: Callable[[], Ours | UrwidVterm], argv: list[str]) -> tuple[float, list[str]]:
    """Seconds from starting argv until its last byte is drawn, and the final screen."""
    emulator = make()
    start = time.perf_counter()
    proc, master = on_pty(argv)
    last_draw = start
    try:
        while True:
            try:
                data = os.read(master, READ)
            except OSError:  # EIO: the program ended and its side of the pty closed
                break
            if not data:
                break
            emulator.feed(data)
            now = time.perf_counter()
            if now - last_draw >= FRAME:
                emulator.draw()
                last_draw = now
        emulator.draw()
        elapsed = time.perf_counter() - start
    finally:
        os.close(master)
        proc.wait()
    return elapsed, emulator.lines()


def run_tmux(command: str, expected: list[str]) -> float:
    """Seconds for a private tmux server to start, run command in an 80x24 pane and show
    ``expected`` (polled with capture-pane after the command says it is done)."""
    sock = Path(tempfile.gettempdir()) / f"rh-bench-{uuid.uuid4().hex[:10]}.sock"
    base = ["tmux", "-S", str(sock), "-f", "/dev/null"]
    start = time.perf_counter()
    try:
        subprocess.run([*base, "new-session", "-d", "-x", str(COLS), "-y", str(ROWS),
                        f"{command}; tmux wait-for -S done; sleep 60", ";",
                        "set", "-g", "status", "off"], check=True)
        subprocess.run([*base, "wait-for", "done"], check=True, timeout=60)
        while _capture(base) != expected:
            if time.perf_counter() - start > 20:
                raise RuntimeError("tmux never showed the expected screen")
        return time.perf_counter() - start
    finally:
        subprocess.run([*base, "kill-server"], capture_output=True, check=False)
        sock.unlink(missing_ok=True)  # tmux 3.3a leaves its socket file behind


def _capture(base: list[str]) -> list[str]:
    out = subprocess.run([*base, "capture-pane", "-p"], capture_output=True, check=True)
    return [line.rstrip() for line in out.stdout.decode("utf-8", "replace").split("\n")[:ROWS]]


def median(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def scenario(title: str, argv: list[str], tmux_command: str, runs: int,
             with_urwid: bool) -> None:
    _, expected = run_ours(Ours, argv)
    blank = [""] * ROWS
    tmux = median(runs, lambda: run_tmux(tmux_command, expected))
    tmux_idle = median(runs, lambda: run_tmux("true", blank))
    ours = median(runs, lambda: run_ours(Ours, argv)[0])
    net = tmux - tmux_idle
    print(f"\n{title}")
    print(f"  tmux, start to final screen   {tmux:8.3f} s")
    print(f"  tmux running `true` instead   {tmux_idle:8.3f} s   (its fixed start-up cost)")
    print(f"  tmux net                      {net:8.3f} s")
    print(f"  ours, spawn to final draw     {ours:8.3f} s")
    print(f"  ratio ours / tmux             {ours / tmux:8.2f}")
    print(f"  ratio ours / tmux net         {ours / net:8.2f}")
    if with_urwid:
        slow = median(runs, lambda: run_ours(UrwidVterm, argv)[0])
        print(f"  urwid.vterm, same loop        {slow:8.3f} s")
        print(f"  ratio urwid.vterm / tmux      {slow / tmux:8.2f}   (net {slow / net:.1f})")


# Output that costs the emulator the most per byte (issue 9, weaknesses 4 and 10), and
# plain text and colours for comparison; each flood is one FEED_SLICE long.
FLOODS = {
    "text (seq)": "".join(f"{i}\r\n" for i in range(1, 20000)).encode(),
    "colours (SGR 38;5/48;5/38;2)": b"".join(
        b"\x1b[38;5;%dm\x1b[48;5;%dm#\x1b[38;2;%d;%d;%dmX" % (i % 256, i * 7 % 256, i % 200,
                                                             i % 100, i % 50)
        for i in range(5000)),
    "clear screen (ED 2)": b"\x1b[2J",
    "reset (RIS)": b"\x1bc",
    "align (DECALN)": b"\x1b#8",
    "insert 999 lines (IL)": b"\x1b[999L",
    "scroll a region 999 (SU)": b"\x1b[2;79r\x1b[3H\x1b[999S",
    "alternate screen on/off": b"\x1b[?1049h\x1b[?1049l",
}


def cold() -> None:
    """Forget what the emulator remembers about SGRs, so both runs start alike."""
    for cache in (vterm._styles_cache, vterm._sgr_cache, vterm._numbers_cache):
        cache.clear()


def budget(cols: int = 250, rows: int = 80) -> None:
    """The shared view's turns (FEED_BUDGET of parsing, FEED_COST units between looks at
    the clock) under each flood, against one unbudgeted 64 KiB slice (the turn before)."""
    print(f"\ncostly floods at {cols}x{rows}: one turn of the shared view, budgeted by cost "
          f"({FEED_BUDGET * 1000:.0f} ms, {FEED_COST} units between looks at the clock)")
    print(f"  {'flood':30s} {'turn median':>11s} {'turn max':>9s} {'max/budget':>10s} "
          f"{'ns/unit':>8s} {'KiB/s':>8s} {'64 KiB at once':>15s} {'at once/turn':>12s}")
    for name, sequence in FLOODS.items():
        data = (sequence * (FEED_SLICE // len(sequence) + 1))[:FEED_SLICE]
        data = data[:len(data) - len(data) % len(sequence)] if len(sequence) < 64 else data
        cold()
        screen = Screen(cols, rows)
        turns, units = [], 0
        started = time.perf_counter()
        screen.feed(data, 1)
        while screen.behind:
            begun = time.perf_counter()
            while screen.behind and time.perf_counter() - begun < FEED_BUDGET:
                screen.feed(b"", FEED_COST)
                units += screen.cost
            turns.append(time.perf_counter() - begun)
        total = time.perf_counter() - started
        cold()
        whole = Screen(cols, rows)
        begun = time.perf_counter()
        whole.feed(data)
        at_once = time.perf_counter() - begun
        worst = max(turns)
        print(f"  {name:30s} {statistics.median(turns) * 1000:8.1f} ms {worst * 1000:6.1f} ms "
              f"{worst / FEED_BUDGET:10.2f} {sum(turns) / units * 1e9:8.1f} "
              f"{len(data) / 1024 / total:8.0f} {at_once * 1000:12.1f} ms "
              f"{at_once / worst:12.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="median of this many (5)")
    parser.add_argument("--no-urwid", action="store_true", help="skip urwid's emulator")
    parser.add_argument("--budget-only", action="store_true",
                        help="only the costly floods (no tmux needed)")
    args = parser.parse_args()
    budget()
    if args.budget_only:
        return 0
    if shutil.which("tmux") is None:
        print("tmux is not installed: it is the reference")
        return 1
    print(f"urwid {urwid.__version__}, median of {args.runs} runs, {COLS}x{ROWS}")
    scenario(f"seq 1 {LINES} on a pty", ["seq", "1", str(LINES)], f"seq 1 {LINES}",
             args.runs, not args.no_urwid)
    corpus = ROOT / "tests" / "ui" / "corpus"
    with tempfile.TemporaryDirectory() as tmp:
        replay = Path(tmp) / "replay.bin"
        replay.write_bytes(((corpus / "top.bin").read_bytes() + (corpus / "vim.bin").read_bytes()
                            ) * REPLAYS)
        size = replay.stat().st_size // 1024
        cat = f"stty -opost -echo; cat {replay}"
        scenario(f"top and vim redraws replayed {REPLAYS} times ({size} KiB) on a pty",
                 ["sh", "-c", cat], cat, args.runs, not args.no_urwid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
