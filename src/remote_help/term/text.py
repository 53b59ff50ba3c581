"""Text on the grid: characters written at the cursor, and the C0 controls met in text.

Printable ASCII with line feeds, the bulk of most output, is written a line or a piece of
one at a time; other text a character at a time, with its width (wide, combining, never
shown). The DEC line-drawing character set (SO/SI, ESC ( 0) is applied here, as text is
written.
"""

from __future__ import annotations

import re

from remote_help.term.grid import STEP, Grid, char_width

MAX_CELL = 8  # code points in one cell: a character and its combining marks
PIECE = 4096  # characters of one line written at once, before the budget is checked

_NEWLINE = re.compile(r"[\r\n]")
_DEC_GRAPHICS = str.maketrans(dict(zip(
    "_`abcdefghijklmnopqrstuvwxyz{|}~",
    " ◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·", strict=True)))


class Printer(Grid):
    """The grid, and text written on it: wrapping, insert mode, wide and combining
    characters, REP, the character sets, and the C0 controls."""

    def _reset(self) -> None:
        super()._reset()
        self._g = ["B", "B"]  # G0 and G1: "0" for line drawing, "B" for ASCII
        self._gl = 0  # which of them is in use (SO/SI)
        self._graphics = False
        self._last: str | None = None  # the character REP repeats
        self.autowrap = True
        self.insert = False

    # -- printing ----------------------------------------------------------------------

    def _text(self, run: str) -> int:
        """Printable ASCII with CR and LF, the bulk of most output; how much of ``run``
        was done (less than all of it when the budget ran out, after a line or a piece
        of one)."""
        pos = self._skip_scrolled(run) if "\n" in run else 0
        size, limit = len(run), self._limit
        search = _NEWLINE.search
        while pos < size:
            m = search(run, pos)
            stop = size if m is None else m.start()
            if stop > pos:
                if stop - pos > PIECE:  # a long line, in pieces
                    stop = pos + PIECE
                    self._ascii(run[pos:stop])
                    pos = stop
                    self.cost += STEP
                    if self.cost + pos >= limit:
                        return pos
                    continue
                self._ascii(run[pos:stop])
                pos = stop
                if m is None:
                    break
            if run[pos] == "\r":
                self._x, self._wrap = 0, False
            else:
                self._linefeed()
            self._last = None
            pos += 1
            self.cost += STEP
            if self.cost + pos >= limit:
                return pos
        return size

    def _skip_scrolled(self, run: str) -> int:
        """Drop the lines of ``run`` that would scroll off the top before it ends.

        With the whole screen as scroll region and at least 2*rows line feeds, the cursor
        is on the bottom row when the rows-th last line feed comes, and the rows-1 line
        feeds after it scroll away everything above: the screen then holds only what
        follows that line feed, drawn from a blank screen (blank in the current
        background, as scrolling would leave it). Returns where to go on from.
        """
        rows = self.rows
        if self._top != 0 or self._bottom != rows - 1 or run.count("\n") < 2 * rows:
            return 0
        cut = len(run)
        for _ in range(rows):
            cut = run.rfind("\n", 0, cut)
        if not (self.newline_mode or run[cut - 1] == "\r"):
            return 0
        self._blank_rows(0, rows)
        self._x, self._y, self._wrap = 0, rows - 1, False
        return cut + 1

    def _ascii(self, text: str) -> None:
        """Printable ASCII at the cursor, wrapping at the right margin."""
        if self._graphics:
            text = text.translate(_DEC_GRAPHICS)
        self._last = text[-1]
        x, cols = self._x, self.cols
        if x + len(text) < cols and not self._wrap and not self.insert:
            self._fits(text, x)  # the common case, in one piece
            return
        while text:
            if self._wrap:
                self._wrap = False
                self._x = 0
                self._linefeed()
            x = self._x
            room = cols - x
            if len(text) > room and not self.autowrap:
                text = text[:room - 1] + text[-1]
            piece, text = text[:room], text[room:]
            self._put(piece, len(piece))

    def _fits(self, text: str, x: int) -> None:
        """ASCII that fits on the cursor row with a cell to spare, written at x."""
        end = x + len(text)
        chars = self._chars[self._y]
        if chars[x] == "":
            chars[x - 1] = " "
        if chars[end] == "":
            chars[end] = " "
        chars[x:end] = text
        self._attrs[self._y][x:end] = [self._attr] * len(text)
        self._x = end

    def _put(self, piece: str, width: int) -> None:
        """Cells x..x+width-1 of the cursor row get ``piece`` (one char per cell, '' for
        the right half of a wide character)."""
        x, cols = self._x, self.cols
        chars, attrs = self._chars[self._y], self._attrs[self._y]
        end = x + width
        if self.insert:
            self._insert_cells(chars, attrs, x, width)
        if chars[x] == "":
            chars[x - 1] = " "
        if end < cols and chars[end] == "":
            chars[end] = " "
        chars[x:end] = piece if len(piece) == width else [piece, ""]
        attrs[x:end] = [self._attr] * width
        if end >= cols:
            self._x, self._wrap = cols - 1, self.autowrap
        else:
            self._x = end

    def _print(self, run: str) -> None:
        """Printable text with non-ASCII characters, one character at a time."""
        self.cost += len(run) * STEP
        ascii_last = run[-1] <= "~"
        if self._graphics:
            run = run.translate(_DEC_GRAPHICS)
        cols = self.cols
        for ch in run:
            width = char_width(ch) if ch > "~" else 1
            if width <= 0:
                if width == 0:
                    self._combine(ch)
                continue
            if self._wrap or (width == 2 and self._x == cols - 1):
                if not self.autowrap:
                    continue  # a wide character at the margin without autowrap: dropped
                self._wrap = False
                self._x = 0
                self._linefeed()
            if width > cols:
                continue
            self._put(ch, width)
        self._last = run[-1] if ascii_last else None

    def _combine(self, ch: str) -> None:
        """A combining character joins the character before the cursor."""
        self._last = None
        x = self._x if self._wrap else self._x - 1
        chars = self._chars[self._y]
        if x > 0 and chars[x] == "":
            x -= 1
        if x >= 0 and len(chars[x]) < MAX_CELL:
            chars[x] += ch

    def _repeat(self, count: int) -> None:
        """REP, like tmux: an ASCII character printed just before, never past the line."""
        if self._last is not None and not self._wrap:
            count = min(count, self.cols - self._x)
            self.cost += count
            self._ascii(self._last * count)

    # -- controls ----------------------------------------------------------------------

    def _control(self, c: str) -> None:
        self._last = None
        if c in "\n\x0b\x0c":
            self._linefeed()
        elif c == "\r":
            self._x, self._wrap = 0, False
        elif c == "\x08":
            self._backspace()
        elif c == "\t":
            self._tab(1)
        elif c == "\x0e":
            self._shift(1)
        elif c == "\x0f":
            self._shift(0)

    def _shift(self, gl: int) -> None:
        self._gl = gl
        self._graphics = self._g[gl] == "0"
