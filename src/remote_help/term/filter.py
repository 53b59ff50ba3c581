"""The line-mode output filter: shell output parsed the way terminals parse it, and only
sequences on an allow-list passed on, each re-encoded in one canonical form.

Used where the shared shell's bytes reach a real terminal (plain mode, both sides). The
parser is the DEC VT500 one (vt100.net's state diagram) that xterm, VTE and the Linux
console follow: a C0 control inside a sequence is executed where it stands and the
sequence goes on; ESC starts a new sequence anywhere; CAN and SUB cancel one; parameters
are numbers (``0008`` is 8), with ``:`` sub-parameters, private markers and
intermediates. What leaves the filter is text, a few C0 controls, and allowed sequences
written out afresh from what the filter understood, so a terminal never sees a byte the
filter did not account for (in UTF-8, CAN follows every character but ASCII: a terminal
that reads bytes would take some of their bytes for C1 controls). Everything else
(strings such as OSC/DCS/APC, window and keyboard modes, the Linux console's private
sequences, C1 controls, concealed text) is dropped whole. The allow-list and why each
entry is on it (or not) is in docs/decisions.md, "the line-mode filter passes an
allow-list".
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Callable
from typing import ClassVar

from remote_help.term import allowlist
from remote_help.term.allowlist import (
    ANSI_MODES,
    COUNTS,
    DEC_MODES_OFF,
    DEC_MODES_ON,
    ESC_ALLOWED,
    Params,
)

# The parser's states; each has one handler, in _HANDLERS at the bottom of Sanitizer.
GROUND, ESCAPE, ESCAPE_INTER, CSI_PARAM, CSI_INTER, CSI_IGNORE, STRING = range(7)

ESC, CAN, SUB, DEL = "\x1b", "\x18", "\x1a", "\x7f"
MAX_PARAMS = 64  # characters of CSI parameters; longer sequences are dropped whole
MAX_INTERMEDIATES = 2
MAX_STRING = 8192  # characters of an unended OSC/DCS/APC string before the rest is shown

# Bidirectional embeddings, overrides, isolates and marks: a terminal that reorders text
# by them can show a command in another order than the one it runs in.
BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# A run of text in the ground state: everything but the controls we drop or rewrite
# (BEL, BS, HT, LF and CR pass as they are; VT and FF become LF; SO and SI are followed).
_RUN = re.compile(f"[^\x00-\x06\x0b\x0c\x0e-\x1f\x7f-\x9f{BIDI}]+")
_STRING_BODY = re.compile(r"[^\x07\x18\x1a\x1b\x9c]+")
_CSI_BODY = re.compile(r"[\x30-\x3f]+")
# A whole CSI sequence with nothing inside it that the slow path would have to execute.
_WHOLE_CSI = re.compile(
    rf"\x1b\[([\x30-\x3f]{{0,{MAX_PARAMS}}})([\x20-\x2f]{{0,{MAX_INTERMEDIATES}}})([\x40-\x7e])")
_IGNORE_BODY = re.compile(r"[\x20-\x3f]+")
_PARAMS_OK = re.compile(r"[0-9:;]*")
_PLAIN_BYTES = re.compile(rb"[\x20-\x7e\x07\x08\t\n\r]*")  # bytes that pass unchanged
# Every UTF-8 character but ASCII is followed by CAN.
# A terminal that reads bytes, not UTF-8, though the locale says UTF-8 (a serial terminal,
# an xterm started in another locale) takes a byte in 80-9F for a C1 control ("Û" is C3
# 9B, and 9B is CSI; 9D is OSC, 90 DCS; most CJK characters have such a byte); the bytes
# that follow could complete the sequence it starts. CAN ends it there, and terminals that
# read UTF-8 ignore CAN. Pieces of text that each end with such a character (the last
# piece may not) are joined with CAN, all in C.
_UP_TO_NON_ASCII = re.compile("[\x00-\x7f]*[^\x00-\x7f]|[\x00-\x7f]+")

# DEC special graphics (ESC ( 0), drawn by the filter itself: the terminal is never
# switched to it, so it cannot be left there, turning our own words and everything after
# the session into lines. UTF-8 gets the glyphs; other charsets get ASCII.
_GRAPHICS_FROM = "_`abcdefghijklmnopqrstuvwxyz{|}~"
_GRAPHICS_UTF8 = str.maketrans(dict(zip(
    _GRAPHICS_FROM, " ◆▒␉␌␍␊°±␤␋┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·", strict=True)))
_GRAPHICS_ASCII = str.maketrans(dict(zip(
    _GRAPHICS_FROM, " +:    '#  +++++----_++++|<>*!fo", strict=True)))


Charsets = tuple[str, str, int]  # G0, G1 ("0" for line drawing, "B" for ASCII), and GL
_CACHE_LIMIT = 4096
_csi_cache: dict[tuple[str, str, str, bool], str] = {}  # what a CSI is written as


class Sanitizer:
    """Feed shell output, get what a terminal may safely be shown of it.

    ``utf8``: the terminal decodes UTF-8 (else one byte is one character, as in
    ISO 8859). ``queries``: pass the questions a terminal answers into the shell (cursor
    position, status, device attributes); only the friend's terminal answers.
    Splitting the input anywhere never changes the output.
    """

    def __init__(self, utf8: bool = True, *, queries: bool = True,
                 cancel_c1: bool | None = None) -> None:
        self.utf8 = utf8
        self.queries = queries
        # CAN after every character but ASCII (see _UP_TO_NON_ASCII), except in a terminal
        # known to read UTF-8 that draws CAN: Konsole (and what shares its emulation)
        # shows it as a shaded box after every such character.
        self.cancel_c1 = (not os.environ.get("KONSOLE_VERSION") if cancel_c1 is None
                          else cancel_c1)
        self._encoding = "utf-8" if utf8 else "latin-1"
        self._decoder = codecs.getincrementaldecoder(self._encoding)("replace")
        self._graphics_table = _GRAPHICS_UTF8 if utf8 else _GRAPHICS_ASCII
        self._state = GROUND
        self._params = ""
        self._inter = ""
        self._string_length = 0
        self._g = ["B", "B"]
        self._gl = 0
        self._saved: Charsets | None = None  # DECSC's charsets
        self._alt_saved: Charsets | None = None  # mode 1049's
        # Origin mode (DEC 6) was let through on: resetting it moves the cursor home, so
        # the end of a session resets it only when it was (plain/terminal.py).
        self.origin_set = False
        # The alternate screen mode (47, 1047, 1049) that was let through on last and not
        # off since: leaving it where it is not on moves the cursor (xterm's 1049 restores
        # a saved one), so the end of a session leaves only this one.
        self.alternate: int | None = None

    @property
    def swallowing(self) -> bool:
        """Inside a string (OSC, DCS, ...) or an ignored sequence: text is not shown."""
        return self._state in (STRING, CSI_IGNORE)

    def feed(self, data: bytes) -> bytes:
        if (self._state == GROUND and not self._graphics() and _PLAIN_BYTES.fullmatch(data)
                and not self._decoder.getstate()[0]):
            return data  # the common case: plain text, nothing to look at
        text = self._decoder.decode(data)
        out: list[str] = []
        handlers = self._HANDLERS
        i, end = 0, len(text)
        while i < end:
            i = handlers[self._state](self, text, i, out)
        written = "".join(out)
        if self.utf8 and self.cancel_c1 and not written.isascii():
            written = _cancel_after_non_ascii(written)
        return written.encode(self._encoding, errors="replace")

    def _graphics(self) -> bool:
        return self._g[self._gl] == "0"

    # -- the parser's states: each takes the text and a position, returns the next ------

    def _ground(self, s: str, i: int, out: list[str]) -> int:
        m = _RUN.match(s, i)
        if m is not None:
            run = m.group()
            out.append(run.translate(self._graphics_table) if self._graphics() else run)
            return m.end()
        m = _WHOLE_CSI.match(s, i)
        if m is not None:
            out.append(self._csi(*m.group(1, 2, 3)))
            return m.end()
        self._anywhere(s[i], out)  # a control, DEL, a C1 control or a bidi character
        return i + 1

    def _escape(self, s: str, i: int, out: list[str]) -> int:
        c = s[i]
        if c == "[":
            self._state, self._params, self._inter = CSI_PARAM, "", ""
        elif c in "]PX^_k":  # OSC, DCS, SOS, PM, APC, and screen's title
            self._state, self._string_length = STRING, 0
        elif " " <= c <= "/":
            self._state, self._inter = ESCAPE_INTER, c
        elif "0" <= c <= "~":
            self._state = GROUND
            self._esc("", c, out)
        elif c < " " or DEL <= c <= "\x9f":
            self._anywhere(c, out)
        else:
            self._state = GROUND  # a printable character cannot end ESC: both dropped
        return i + 1

    def _escape_inter(self, s: str, i: int, out: list[str]) -> int:
        c = s[i]
        if " " <= c <= "/":
            self._inter = (self._inter + c)[: MAX_INTERMEDIATES + 1]
        elif "0" <= c <= "~":
            self._state = GROUND
            self._esc(self._inter, c, out)
        elif c < " " or DEL <= c <= "\x9f":
            self._anywhere(c, out)
        else:
            self._state = GROUND
        return i + 1

    def _csi_param(self, s: str, i: int, out: list[str]) -> int:
        m = _CSI_BODY.match(s, i)
        if m is not None:
            self._params += m.group()
            if len(self._params) > MAX_PARAMS:
                self._state = CSI_IGNORE
            return m.end()
        c = s[i]
        if "@" <= c <= "~":
            self._state = GROUND
            out.append(self._csi(self._params, "", c))
        elif " " <= c <= "/":
            self._state, self._inter = CSI_INTER, c
        else:
            self._in_sequence(c, out)
        return i + 1

    def _csi_inter(self, s: str, i: int, out: list[str]) -> int:
        c = s[i]
        if "@" <= c <= "~":
            self._state = GROUND
            out.append(self._csi(self._params, self._inter, c))
        elif " " <= c <= "/" and len(self._inter) < MAX_INTERMEDIATES:
            self._inter += c
        else:
            self._in_sequence(c, out)
        return i + 1

    def _csi_ignore(self, s: str, i: int, out: list[str]) -> int:
        m = _IGNORE_BODY.match(s, i)
        if m is not None:
            return m.end()
        c = s[i]
        if "@" <= c <= "~":
            self._state = GROUND
        else:
            self._in_sequence(c, out)
        return i + 1

    def _string(self, s: str, i: int, out: list[str]) -> int:
        """OSC, DCS, SOS, PM, APC: dropped up to BEL, ST, CAN or SUB, or ESC (which
        starts the next sequence). One that goes on too long is given up, and what
        follows is shown: an unended string must not hide the rest of a session."""
        m = _STRING_BODY.match(s, i)
        if m is not None:
            room = MAX_STRING - self._string_length
            if m.end() - i > room:
                self._state = GROUND
                return i + room
            self._string_length += m.end() - i
            return m.end()
        self._state, self._inter = (ESCAPE if s[i] == ESC else GROUND), ""
        return i + 1

    # -- controls ------------------------------------------------------------------------

    def _in_sequence(self, c: str, out: list[str]) -> None:
        """A character that is no part of the CSI sequence it appears in."""
        if c < " " or DEL <= c <= "\x9f":
            self._anywhere(c, out)
        else:
            self._state = CSI_IGNORE  # a wrong byte: the whole sequence is dropped

    def _anywhere(self, c: str, out: list[str]) -> None:
        """What every state does with a control character, DEL, C1 or a bidi mark."""
        if c == ESC:
            self._state, self._inter = ESCAPE, ""
        elif c in (CAN, SUB) or "\x80" <= c <= "\x9f":
            self._state = GROUND  # cancelled; a C1 control is never executed nor shown
        elif c < " ":
            self._control(c, out)  # executed where it stands; the sequence goes on

    def _control(self, c: str, out: list[str]) -> None:
        if c in "\x07\x08\t\n\r":
            out.append(c)
        elif c in "\x0b\x0c":
            out.append("\n")  # VT and FF: a line feed everywhere but on old printers
        elif c == "\x0e":
            self._gl = 1
        elif c == "\x0f":
            self._gl = 0
        # NUL, ENQ (an answerback query) and the rest: dropped

    # -- escape sequences ----------------------------------------------------------------

    def _esc(self, inter: str, final: str, out: list[str]) -> None:
        if not inter:
            if final in ESC_ALLOWED:
                out.append(ESC + final)
            if final == "7":
                self._saved = self._charsets()
            elif final == "8":
                self._restore(self._saved)
            elif final == "c":  # RIS is dropped, but it would have reset the charsets
                self._soft_reset()
        elif inter in ("(", ")"):
            self._g[inter == ")"] = "0" if final == "0" else "B"

    def _soft_reset(self, p: Params | None = None, key: str = "") -> str:
        """RIS and DECSTR are dropped, but what they do to the charsets is followed."""
        self._restore(None)
        self._saved = None
        return ""

    def _charsets(self) -> Charsets:
        return (self._g[0], self._g[1], self._gl)

    def _restore(self, saved: Charsets | None) -> None:
        g0, g1, self._gl = saved or ("B", "B", 0)
        self._g = [g0, g1]

    def _csi(self, params: str, inter: str, final: str) -> str:
        """One complete CSI sequence, as it will be written, or "" to drop it."""
        if final in "su" or (final in "hl" and params[:1] == "?") or inter == "!":
            return self._csi_uncached(params, inter, final)  # these also move the charsets
        key = (params, inter, final, self.queries)
        written = _csi_cache.get(key)
        if written is None:
            written = self._csi_uncached(params, inter, final)
            if len(_csi_cache) >= _CACHE_LIMIT:
                _csi_cache.clear()
            _csi_cache[key] = written
        return written

    def _csi_uncached(self, params: str, inter: str, final: str) -> str:
        private = ""
        if params[:1] in ("<", "=", ">", "?") and params:
            private, params = params[0], params[1:]
        if not _PARAMS_OK.fullmatch(params):
            return ""  # a marker in the middle: terminals ignore such sequences too
        numbers = allowlist.parse_params(params)
        handler = self._CSI.get(private + inter + final)
        return "" if handler is None else handler(self, numbers, private + inter + final)

    def _count(self, p: Params, key: str) -> str:
        return allowlist.plain(p, key, 1)

    def _position(self, p: Params, key: str) -> str:
        return allowlist.plain(p, key, 2)  # CUP, HVP, DECSTBM: two numbers at most

    def _erase(self, p: Params, key: str) -> str:
        allowed = (0, 1, 2) if key in "JK" else (0, 3)  # not ED 3: the scrollback stays
        return allowlist.choice(p, key, allowed)

    def _save_restore(self, p: Params, key: str) -> str:
        if p:
            return ""
        if key == "s":
            self._saved = self._charsets()
        else:
            self._restore(self._saved)
        return "\x1b[" + key

    def _ansi_modes(self, p: Params, key: str) -> str:
        return allowlist.modes(p, "", key, ANSI_MODES)

    def _dec_modes(self, p: Params, key: str) -> str:
        kept = allowlist.modes(p, "?", key[1], DEC_MODES_ON if key == "?h" else DEC_MODES_OFF)
        if key == "?h" and 6 in (allowlist.flat(p) or ()):
            self.origin_set = True
        for mode in allowlist.flat(p) or ():
            if mode in (1048, 1049):
                self._dec_save(mode, key == "?h")
            if mode in (47, 1047, 1049):
                self.alternate = mode if key == "?h" else None
        return kept

    def _dec_save(self, mode: int, on: bool) -> None:
        """What 1048 and 1049 do to the charsets (the cursor is the terminal's)."""
        if mode == 1048:
            if on:
                self._saved = self._charsets()
            else:
                self._restore(self._saved)
        elif on:
            self._alt_saved = self._charsets()
        elif self._alt_saved is not None:
            self._restore(self._alt_saved)

    def _sgr(self, p: Params, key: str) -> str:
        return allowlist.sgr(p)

    def _cursor_style(self, p: Params, key: str) -> str:
        return allowlist.choice(p, key, range(7))

    def _status(self, p: Params, key: str) -> str:
        return allowlist.choice(p, key, (5, 6)) if self.queries else ""

    def _attributes(self, p: Params, key: str) -> str:
        return allowlist.choice(p, key, (0,)) if self.queries else ""

    _CSI: ClassVar[dict[str, Callable[[Sanitizer, Params, str], str]]] = {
        **dict.fromkeys(COUNTS, _count), "H": _position, "f": _position, "r": _position,
        "J": _erase, "K": _erase, "g": _erase, "s": _save_restore, "u": _save_restore,
        "h": _ansi_modes, "l": _ansi_modes, "?h": _dec_modes, "?l": _dec_modes, "m": _sgr,
        " q": _cursor_style, "n": _status, "c": _attributes, ">c": _attributes,
        "!p": _soft_reset,
    }

    _HANDLERS: ClassVar[tuple[Callable[[Sanitizer, str, int, list[str]], int], ...]] = (
        _ground, _escape, _escape_inter, _csi_param, _csi_inter, _csi_ignore, _string)


def _cancel_after_non_ascii(text: str) -> str:
    """``text`` with CAN after each character that is not ASCII (see _UP_TO_NON_ASCII)."""
    joined = "\x18".join(_UP_TO_NON_ASCII.findall(text))
    return joined + "\x18" if text[-1:] >= "\x80" else joined
