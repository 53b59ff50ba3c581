"""The emulator's parser: the shell's bytes in, calls on the grid out, within a budget.

A state machine after the DEC VT500 one (vt100.net), with a fast path: in the ground
state, runs of ASCII text and whole escape sequences are matched by regular expressions
and handled at once; only a sequence cut short by the end of a read, or a string (OSC,
DCS...), takes the slow path one character at a time. Every string is swallowed without
being stored.

The work is counted in cost units (grid.py, STEP), and ``feed`` can stop when a budget is
spent: whatever the shell prints, the caller gets control back after a bounded amount of
work, and the rest is parsed on the next call as if it had never stopped.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from typing import ClassVar

from remote_help.term.attrs import CACHE_LIMIT, Attr, sgr
from remote_help.term.commands import Commands
from remote_help.term.grid import SGR_STEP, STEP, UNLIMITED
from remote_help.term.text import PIECE

# The parser's states; each has one handler, in _HANDLERS at the bottom of Parser.
GROUND, ESCAPE, CSI, CSI_IGNORE, OSC, DCS, DCS_ESCAPE = range(7)

MAX_PARAMS = 64  # characters of CSI parameters; longer sequences are swallowed whole
MAX_INTERMEDIATES = 2
MAX_CACHED_RUN = 256  # characters of a run of SGRs whose effect is remembered
TEXT_RUN = 65536  # characters of ASCII text and newlines taken as one run (lines that
# scroll away within a run are never drawn)
PRINT_RUN = 1024  # characters of other text written one at a time, as one step
STYLE_RUN = 64  # SGRs and charset designations taken as one run

_TEXT = re.compile(rf"[\x20-\x7e\r\n]{{1,{TEXT_RUN}}}")
_PRINTABLE = re.compile(rf"[^\x00-\x1f\x7f-\x9f]{{1,{PRINT_RUN}}}")
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
_STYLE_ONE = re.compile(_STYLE)
_styles_cache: dict[tuple[Attr, str, str, str], tuple[Attr, str, str]] = {}
_INTERMEDIATES = re.compile(r"[\x20-\x2f]+")
_CSI_BODY = re.compile(r"[\x20-\x3f]+")
_OSC_BODY = re.compile(r"[^\x07\x18\x1a\x1b]+")
_DCS_BODY = re.compile(r"[^\x1b]+")


class Parser(Commands):
    """The grid with its text and commands, fed the shell's bytes (see the module's
    docstring): ``feed`` takes bytes in any chunking, ``unparsed`` gives back what a
    budget left over."""

    def __init__(self, cols: int, rows: int, *,
                 answer: Callable[[bytes], None] | None = None) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._todo = ""  # text fed and decoded but not parsed yet (a budget ran out) ...
        self._at = 0  # ... from this index on
        super().__init__(cols, rows, answer=answer)

    def _reset(self) -> None:
        super()._reset()
        self._state = GROUND
        self._params = ""
        self._inter = ""

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
            if len(_styles_cache) >= CACHE_LIMIT:
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

    _HANDLERS: ClassVar[tuple[Callable[[Parser, str, int], int], ...]] = (
        _ground, _escape, _csi_collect, _csi_ignore, _osc, _dcs, _dcs_escape)
