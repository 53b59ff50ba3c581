"""The emulator's grid: cells, the cursor and the scroll region, and what moves them.

Everything below the parser that is not about text: line feeds and tabs, scrolling,
erasing, inserting and deleting cells and lines, and cursor moves, each counting its work
in cost units. The grid keeps each row as two lists, its characters and their attributes,
so that a row is changed by slicing, not cell by cell.
"""

from __future__ import annotations

import sys

from remote_help.term import width as term_width
from remote_help.term.attrs import BG_MASK, CACHE_LIMIT, DEFAULT, Attr

# The parser's work is counted in cost units, so that a budget bounds the time it takes
# whatever the bytes (see Screen.feed): a cell written, blanked, moved or allocated by a
# list operation counts 1, a character read counts 1, and each step taken one at a time
# in Python (a sequence, a row, a line, a character of non-ASCII text) counts STEP more.
# Measured at 250x80, a unit then costs 3-20 ns whatever is parsed (bench/render.py).
STEP = 32
SGR_STEP = 32 * STEP  # an SGR worked out anew (not remembered): 5-10 us with true colour
UNLIMITED = sys.maxsize

_widths: dict[str, int] = {}


def char_width(ch: str) -> int:
    """Cells taken by one character: 0 (combining), 1, or 2 (East Asian wide); -1 for
    format characters (bidi overrides, line separators...), which are never shown. A
    character whose width the tables disagree on takes glibc's (term/width.py); the view
    draws it as that many placeholders."""
    width = _widths.get(ch)
    if width is None:
        width = term_width.cells(ch)
        if len(_widths) >= CACHE_LIMIT:
            _widths.clear()
        _widths[ch] = width
    return width


def _fit_chars(row: list[str], cols: int) -> list[str]:
    """A row of characters cut or padded to ``cols``, never ending in half a wide one."""
    if len(row) < cols:
        return row + [" "] * (cols - len(row))
    row = row[:cols]
    if row[-1] and char_width(row[-1][0]) == 2:
        row[-1] = " "
    return row


class Grid:
    """The cells and the cursor, and the operations on them that sequences call for.

    ``cost`` counts the work of the feed under way (see STEP); ``_limit`` is its budget,
    which the longest operations look at to stop early. ``generation`` changes whenever
    what is shown may have: a view redraws only then.
    """

    def __init__(self, cols: int, rows: int) -> None:
        self.cols = max(1, cols)
        self.rows = max(1, rows)
        self.generation = 0
        self.cost = 0  # the cost units the last feed spent
        self._limit = UNLIMITED
        self._reset()

    # -- state -------------------------------------------------------------------------

    def _reset(self) -> None:
        """The grid back to power-on (RIS), blank; each layer above adds its own state."""
        self._attr: Attr = DEFAULT
        self._x = self._y = 0
        self._wrap = False  # pending wrap: the last column was just written
        self._top, self._bottom = 0, self.rows - 1
        self._chars, self._attrs = self._blank_grid()
        self._tabs = self._default_tabs(self.cols)
        self.origin = False
        self.newline_mode = False

    def _blank_grid(self) -> tuple[list[list[str]], list[list[Attr]]]:
        self.cost += self.rows * (self.cols + STEP)
        return ([[" "] * self.cols for _ in range(self.rows)],
                [[DEFAULT] * self.cols for _ in range(self.rows)])

    @staticmethod
    def _default_tabs(cols: int) -> list[bool]:
        return [x % 8 == 0 and x > 0 for x in range(cols)]

    @property
    def cursor(self) -> tuple[int, int]:
        return (self._x, self._y)

    @property
    def margins(self) -> tuple[int, int]:
        """The scroll region's first and last row."""
        return (self._top, self._bottom)

    @property
    def attr(self) -> Attr:
        """The attribute the next character is written with."""
        return self._attr

    # -- reading -----------------------------------------------------------------------

    def text_lines(self) -> list[str]:
        """Each row as plain text, trailing blanks removed."""
        return ["".join(chars).rstrip() for chars in self._chars]

    def row(self, y: int) -> list[tuple[str, Attr]]:
        """Row ``y`` as runs of (text, attr) covering exactly ``cols`` cells."""
        chars, attrs = self._chars[y], self._attrs[y]
        first = attrs[0]
        if attrs.count(first) == len(attrs):
            return [("".join(chars), first)]
        runs: list[tuple[str, Attr]] = []
        start = 0
        for x in range(1, len(attrs)):
            if attrs[x] != attrs[x - 1]:
                runs.append(("".join(chars[start:x]), attrs[x - 1]))
                start = x
        runs.append(("".join(chars[start:]), attrs[-1]))
        return runs

    def _resized(self, chars: list[list[str]], attrs: list[list[Attr]], cols: int,
                 rows: int, y: int) -> tuple[list[list[str]], list[list[Attr]], int]:
        chars = [_fit_chars(row, cols) for row in chars]
        attrs = [(row + [DEFAULT] * cols)[:cols] for row in attrs]
        if rows < len(chars):
            drop_bottom = min(len(chars) - rows, len(chars) - 1 - y)
            del chars[len(chars) - drop_bottom:], attrs[len(attrs) - drop_bottom:]
            drop_top = len(chars) - rows
            del chars[:drop_top], attrs[:drop_top]
            y -= drop_top
        while len(chars) < rows:
            chars.append([" "] * cols)
            attrs.append([DEFAULT] * cols)
        return chars, attrs, y

    # -- line feeds and tabs -----------------------------------------------------------

    def _linefeed(self) -> None:
        self._wrap = False
        if self._y == self._bottom:
            self._scroll_up(1)
        elif self._y < self.rows - 1:
            self._y += 1
        if self.newline_mode:
            self._x = 0

    def _reverse_index(self) -> None:
        self._wrap = False
        if self._y == self._top:
            self._scroll_down(1)
        elif self._y > 0:
            self._y -= 1

    def _backspace(self) -> None:
        # Like tmux: from a pending wrap, one step left of the (virtual) column past the end.
        if self._wrap:
            self._wrap = False
        elif self._x > 0:
            self._x -= 1

    def _tab(self, count: int) -> None:
        if self._wrap:
            return
        x, last = self._x, self.cols - 1
        for _ in range(count):
            if x >= last:
                break
            x += 1
            while x < last and not self._tabs[x]:
                x += 1
        self.cost += x - self._x
        self._x = min(x, last)

    def _back_tab(self, count: int) -> None:
        x = self._x
        for _ in range(count):
            if x <= 0:
                break
            x -= 1
            while x > 0 and not self._tabs[x]:
                x -= 1
        self.cost += self._x - x
        self._x, self._wrap = max(x, 0), False

    # -- scrolling and editing ---------------------------------------------------------

    def _scroll_up(self, count: int, top: int | None = None) -> None:
        top = self._top if top is None else top
        bottom = self._bottom
        count = min(count, bottom - top + 1)
        if top == 0 and count == 1 and bottom == self.rows - 1:
            del self._chars[0], self._attrs[0]
            self._chars.append([" "] * self.cols)
            self._attrs.append([self._attr & BG_MASK] * self.cols)
            self.cost += self.cols + STEP
            return
        del self._chars[top:top + count], self._attrs[top:top + count]
        self._insert_rows(bottom - count + 1, count)

    def _scroll_down(self, count: int, top: int | None = None) -> None:
        top = self._top if top is None else top
        bottom = self._bottom
        count = min(count, bottom - top + 1)
        del self._chars[bottom - count + 1:bottom + 1], self._attrs[bottom - count + 1:bottom + 1]
        self._insert_rows(top, count)

    def _insert_rows(self, at: int, count: int) -> None:
        """Blank rows (in the current background) inserted before row ``at``, the rows
        below moving down (and off the grid's end: the caller removed as many)."""
        blank, cols = self._attr & BG_MASK, self.cols
        self._chars[at:at] = [[" "] * cols for _ in range(count)]
        self._attrs[at:at] = [[blank] * cols for _ in range(count)]
        self.cost += count * (cols + STEP) + self.rows

    def _blank_rows(self, start: int, end: int) -> None:
        """Rows start..end-1 blank in the current background: new rows, which is much
        cheaper than blanking each cell of the old ones."""
        if start < end:
            blank, cols = self._attr & BG_MASK, self.cols
            self._chars[start:end] = [[" "] * cols for _ in range(end - start)]
            self._attrs[start:end] = [[blank] * cols for _ in range(end - start)]
            self.cost += (end - start) * (cols + STEP)

    def _split_wide(self, chars: list[str], x: int) -> None:
        """Blank a wide character cut in two at column ``x``."""
        if 0 < x < len(chars) and chars[x] == "":
            chars[x - 1] = chars[x] = " "

    def _erase(self, y: int, start: int, end: int) -> None:
        """Blank cells start..end-1 of row y in the current background."""
        if start >= end:
            return
        chars, attrs = self._chars[y], self._attrs[y]
        self._split_wide(chars, start)
        self._split_wide(chars, end)
        chars[start:end] = [" "] * (end - start)
        attrs[start:end] = [self._attr & BG_MASK] * (end - start)
        self.cost += end - start + STEP

    def _erase_line(self, mode: int) -> None:
        x = self.cols if self._wrap else self._x
        if mode == 0:
            self._erase(self._y, x, self.cols)
        elif mode == 1:
            self._erase(self._y, 0, min(x + 1, self.cols))
        elif mode == 2:
            self._erase(self._y, 0, self.cols)

    def _erase_display(self, mode: int) -> None:
        if mode == 0:
            self._erase_line(0)
            self._blank_rows(self._y + 1, self.rows)
        elif mode == 1:
            self._blank_rows(0, self._y)
            self._erase_line(1)
        elif mode == 2:
            self._blank_rows(0, self.rows)

    def _insert_cells(self, chars: list[str], attrs: list[Attr], x: int, count: int) -> None:
        cols = self.cols
        count = min(count, cols - x)
        self._split_wide(chars, x)
        chars[x:x] = [" "] * count
        attrs[x:x] = [self._attr & BG_MASK] * count
        if chars[cols] == "":
            chars[cols - 1] = " "
        del chars[cols:], attrs[cols:]
        self.cost += cols + STEP

    def _delete_cells(self, count: int) -> None:
        x, cols = self._x, self.cols
        count = min(count, cols - x)
        chars, attrs = self._chars[self._y], self._attrs[self._y]
        self._split_wide(chars, x)
        self._split_wide(chars, x + count)
        del chars[x:x + count], attrs[x:x + count]
        chars.extend([" "] * count)
        attrs.extend([self._attr & BG_MASK] * count)
        self.cost += cols + STEP

    def _insert_lines(self, count: int) -> None:
        if self._top <= self._y <= self._bottom:
            self._scroll_down(count, self._y)
        self._wrap = False

    def _delete_lines(self, count: int) -> None:
        if self._top <= self._y <= self._bottom:
            self._scroll_up(count, self._y)
        self._wrap = False

    # -- cursor ------------------------------------------------------------------------

    def _goto(self, x: int, y: int) -> None:
        """Move to column x, row y (0-based, absolute), within the screen."""
        self._x = max(0, min(x, self.cols - 1))
        self._y = max(0, min(y, self.rows - 1))
        self._wrap = False

    def _goto_row(self, y: int) -> None:
        """Row y (0-based) as CUP and VPA mean it: relative to the margins in origin mode."""
        if self.origin:
            self._goto(self._x, min(y + self._top, self._bottom))
        else:
            self._goto(self._x, y)

    def _up(self, count: int) -> None:
        limit = self._top if self._y >= self._top else 0
        self._goto(self._x, max(self._y - count, limit))

    def _down(self, count: int) -> None:
        limit = self._bottom if self._y <= self._bottom else self.rows - 1
        self._goto(self._x, min(self._y + count, limit))

    def _left(self, count: int) -> None:
        x = self.cols if self._wrap else self._x  # like tmux after a pending wrap
        self._goto(x - count, self._y)
