"""Characters whose width the tables disagree on: the generated list matches the tables
this machine has, and what reaches urwid and the terminal is measured alike by all."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
import urwid
from urwid import util

from remote_help.term import screen as vterm
from remote_help.term import width
from tests import tui
from tests.tui import Tmux

tmux = tui.tmux

# The characters of the issue: each froze the friend's screen (urwid counts them wider)
# or scrolled it (tmux and glibc count them wider than Python's tables).
KNOWN = ["\ufe0f", "\u200d", "\u05b0", "\u0651", "\u093f", "\u2e2e", "\u4dc0", "\u4dff"]


def urwid_width(text: str) -> int:
    util.set_encoding("utf8")
    calc = getattr(urwid, "calc_width", None) or util.calc_width
    data = text.encode()
    return int(calc(data, 0, len(data)))


@pytest.fixture(scope="module")
def tables() -> dict[str, bytes]:
    return width.measure()


def test_every_disagreement_this_machine_has_is_in_the_list(tables: dict[str, bytes]) -> None:
    """Regenerated from the tables at hand (Python's, this urwid's, glibc's): every range
    found is in the list with the same width. The list was made with both urwids, so
    it may hold more (what only the other urwid disagrees on)."""
    regenerated = width.generate(tables)
    assert regenerated, "the tables agree on everything? the comparison is broken"
    listed = {cp: cells for first, last, cells in width.UNCERTAIN
              for cp in range(first, last + 1)}
    missing = [(hex(first), hex(last)) for first, last, cells in regenerated
               if any(listed.get(cp) != cells for cp in range(first, last + 1))]
    assert not missing, f"term/width.py is out of date (regenerate it): {missing[:10]}"


def test_the_list_gives_glibcs_width(tables: dict[str, bytes]) -> None:
    glibc = tables["glibc"]
    for first, last, cells in width.UNCERTAIN:
        for cp in (first, last):
            expected = 0 if glibc[cp] == 1 else max(1, glibc[cp] - 1)
            assert cells == expected, hex(cp)


def test_the_issues_characters_are_in_it() -> None:
    for ch in KNOWN:
        assert width.agreed(ch) is not None, hex(ord(ch))
    assert width.agreed("a") is None and width.agreed("\u4e2d") is None


def test_what_is_shown_measures_the_same_everywhere(tables: dict[str, bytes]) -> None:
    """After shown(), urwid, glibc and the emulator agree on every character of the list,
    alone and after a letter, a CJK character and an emoji."""
    glibc = tables["glibc"]
    for first, last, _ in width.UNCERTAIN:
        for cp in {first, (first + last) // 2, last}:
            ch = chr(cp)
            cells = vterm.char_width(ch)
            text = width.shown(ch)
            assert text.isascii() and len(text) == cells, hex(cp)
            for base in ("a", "\u4e2d", "\U0001f44d"):
                together = width.shown(base + ch)
                assert urwid_width(together) == urwid_width(base) + cells, hex(cp)
    del glibc


def test_text_without_them_is_untouched() -> None:
    text = "Grüße, 中文, \U0001f600, e\u0301"
    assert width.shown(text) == text


def test_the_translation_table_stays_small() -> None:
    rng = random.Random(9)
    for _ in range(20_000):
        width.shown(chr(rng.randrange(0x80, 0x30000)))
    assert len(width._SHOWN) <= width._KEPT


@pytest.mark.timed
def test_importing_it_is_cheap(tmp_path: Path) -> None:
    code = "import time; t = time.perf_counter(); import remote_help.term.width; " \
           "print(time.perf_counter() - t)"
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "", "PYTHONPYCACHEPREFIX": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)  # writes the .pyc
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env,
                         capture_output=True, text=True).stdout
    assert time.perf_counter() - started < 10  # sanity on a loaded machine
    assert float(out) < 0.02, f"importing the width table took {float(out) * 1000:.1f} ms"


MEASURE = r"""
import os, sys, termios, tty
chars = [chr(int(cp, 16)) for cp in sys.argv[2].split(",")]
fd = os.open("/dev/tty", os.O_RDWR)
tty.setraw(fd)
out = []
for ch in chars:
    os.write(fd, ("\r\x1b[2KA" + ch + "\x1b[6n").encode())
    reply = b""
    while not reply.endswith(b"R"):
        reply += os.read(fd, 32)
    out.append(str(int(reply.rsplit(b";", 1)[1][:-1]) - 2))
open(sys.argv[1], "w").write(",".join(out))
os.write(fd, b"\r\nMEASURED\r\n")
"""


def test_tmux_draws_them_as_glibc_counts(tmux: Tmux, tables: dict[str, bytes],
                                         tmp_path: Path) -> None:
    """tmux 3.3a (built without utf8proc here) measures with glibc's wcwidth and drops
    what has no width there (we draw those as "?"): so tmux is one of the tables, and
    the list, made from glibc's, is tmux's too. Measured in a pane (tmux answers the
    cursor position itself) at both ends of every range of the list."""
    sample = sorted({cp for first, last, _ in width.UNCERTAIN for cp in (first, last)})
    script, result = tmp_path / "measure.py", tmp_path / "widths"
    script.write_text(MEASURE)
    pane = tmux.pane([sys.executable, str(script), str(result),
                      ",".join(f"{cp:x}" for cp in sample)], {"LANG": "C.UTF-8"})
    pane.wait_for("MEASURED", timeout=120)
    measured = [int(w) for w in result.read_text().split(",")]
    glibc = tables["glibc"]
    wrong = [(hex(cp), got, glibc[cp] - 1) for cp, got in zip(sample, measured, strict=True)
             if got != max(0, glibc[cp] - 1)]
    assert not wrong, f"tmux's widths differ from glibc's: {wrong[:10]}"
    for cp, got in zip(sample, measured, strict=True):
        if got:  # drawn by tmux: the list gives it tmux's width
            assert width.cells(chr(cp)) == got, hex(cp)
