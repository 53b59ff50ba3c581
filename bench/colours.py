"""A hostile colour flood through the friend's full-screen view: how much memory grows.

Run from the project root: .venv/bin/python bench/colours.py [--minutes 2] [--size 200x60]
What is measured: the comment below; the numbers measured: docs/decisions.md (issue 9).
"""

# Every cell gets 24-bit colours never seen before (foreground and background), and a
# changing mix of bold, italic, underline, blink, reverse and strike: the emulator maps
# them to the 256-colour palette, so about 4 million distinct attributes exist, each of
# which the view once kept an urwid AttrSpec for, forever. The reference, in the same run
# and for the same time, is the same flood with one colour: what memory does when
# nothing new is remembered. Both go through the whole path: SharedTerminal (the view's
# parsing in frames), TerminalView and the status line rendered by urwid, and urwid's
# raw_display writing the frames (to /dev/null; on a pty it would be the same bytes).

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import urwid
from urwid import raw_display

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from remote_help.ui.palette import PALETTE  # noqa: E402
from remote_help.ui.shared import SharedTerminal  # noqa: E402

FRAME = 1 / 30
CHUNK = 32 * 1024
STYLES = (1, 3, 4, 5, 7, 9)  # SGR bold, italic, underline, blink, reverse, strike


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def flood(distinct: bool) -> Iterator[bytes]:
    """Chunks of cells, each with its own colours and styles (or all the same)."""
    n = 0
    while True:
        out = []
        for _ in range(CHUNK // 48):
            n += 1
            c = (n * 2654435761) & 0xFFFFFF if distinct else 0x123456
            d = (n * 40503 + 7) & 0xFFFFFF if distinct else 0x654321
            styles = ";".join(str(s) for i, s in enumerate(STYLES) if distinct and n >> i & 1)
            out.append(f"\x1b[0;{styles or 22};38;2;{c >> 16};{c >> 8 & 255};{c & 255};"
                       f"48;2;{d >> 16};{d >> 8 & 255};{d & 255}m#")
        yield "".join(out).encode()


@dataclasses.dataclass
class Result:
    seconds: float
    fed_mib: float
    frames: int
    start: float  # RSS, MiB
    end: float
    peak: float
    samples: list[float]  # RSS at each fifth of the run: flat once the caches are full


async def run(seconds: float, size: tuple[int, int], distinct: bool) -> Result:
    cols, rows = size
    master, slave = os.openpty()
    sink = open(os.devnull, "w")  # noqa: SIM115, ASYNC230 (closed below; /dev/null)
    screen = raw_display.Screen(input=os.fdopen(slave, "rb", buffering=0), output=sink)
    screen.set_terminal_properties(colors=256)
    screen.register_palette(PALETTE)
    screen.get_cols_rows = lambda: (cols, rows)  # type: ignore[method-assign]
    screen.start()
    view = SharedTerminal("friend", (cols, rows), lambda: None, colors=256, utf8=True)
    view.set_peer("helper", "192.0.2.7")
    chunks = flood(distinct)
    gc.collect()
    start_rss = rss_mib()
    started = time.monotonic()
    peak = start_rss
    fed = frames = 0
    next_frame = started
    samples: list[float] = []
    try:
        while (now := time.monotonic()) - started < seconds:
            if not view.busy:
                data = next(chunks)
                view.show(data)
                fed += len(data)
            if now >= next_frame:
                canvas = view.widget.render((cols, rows), focus=True)
                screen.draw_screen((cols, rows), canvas)
                frames += 1
                next_frame = now + FRAME
                peak = max(peak, rss_mib())
                if now - started >= seconds * (len(samples) + 1) / 5:
                    samples.append(rss_mib())
            await asyncio.sleep(0)
    finally:
        view.close()
        screen.stop()
        sink.close()
        os.close(master)
    gc.collect()
    end_rss = rss_mib()
    return Result(time.monotonic() - started, fed / 2**20, frames, start_rss, end_rss, peak,
                  samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0,
                        help="how long the hostile flood runs (the reference: a tenth)")
    parser.add_argument("--size", default="200x60", help="the friend's window, COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(v) for v in args.size.split("x"))
    print(f"urwid {urwid.__version__}, {cols}x{rows}, hostile flood {args.minutes} min")
    reference = asyncio.run(run(max(10.0, args.minutes * 6), (cols, rows), distinct=False))
    hostile = asyncio.run(run(args.minutes * 60, (cols, rows), distinct=True))
    for name, r in (("one colour (reference)", reference), ("all colours distinct", hostile)):
        print(f"{name:24} {r.seconds:7.1f} s  {r.fed_mib:8.1f} MiB fed  {r.frames:6d} frames  "
              f"RSS {r.start:6.1f} -> {r.end:6.1f} MiB (peak {r.peak:.1f}): "
              f"{r.end - r.start:+.1f} MiB")
        print(f"{'':24} RSS at each fifth: " + " ".join(f"{v:.1f}" for v in r.samples))
    growth = hostile.end - hostile.start
    base = reference.end - reference.start
    print(f"hostile growth {growth:+.1f} MiB, reference {base:+.1f} MiB; "
          f"the budget (issue 9) is +20 MiB over 30 minutes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
