"""A fast terminal emulator for the shared view: bytes from the shell in, a grid of cells out."""

from __future__ import annotations

import codecs
import re
import sys
from collections.abc import Callable
from typing import ClassVar

from remote_help.term import width as term_width

# An attribute is one int: the foreground in bits 0-8 and the background in bits 9-17
# (0 = the terminal's default, else palette index + 1), then one bit per style flag.
Attr = int
DEFAULT: Attr = 0
COLOR_BITS = 9
COLOR_MASK = (1 << COLOR_BITS) - 1
BG_SHIFT = COLOR_BITS
BG_MASK = COLOR_MASK << BG_SHIFT
BOLD = 1 << 18
DIM = 1 << 19
ITALIC = 1 << 20
UNDERLINE = 1 << 21
BLINK = 1 << 22
REVERSE = 1 << 23
HIDDEN = 1 << 24
STRIKE = 1 << 25

# The parser's states; each has one handler, in _HANDLERS at the bottom of Screen.
GROUND, ESCAPE, CSI, CSI_IGNORE, OSC, DCS, DCS_ESCAPE = range(7)

MAX_PARAMS = 64  # characters of CSI parameters; longer sequences are swallowed whole
MAX_INTERMEDIATES = 2
MAX_NUMBER = 65535
MAX_CACHED_RUN = 256  # characters of a run of SGRs whose effect is remembered
MAX_CELL = 8  # code points in one cell: a character and its combining marks

# The parser's work is counted in cost units, so that a budget bounds the time it takes
# whatever the bytes (see Screen.feed): a cell written, blanked, moved or allocated by a
# list operation counts 1, a character read counts 1, and each step taken one at a time
# in Python (a sequence, a row, a line, a character of non-ASCII text) counts STEP more.
# Measured at 250x80, a unit then costs 3-20 ns whatever is parsed (bench/render.py).
STEP = 32
SGR_STEP = 32 * STEP  # an SGR worked out anew (not remembered): 5-10 us with true colour
UNLIMITED = sys.maxsize
TEXT_RUN = 65536  # characters of ASCII text and newlines taken as one run (lines that
# scroll away within a run are never drawn)
PIECE = 4096  # characters of one line written at once, before the budget is checked
PRINT_RUN = 1024  # characters of other text written one at a time, as one step
STYLE_RUN = 64  # SGRs and charset designations taken as one run

_TEXT = re.compile(rf"[\x20-\x7e\r\n]{{1,{TEXT_RUN}}}")
_PRINTABLE = re.compile(rf"[^\x00-\x1f\x7f-\x9f]{{1,{PRINT_RUN}}}")
_NEWLINE = re.compile(r"[\r\n]")
# A whole sequence: a run of SGRs and G0/G1 designations (group 1; ncurses draws with
# "ESC [39;49m ESC (B ESC [m" between every two words), any other CSI (2-4), ESC with
# intermediates (5-6) or a plain ESC sequence that starts no string (7). Longer ones take
# the slow path, which ignores them the same way.
_STYLE = rf"\x1b\[([0-9;:]{{0,{MAX_PARAMS}}})m|\x1b([()])([0B])"
_SEQUENCE = re.compile(
    rf"((?:\x1b\[[0-9;:]{{0,{MAX_PARAMS}}}m|\x1b[()][0B]){{1,{STYLE_RUN}}})|\x1b(?:"
    rf"\[([\x30-\x3f]{{0,{MAX_PARAMS}}})([\x20-\x2f]{{0,{MAX_INTERMEDIATES}}})([\x40-\x7e])"
    rf"|([\x20-\x2f]{{1,{MAX_INTERMEDIATES}}})([\x30-\x7e])"
    r"|([\x30-\x4f\x51-\x57\x59\x5a\x5c\x60-\x6a\x6c-\x7e]))")
_PARAMS_OK = re.compile(r"[0-9;:]*")
_STYLE_ONE = re.compile(_STYLE)
_styles_cache: dict[tuple[Attr, str, str, str], tuple[Attr, str, str]] = {}
_INTERMEDIATES = re.compile(r"[\x20-\x2f]+")
_CSI_BODY = re.compile(r"[\x20-\x3f]+")
_OSC_BODY = re.compile(r"[^\x07\x18\x1a\x1b]+")
_DCS_BODY = re.compile(r"[^\x1b]+")

_DEC_GRAPHICS = str.maketrans(dict(zip(
    "_`abcdefghijklmnopqrstuvwxyz{|}~",
    " ◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·", strict=True)))
_JOINERS = frozenset("\u200b\u200c\u200d")
_widths: dict[str, int] = {}


def char_width(ch: str) -> int:
    """Cells taken by one character: 0 (combining), 1, or 2 (East Asian wide); -1 for
    format characters (bidi overrides, line separators...), which are never shown. A
    character whose width the tables disagree on takes glibc's (term/width.py); the view
    draws it as that many placeholders."""
    width = _widths.get(ch)
    if width is None:
        width = term_width.cells(ch)
        if len(_widths) >= _CACHE_LIMIT:
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


def fg_of(attr: Attr) -> int | None:
    """The foreground palette index, or None for the default colour."""
    color = attr & COLOR_MASK
    return color - 1 if color else None


def bg_of(attr: Attr) -> int | None:
    """The background palette index, or None for the default colour."""
    color = (attr >> BG_SHIFT) & COLOR_MASK
    return color - 1 if color else None


def _cube(value: int) -> int:
    return 0 if value < 48 else 1 if value < 115 else (value - 35) // 40


def rgb_to_256(r: int, g: int, b: int) -> int:
    """The nearest colour of xterm's 256-colour palette (cube or grey ramp)."""
    levels = (0, 95, 135, 175, 215, 255)
    cr, cg, cb = _cube(r), _cube(g), _cube(b)
    cube = (levels[cr], levels[cg], levels[cb])
    grey_index = min(23, max(0, (r + g + b) // 3 - 3) // 10)
    grey = 8 + 10 * grey_index

    def distance(c: tuple[int, int, int]) -> int:
        return (c[0] - r) ** 2 + (c[1] - g) ** 2 + (c[2] - b) ** 2

    if distance((grey, grey, grey)) < distance(cube):
        return 232 + grey_index
    return 16 + 36 * cr + 6 * cg + cb


Params = tuple[int, ...]
_CACHE_LIMIT = 4096
_numbers_cache: dict[str, Params | None] = {}


def _numbers(params: str) -> Params | None:
    """CSI parameters as numbers (missing ones 0, sub-parameters after ':' dropped), or
    None if they are not digits, ';' and ':'."""
    numbers = _numbers_cache.get(params)
    if numbers is None and params not in _numbers_cache:
        if _PARAMS_OK.fullmatch(params):
            numbers = tuple(min(int(p.partition(":")[0] or 0), MAX_NUMBER)
                            for p in params.split(";"))
        if len(_numbers_cache) >= _CACHE_LIMIT:
            _numbers_cache.clear()
        _numbers_cache[params] = numbers
    return numbers


class Screen:
    """The emulated terminal: feed it the shell's bytes, read rows of (text, attr) runs.

    Only harmless queries are answered (device attributes, status, cursor position), and
    only when ``answer`` is given; every string (titles, clipboard, colour queries, DCS) is
    swallowed without being stored.

    The work is counted (see STEP), and ``feed`` can stop when a budget is spent: whatever
    the shell prints, the caller gets control back after a bounded amount of work, and
    the rest is parsed on the next call as if it had never stopped.
    """

    def __init__(self, cols: int, rows: int, *,
                 answer: Callable[[bytes], None] | None = None) -> None:
        self.cols = max(1, cols)
        self.rows = max(1, rows)
        self._answer = answer
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.generation = 0
        self._todo = ""  # text fed and decoded but not parsed yet (a budget ran out) ...
        self._at = 0  # ... from this index on
        self.cost = 0  # the cost units the last feed spent
        self._limit = UNLIMITED
        self._reset()

    # -- state -------------------------------------------------------------------------

    def _reset(self) -> None:
        """Everything back to power-on (RIS), the screen blank."""
        self._state = GROUND
        self._params = ""
        self._inter = ""
        self._attr: Attr = DEFAULT
        self._x = self._y = 0
        self._wrap = False  # pending wrap: the last column was just written
        self._top, self._bottom = 0, self.rows - 1
        self._chars, self._attrs = self._blank_grid()
        self._saved: tuple[int, ...] | None = None  # DECSC's (one for both screens, as tmux)
        self._alt_saved: tuple[int, ...] | None = None  # mode 1049's
        self._other: tuple[list[list[str]], list[list[Attr]]] | None
        self._other = None  # the main screen's content while the alternate one is shown
        self._tabs = self._default_tabs(self.cols)
        self._g = ["B", "B"]
        self._gl = 0
        self._graphics = False
        self._last: str | None = None  # the character REP repeats
        self.autowrap = True
        self.origin = False
        self.insert = False
        self.newline_mode = False
        self.cursor_visible = True
        self.app_cursor_keys = False
        self.app_keypad = False
        self.bracketed_paste = False
        self.mouse_modes: set[int] = set()
        self.alternate = False

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

    def reset(self) -> None:
        """Back to power-on, also forgetting any half-received character or sequence and
        whatever was not parsed yet."""
        self._decoder.reset()
        self._todo, self._at = "", 0
        self._reset()
        self.generation += 1

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

    # -- input -------------------------------------------------------------------------

    def feed(self, data: bytes, budget: int | None = None) -> bool:
        """Take bytes from the shell, in any chunking; whether all of them are parsed.

        With a ``budget`` (cost units, see STEP), parsing stops once it is spent, after a
        whole operation (one sequence, character or line; the costliest, a whole screen,
        is about rows x (cols + STEP)), and the rest waits for the next call, which may
        bring no new bytes (``feed(b"", budget)``). Stopping changes nothing: any budgets,
        the same screen as one unlimited feed."""
        text = self._decoder.decode(data) if data else ""
        i = 0
        if self._at < len(self._todo):
            if text:
                text = self._todo[self._at:] + text
            else:
                text, i = self._todo, self._at
        self._todo, self._at = "", 0
        self.cost = 0
        end = len(text)
        if i >= end:
            return True
        limit = UNLIMITED if budget is None else max(1, budget)
        self._limit = limit
        handlers = self._HANDLERS
        start = i
        try:
            while i < end and self.cost < limit:
                state = self._state
                j = handlers[state](self, text, i)
                if state != GROUND:  # the ground state counts its own
                    self.cost += j - i + 1
                i = j
        finally:
            self._limit = UNLIMITED
            if i < end:
                self._todo, self._at = text, i
            if i > start:
                self.generation += 1
        return i >= end

    @property
    def behind(self) -> bool:
        """Bytes were fed that are not parsed yet (the last budget ran out)."""
        return self._at < len(self._todo)

    def unparsed(self) -> bytes:
        """What was fed and is not on the screen yet, as bytes that take a parser which
        has drawn this screen (and is in its ground state) exactly where this one is:
        the sequence or string begun, the text not parsed yet, half a character."""
        prefix = {ESCAPE: "\x1b" + self._inter, CSI: "\x1b[" + self._params + self._inter,
                  CSI_IGNORE: "\x1b[ 0", OSC: "\x1b]", DCS: "\x1bP", DCS_ESCAPE: "\x1bP\x1b",
                  }.get(self._state, "")
        buffered: bytes = self._decoder.getstate()[0]
        return (prefix + self._todo[self._at:]).encode() + buffered

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

    # -- the parser's states -----------------------------------------------------------

    def _ground(self, s: str, i: int) -> int:
        """Text, controls and whole escape sequences, until a sequence is cut short or
        the budget is spent."""
        end = len(s)
        limit = self._limit
        while i < end:
            c = s[i]
            if " " <= c <= "~" or c in "\r\n":
                m = _TEXT.match(s, i)
                assert m is not None
                run = m.group()
                if len(run) > PIECE or "\n" in run or "\r" in run:
                    j = i + self._text(run)
                else:
                    self._ascii(run)
                    j = m.end()
            elif c == "\x1b":
                m = _SEQUENCE.match(s, i)
                if m is None:  # cut short, or a string: one character at a time
                    self._state, self._inter = ESCAPE, ""
                    self.cost += 1 + STEP
                    return i + 1
                kind = m.lastindex
                if kind == 1:
                    self._styles(m.group(1))
                elif kind == 4:
                    self._csi(*m.group(2, 3, 4))
                else:
                    self._esc(m.group(5) or "", m.group(6) or m.group(7))
                j = m.end()
            elif c < " " or c == "\x7f":
                self._control(c)
                j = i + 1
            elif c < "\xa0":
                j = i + 1  # C1 controls arrive as UTF-8 here and are never executed
            else:
                m = _PRINTABLE.match(s, i)
                assert m is not None
                self._print(m.group())
                j = m.end()
            self.cost += j - i + STEP
            i = j
            if self.cost >= limit:
                break
        return i

    def _styles(self, run: str) -> None:
        """A run of SGRs and charset designations, its effect cached (short runs)."""
        key = (self._attr, self._g[0], self._g[1], run)
        effect = _styles_cache.get(key)
        if effect is None:
            attr, g = self._attr, self._g[:]
            for m in _STYLE_ONE.finditer(run):
                self.cost += SGR_STEP
                if m.group(2):
                    g[m.group(2) == ")"] = m.group(3)
                else:
                    attr = sgr(attr, m.group(1))
            effect = (attr, g[0], g[1])
            if len(_styles_cache) >= _CACHE_LIMIT:
                _styles_cache.clear()
            if len(run) <= MAX_CACHED_RUN:
                _styles_cache[key] = effect
        self._attr, g0, g1 = effect
        self._g = [g0, g1]
        self._shift(self._gl)
        self._last = None

    def _escape(self, s: str, i: int) -> int:
        c = s[i]
        if not self._inter and c in "[]PX^_k":
            self._state = {"[": CSI, "]": OSC, "P": DCS}.get(c, OSC)
            if c != "[":
                self._last = None
            self._params = self._inter = ""
        elif " " <= c <= "/":
            m = _INTERMEDIATES.match(s, i)
            assert m is not None
            self._inter = (self._inter + m.group())[:MAX_INTERMEDIATES + 1]
            return m.end()
        elif "0" <= c <= "~":
            self._state = GROUND
            if len(self._inter) <= MAX_INTERMEDIATES:
                self._esc(self._inter, c)
        elif c == "\x1b":
            self._inter = ""
        elif c in "\x18\x1a" or c > "\x7f":
            self._state = GROUND
        elif c < " ":
            self._control(c)
        return i + 1

    def _csi_collect(self, s: str, i: int) -> int:
        c = s[i]
        if "@" <= c <= "~":
            self._state = GROUND
            self._csi(self._params, self._inter, c)
        elif "0" <= c <= "?":
            if self._inter or len(self._params) >= MAX_PARAMS:
                self._state = CSI_IGNORE
            else:
                self._params += c
        elif " " <= c <= "/":
            if len(self._inter) >= MAX_INTERMEDIATES:
                self._state = CSI_IGNORE
            else:
                self._inter += c
        else:
            self._in_sequence(c, CSI_IGNORE)
        return i + 1

    def _csi_ignore(self, s: str, i: int) -> int:
        m = _CSI_BODY.match(s, i)
        if m is not None:
            return m.end()
        c = s[i]
        if "@" <= c <= "~":
            self._state = GROUND
        else:
            self._in_sequence(c, CSI_IGNORE)
        return i + 1

    def _in_sequence(self, c: str, otherwise: int) -> None:
        """A character that is no part of a CSI sequence, met inside one."""
        if c == "\x1b":
            self._state, self._inter = ESCAPE, ""
        elif c in "\x18\x1a":
            self._state = GROUND
        elif c < " ":
            self._control(c)
        elif c != "\x7f":
            self._state = otherwise

    def _osc(self, s: str, i: int) -> int:
        """OSC, SOS, PM, APC and screen's ESC k title strings: swallowed, never stored,
        ended by BEL or ESC."""
        m = _OSC_BODY.match(s, i)
        if m is not None:
            return m.end()
        if s[i] == "\x1b":
            self._state, self._inter = ESCAPE, ""
        else:
            self._state = GROUND
        return i + 1

    def _dcs(self, s: str, i: int) -> int:
        """DCS strings (DECRQSS, sixel, tmux passthrough): swallowed until ESC backslash."""
        m = _DCS_BODY.match(s, i)
        if m is not None:
            return m.end()
        self._state = DCS_ESCAPE
        return i + 1

    def _dcs_escape(self, s: str, i: int) -> int:
        self._state = GROUND if s[i] == "\\" else DCS
        return i + 1

    _HANDLERS: ClassVar[tuple[Callable[[Screen, str, int], int], ...]] = (
        _ground, _escape, _csi_collect, _csi_ignore, _osc, _dcs, _dcs_escape)

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

    def _shift(self, gl: int) -> None:
        self._gl = gl
        self._graphics = self._g[gl] == "0"

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

    def _save_cursor(self) -> None:
        self._saved = self._cursor_state()

    def _restore_cursor(self) -> None:
        if self._saved is None:
            self._set_cursor_state((0, 0, 0, DEFAULT, 0, 0, ord("B"), ord("B")))
        else:
            self._set_cursor_state(self._saved)

    def _cursor_state(self) -> tuple[int, ...]:
        """What DECSC saves: position, pending wrap, attributes, origin mode, charsets."""
        return (self._x, self._y, int(self._wrap), self._attr, int(self.origin),
                self._gl, ord(self._g[0]), ord(self._g[1]))

    def _set_cursor_state(self, state: tuple[int, ...]) -> None:
        x, y, wrap, self._attr, origin, gl, g0, g1 = state
        self._goto(x, y)
        self._wrap, self.origin = bool(wrap), bool(origin)
        self._g = [chr(g0), chr(g1)]
        self._shift(gl)

    # -- escape sequences --------------------------------------------------------------

    def _esc(self, inter: str, final: str) -> None:
        self._last = None
        if not inter:
            handler = self._ESC.get(final)
            if handler is not None:
                handler(self)
        elif inter in "()" and final in "0AB12U<K":
            self._g[inter == ")"] = "0" if final == "0" else "B"
            self._shift(self._gl)
        elif inter == "#" and final == "8":
            self._align()

    def _align(self) -> None:
        """DECALN: the screen filled with E, margins reset, cursor home."""
        self.cost += self.rows * (self.cols + STEP)
        self._chars = [["E"] * self.cols for _ in range(self.rows)]
        self._attrs = [[DEFAULT] * self.cols for _ in range(self.rows)]
        self._top, self._bottom = 0, self.rows - 1
        self._goto(0, 0)

    def _next_line(self) -> None:
        self._linefeed()
        self._x = 0

    def _set_tab(self) -> None:
        self._tabs[self._x] = True

    def _full_reset(self) -> None:
        self._reset()

    def _keypad(self, on: bool) -> None:
        self.app_keypad = on

    _ESC: ClassVar[dict[str, Callable[[Screen], None]]] = {
        "7": _save_cursor,
        "8": _restore_cursor,
        "D": _linefeed,
        "E": _next_line,
        "H": _set_tab,
        "M": _reverse_index,
        "c": _full_reset,
        "=": lambda self: self._keypad(True),
        ">": lambda self: self._keypad(False),
    }

    def _csi(self, params: str, inter: str, final: str) -> None:
        prefix = ""
        if params and params[0] in "<=>?":
            prefix, params = params[0], params[1:]
        if final == "m" and not prefix and not inter:
            self.cost += SGR_STEP
            self._attr = sgr(self._attr, params)
        else:
            handler = self._CSI.get(prefix + inter + final)
            if handler is not None:
                numbers = _numbers(params)
                if numbers is not None:
                    handler(self, numbers)
        self._last = None

    # -- CSI handlers: each takes the numeric parameters --------------------------------

    def _cuu(self, p: Params) -> None:
        self._up(p[0] or 1)

    def _cud(self, p: Params) -> None:
        self._down(p[0] or 1)

    def _cuf(self, p: Params) -> None:
        self._goto(self._x + (p[0] or 1), self._y)

    def _cub(self, p: Params) -> None:
        self._left(p[0] or 1)

    def _cnl(self, p: Params) -> None:
        self._down(p[0] or 1)
        self._x = 0

    def _cpl(self, p: Params) -> None:
        self._up(p[0] or 1)
        self._x = 0

    def _cha(self, p: Params) -> None:
        self._goto((p[0] or 1) - 1, self._y)

    def _vpa(self, p: Params) -> None:
        self._goto_row((p[0] or 1) - 1)

    def _vpr(self, p: Params) -> None:
        self._goto(self._x, self._y + (p[0] or 1))

    def _cup(self, p: Params) -> None:
        column = p[1] if len(p) > 1 else 0
        self._goto((column or 1) - 1, self._y)
        self._goto_row((p[0] or 1) - 1)

    def _ich(self, p: Params) -> None:
        if not self._wrap:
            self._insert_cells(self._chars[self._y], self._attrs[self._y], self._x, p[0] or 1)

    def _dch(self, p: Params) -> None:
        if not self._wrap:
            self._delete_cells(p[0] or 1)

    def _ech(self, p: Params) -> None:
        if not self._wrap:
            self._erase(self._y, self._x, min(self.cols, self._x + (p[0] or 1)))

    def _ed(self, p: Params) -> None:
        self._erase_display(p[0])

    def _el(self, p: Params) -> None:
        self._erase_line(p[0])

    def _il(self, p: Params) -> None:
        self._insert_lines(p[0] or 1)

    def _dl(self, p: Params) -> None:
        self._delete_lines(p[0] or 1)

    def _su(self, p: Params) -> None:
        self._scroll_up(p[0] or 1)

    def _sd(self, p: Params) -> None:
        self._scroll_down(p[0] or 1)

    def _cht(self, p: Params) -> None:
        self._tab(p[0] or 1)

    def _cbt(self, p: Params) -> None:
        self._back_tab(p[0] or 1)

    def _rep(self, p: Params) -> None:
        self._repeat(p[0] or 1)

    def _tbc(self, p: Params) -> None:
        if p[0] == 0:
            self._tabs[self._x] = False
        elif p[0] == 3:
            self._tabs = [False] * self.cols

    def _stbm(self, p: Params) -> None:
        top = (p[0] or 1) - 1
        bottom = (p[1] if len(p) > 1 and p[1] else self.rows) - 1
        bottom = min(bottom, self.rows - 1)
        if top < bottom:
            self._top, self._bottom = top, bottom
            self._goto(0, top if self.origin else 0)

    def _scosc(self, p: Params) -> None:
        if p == (0,):
            self._save_cursor()

    def _scorc(self, p: Params) -> None:
        if p == (0,):
            self._restore_cursor()

    def _sm(self, p: Params) -> None:
        self._ansi_modes(p, True)

    def _rm(self, p: Params) -> None:
        self._ansi_modes(p, False)

    def _ansi_modes(self, p: Params, on: bool) -> None:
        for mode in p:
            if mode == 4:
                self.insert = on
            elif mode == 20:
                self.newline_mode = on

    def _decset(self, p: Params) -> None:
        for mode in p:
            self._dec_mode(mode, True)

    def _decrst(self, p: Params) -> None:
        for mode in p:
            self._dec_mode(mode, False)

    def _dec_mode(self, mode: int, on: bool) -> None:
        if mode == 1:
            self.app_cursor_keys = on
        elif mode == 6:
            self.origin = on
            self._goto(0, self._top if on else 0)
        elif mode == 7:
            self.autowrap = on
            self._wrap = self._wrap and on
        elif mode == 25:
            self.cursor_visible = on
        elif mode in (47, 1047, 1049):
            self._alternate_screen(on, save_cursor=mode == 1049)
        elif mode == 1048:
            (self._save_cursor if on else self._restore_cursor)()
        elif mode == 2004:
            self.bracketed_paste = on
        elif mode in (9, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1015):
            (self.mouse_modes.add if on else self.mouse_modes.discard)(mode)

    def _alternate_screen(self, on: bool, *, save_cursor: bool) -> None:
        """47/1047/1049: the alternate screen (blank on entry); 1049 also saves the cursor
        on the way in and restores it on the way out (its own slot, as in tmux)."""
        if on and save_cursor:
            self._alt_saved = self._cursor_state()
        if on != self.alternate:
            mine = (self._chars, self._attrs)
            if on:
                self._chars, self._attrs = self._blank_grid()
            else:
                assert self._other is not None
                self._chars, self._attrs = self._other
            self._other = mine if on else None
            self.alternate = on
        if not on and save_cursor and self._alt_saved is not None:
            self._set_cursor_state(self._alt_saved)

    def _soft_reset(self, p: Params) -> None:
        """DECSTR: modes and margins to their defaults; the screen stays."""
        self.cursor_visible, self.insert, self.origin, self.autowrap = True, False, False, True
        self.app_cursor_keys = self.app_keypad = False
        self._top, self._bottom = 0, self.rows - 1
        self._attr, self._g, self._gl, self._graphics = DEFAULT, ["B", "B"], 0, False
        self._saved = None

    def _da1(self, p: Params) -> None:
        if p == (0,):
            self._reply(b"\x1b[?1;2c")

    def _da2(self, p: Params) -> None:
        if p == (0,):
            self._reply(b"\x1b[>1;10;0c")

    def _dsr(self, p: Params) -> None:
        if p == (5,):
            self._reply(b"\x1b[0n")
        elif p == (6,):
            y = self._y - self._top if self.origin else self._y
            self._reply(b"\x1b[%d;%dR" % (y + 1, self._x + 1))

    def _reply(self, data: bytes) -> None:
        if self._answer is not None:
            self._answer(data)

    _CSI: ClassVar[dict[str, Callable[[Screen, Params], None]]] = {
        "@": _ich, "A": _cuu, "B": _cud, "C": _cuf, "D": _cub, "E": _cnl, "F": _cpl,
        "G": _cha, "H": _cup, "I": _cht, "J": _ed, "K": _el, "L": _il, "M": _dl, "P": _dch,
        "S": _su, "T": _sd, "X": _ech, "Z": _cbt, "`": _cha, "a": _cuf, "b": _rep, "c": _da1,
        "d": _vpa, "e": _vpr, "f": _cup, "g": _tbc, "h": _sm, "l": _rm, "n": _dsr,
        "r": _stbm, "s": _scosc, "u": _scorc, ">c": _da2, "?h": _decset, "?l": _decrst,
        "!p": _soft_reset,
    }


# -- SGR -------------------------------------------------------------------------------

_sgr_cache: dict[tuple[Attr, str], Attr] = {}


def sgr(attr: Attr, params: str) -> Attr:
    """The attribute after SGR ``params`` (invalid parameters change nothing)."""
    key = (attr, params)
    new = _sgr_cache.get(key)
    if new is None:
        new = _sgr(attr, params.split(";")) if _PARAMS_OK.fullmatch(params) else attr
        if len(_sgr_cache) >= _CACHE_LIMIT:
            _sgr_cache.clear()
        _sgr_cache[key] = new
    return new


def _sgr(attr: Attr, parts: list[str]) -> Attr:
    i = 0
    while i < len(parts):
        part = parts[i]
        if ":" in part:
            attr = _sgr_sub(attr, part.split(":"))
            i += 1
            continue
        code = int(part) if part else 0
        if code in (38, 48):
            color, used = _extended_color(parts[i + 1:])
            i += 1 + used
            if color is not None:
                attr = _with_color(attr, code == 48, color)
            continue
        attr = _sgr_simple(attr, code)
        i += 1
    return attr


def _sgr_sub(attr: Attr, sub: list[str]) -> Attr:
    """One SGR with colon sub-parameters: 4:x underline styles, 38:5:n, 38:2::r:g:b."""
    code = int(sub[0] or 0)
    if code == 4:
        style = int(sub[1] or 0) if len(sub) > 1 else 1
        return attr | UNDERLINE if style else attr & ~UNDERLINE
    if code in (38, 48):
        rest = sub[1:]
        if rest and rest[0] == "2" and len(rest) >= 5:
            rest = ["2", *rest[-3:]]  # the colour-space id is optional
        color, _ = _extended_color(rest)
        return attr if color is None else _with_color(attr, code == 48, color)
    return _sgr_simple(attr, code)


def _extended_color(rest: list[str]) -> tuple[int | None, int]:
    """(palette index, parameters used) from the parameters after 38 or 48."""
    kind = int(rest[0] or 0) if rest else 0
    if kind == 5 and len(rest) >= 2:
        return min(int(rest[1] or 0), 255), 2
    if kind == 2 and len(rest) >= 4:
        r, g, b = (min(int(v or 0), 255) for v in rest[1:4])
        return rgb_to_256(r, g, b), 4
    return None, len(rest)


def _with_color(attr: Attr, background: bool, color: int) -> Attr:
    if background:
        return (attr & ~BG_MASK) | ((color + 1) << BG_SHIFT)
    return (attr & ~COLOR_MASK) | (color + 1)


_SGR_ON = {1: BOLD, 2: DIM, 3: ITALIC, 4: UNDERLINE, 5: BLINK, 6: BLINK, 7: REVERSE,
           8: HIDDEN, 9: STRIKE, 21: UNDERLINE}
_SGR_OFF = {22: BOLD | DIM, 23: ITALIC, 24: UNDERLINE, 25: BLINK, 27: REVERSE, 28: HIDDEN,
            29: STRIKE}


def _sgr_simple(attr: Attr, code: int) -> Attr:
    """Apply one plain SGR code."""
    if code == 0:
        return DEFAULT
    if code in _SGR_ON:
        return attr | _SGR_ON[code]
    if code in _SGR_OFF:
        return attr & ~_SGR_OFF[code]
    if 30 <= code <= 37:
        return (attr & ~COLOR_MASK) | (code - 29)
    if 90 <= code <= 97:
        return (attr & ~COLOR_MASK) | (code - 81)
    if code == 39:
        return attr & ~COLOR_MASK
    if 40 <= code <= 47:
        return (attr & ~BG_MASK) | ((code - 39) << BG_SHIFT)
    if 100 <= code <= 107:
        return (attr & ~BG_MASK) | ((code - 91) << BG_SHIFT)
    if code == 49:
        return attr & ~BG_MASK
    return attr
