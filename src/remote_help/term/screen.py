"""The terminal emulator of the shared view: bytes from the shell in, a grid of cells out.

``Screen`` is built in layers, one module each, every class adding one concern to the one
below it:

    attrs.py     a cell's attribute as one int, and what SGR does to it
    grid.py      Grid: cells, cursor and scroll region; scrolling, erasing, editing; the
                 cost units that bound the work
    text.py      Printer(Grid): text written at the cursor, character sets, C0 controls
    commands.py  Commands(Printer): what each ESC and CSI sequence does; modes; queries
    parser.py    Parser(Commands): bytes to calls, with a fast path and a budget
    screen.py    Screen(Parser): what the views use, and the names they draw cells with

The views import everything from here, so that how the layers are cut stays inside term/.
"""

from __future__ import annotations

from remote_help.term import attrs, commands, grid, parser
from remote_help.term.attrs import (
    BG_MASK,
    BG_SHIFT,
    BLINK,
    BOLD,
    COLOR_BITS,
    COLOR_MASK,
    DEFAULT,
    DIM,
    HIDDEN,
    ITALIC,
    REVERSE,
    STRIKE,
    UNDERLINE,
    Attr,
    bg_of,
    fg_of,
    rgb_to_256,
    sgr,
)
from remote_help.term.grid import SGR_STEP, STEP, UNLIMITED, char_width
from remote_help.term.parser import GROUND, MAX_CACHED_RUN, Parser
from remote_help.term.text import MAX_CELL

__all__ = [
    "BG_MASK", "BG_SHIFT", "BLINK", "BOLD", "COLOR_BITS", "COLOR_MASK", "DEFAULT", "DIM",
    "GROUND", "HIDDEN", "ITALIC", "MAX_CACHED_RUN", "MAX_CELL", "REVERSE", "SGR_STEP",
    "STEP", "STRIKE", "UNDERLINE", "UNLIMITED", "Attr", "Screen", "bg_of", "char_width",
    "fg_of", "rgb_to_256", "sgr",
]

# The emulator's caches (the same objects) and their bound, under the names that
# tests/ui/test_vterm.py (which checks that they stay bounded) and bench/render.py
# (which empties them between runs) have always used.
_CACHE_LIMIT = attrs.CACHE_LIMIT
_widths = grid._widths
_sgr_cache = attrs._sgr_cache
_numbers_cache = commands._numbers_cache
_styles_cache = parser._styles_cache


class Screen(Parser):
    """The emulated terminal: feed it the shell's bytes, read rows of (text, attr) runs.

    Only harmless queries are answered (device attributes, status, cursor position), and
    only when ``answer`` is given; every string (titles, clipboard, colour queries, DCS) is
    swallowed without being stored.

    The work is counted (see STEP), and ``feed`` can stop when a budget is spent: whatever
    the shell prints, the caller gets control back after a bounded amount of work, and
    the rest is parsed on the next call as if it had never stopped.

    ``Screen(cols, rows, answer=...)``; ``feed``, ``behind`` and ``unparsed`` come from
    the parser, ``row``, ``text_lines``, ``cursor`` and the modes from the layers below.
    """

    def reset(self) -> None:
        """Back to power-on, also forgetting any half-received character or sequence and
        whatever was not parsed yet."""
        self._decoder.reset()
        self._todo, self._at = "", 0
        self._reset()
        self.generation += 1

    def resize(self, cols: int, rows: int) -> None:
        """Change the grid size, keeping the text above the cursor (no reflow)."""
        cols, rows = max(1, cols), max(1, rows)
        self._chars, self._attrs, self._y = self._resized(
            self._chars, self._attrs, cols, rows, self._y)
        if self._other is not None:
            chars, attrs, _ = self._resized(*self._other, cols, rows, 0)
            self._other = (chars, attrs)
        self._tabs = (self._tabs + self._default_tabs(cols)[len(self._tabs):])[:cols]
        self.cols, self.rows = cols, rows
        self._top, self._bottom = 0, rows - 1
        self._x = min(self._x, cols - 1)
        self._wrap = False
        self.generation += 1
