"""Every way a real terminal sends Ctrl+Alt+C (and the helper's F10), found in typed bytes.

Measured with xterm 379 under Xvfb (tests/e2e/test_xterm.py), for Ctrl+Alt+C:
  default (eightBitInput), UTF-8 locale   C2 83          (the C1 character U+0083)
  default, 8-bit locale (C, ISO 8859-x)   83
  metaSendsEscape, and most terminals     ESC 03
  modifyOtherKeys 2                        CSI 27;7;99~   (caps lock: CSI 27;7;67~)
  modifyOtherKeys 2 with formatOtherKeys   CSI 99;7u      (caps lock: CSI 67;7u)
  kitty, foot, fixterms (CSI u)            CSI 99;7u, lock keys add 64 and 128: CSI 99;71u
Shift may be held too (CSI 27;8;67~): terminals without these modes cannot tell it apart.
"""

from __future__ import annotations

import codecs
import re
import time
from collections.abc import Callable, Iterator

ESC = 0x1B
CTRL_C = 0x03
C1_CTRL_ALT_C = 0x83  # Ctrl+C (0x03) with the 8th bit set by Alt
UTF8_LEAD = 0xC2  # U+0083 in UTF-8 is C2 83
PLAIN_FORM = b"\x1b\x03"  # the form every decoder, urwid's included, knows

# How the 8-bit form can arrive, by the terminal's character set.
UTF8 = "utf8"  # as the character U+0083 (C2 83), or a stray 83 no UTF-8 text contains
EIGHT_BIT = "8bit"  # any 83 byte: each byte is a character, 80-9F are controls
NO_C1 = "none"  # 83 may be half of a character (GBK, Big5): only the escape forms

_SHIFT, _ALT, _CTRL, _CAPS_LOCK, _NUM_LOCK = 1, 2, 4, 64, 128
_IGNORED = _SHIFT | _CAPS_LOCK | _NUM_LOCK  # still Ctrl+Alt+C with these; not with Super
_KEY_CODES = (ord("c"), ord("C"), CTRL_C)  # the letter, shifted or locked, or its control
_MAX_CSI = 40  # longer than any end key: such a sequence is passed on, never held
# The bytes an end key can start with, by character set: everything between goes on as is.
_STARTS = {UTF8: re.compile(rb"[\x1b\xc2\x83]"), EIGHT_BIT: re.compile(rb"[\x1b\x83]"),
           NO_C1: re.compile(rb"\x1b")}


def c1_form(encoding: str) -> str:
    """How Ctrl+Alt+C's 8-bit form can arrive in the terminal's ``encoding``."""
    name = encoding.lower().replace("-", "").replace("_", "")
    if name == "utf8":
        return UTF8
    try:
        pending = codecs.getincrementaldecoder(encoding)().decode(b"\x83", final=False)
    except (LookupError, UnicodeDecodeError):
        return EIGHT_BIT  # ASCII and unknown sets: no text byte is 83
    return EIGHT_BIT if pending else NO_C1


def _number(text: bytes) -> int | None:
    return int(text) if text.isdigit() else None


def _ctrl_alt(field: bytes) -> bool:
    """A CSI modifier field (1 + bits, maybe ':event') that means Ctrl+Alt."""
    value = _number(field.split(b":")[0])
    if value is None or value < 1:
        return False
    bits = value - 1
    return bits & (_CTRL | _ALT) == _CTRL | _ALT and bits & ~(_CTRL | _ALT | _IGNORED) == 0


def csi_is_end_key(params: bytes, final: int, *, f10: bool) -> bool:
    """Whether CSI ``params`` ``final`` is Ctrl+Alt+C (or F10 when ``f10``)."""
    fields = params.split(b";")
    if final == ord("u") and len(fields) >= 2:  # CSI key[:alternates];mods[:event][;text]u
        return _number(fields[0].split(b":")[0]) in _KEY_CODES and _ctrl_alt(fields[1])
    if final == ord("~") and len(fields) == 3:  # modifyOtherKeys: CSI 27;mods;key~
        return (_number(fields[0]) == 27 and _ctrl_alt(fields[1])
                and _number(fields[2]) in _KEY_CODES)
    return f10 and final == ord("~") and fields == [b"21"]


# One key press split across two reads arrives within this many seconds; an Esc pressed
# before a later Ctrl+C is two keys, not Ctrl+Alt+C.
SPLIT_WINDOW = 0.05


class EndKeys:
    """Finds the end keys in the bytes a person types, read by read.

    ``feed`` returns what goes on to the shell and whether an end key came: nothing after
    it passes, and once ended nothing passes at all. ``translate`` (for urwid) rewrites
    every form into ESC Ctrl+C and keeps going.

    Across reads: a lone ESC, or ESC [, at the end of a read goes on at once (the Esc key
    and Alt+[ must not wait); a started CSI with a parameter, and a lone C2 in UTF-8, are
    held until the next read, since they mean nothing to anyone until they are complete.
    """

    def __init__(self, *, charset: str = UTF8, f10: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.charset = charset
        self.f10 = f10
        self.ended = False
        self._clock = clock
        self._sent_at = 0.0
        self._sent = b""  # the start of an unfinished sequence that has already gone on
        self._held = b""  # the rest of it, not passed yet
        self._continuations = 0  # UTF-8 continuation bytes owed by a character passed on

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """What goes on to the shell, and whether an end key came."""
        passed = bytearray()
        found = False
        for chunk, end in self._tokens(data):
            found = found or end
            if not (found or self.ended):
                passed += chunk
        self.ended = self.ended or found
        return bytes(passed), found

    def translate(self, data: bytes) -> bytes:
        """``data`` with every end key as ESC Ctrl+C."""
        out = bytearray()
        for chunk, end in self._tokens(data):
            out += PLAIN_FORM if end else chunk
        return bytes(out)

    def _tokens(self, data: bytes) -> Iterator[tuple[bytes, bool]]:
        """(bytes to pass, False) and (b"", True) for each end key, in order."""
        if self._sent and self._clock() - self._sent_at > SPLIT_WINDOW:
            self._sent = b""  # Esc pressed a while ago, not half of Ctrl+Alt+C
        buf = self._sent + self._held + data
        skip = len(self._sent)  # those bytes went on already: never twice
        self._sent = self._held = b""
        i = 0
        while i < len(buf):
            quiet = self._quiet(buf, i)
            if quiet > i:
                yield buf[max(i, skip):quiet], False
                i = quiet
                continue
            step, end, unfinished = self._token(buf, i)
            if unfinished:
                yield self._keep(buf[i:], max(0, skip - i)), False
                return
            yield (b"", True) if end else (buf[max(i, skip):i + step], False)
            i += step

    def _quiet(self, buf: bytes, i: int) -> int:
        """Where the bytes from ``i`` on may next start an end key (a pasted page is not
        looked at byte by byte). In UTF-8 the last three bytes before it are, to know
        whether an 83 there is part of a character."""
        if self._continuations:
            return i
        found = _STARTS[self.charset].search(buf, i)
        start = found.start() if found else len(buf)
        return max(i, start - 3) if self.charset == UTF8 else start

    def _keep(self, tail: bytes, already: int) -> bytes:
        """Keep the unfinished sequence that ends a read; return what goes on now."""
        if tail in (b"\x1b", b"\x1b["):  # Esc, Alt+[: a person is waiting for these
            self._sent, self._sent_at = tail, self._clock()
            return tail[already:]
        self._sent, self._held = tail[:already], tail[already:]
        return b""

    def _token(self, buf: bytes, i: int) -> tuple[int, bool, bool]:
        """(length, is an end key, unfinished) of the token at ``buf[i]``."""
        byte = buf[i]
        if self._continuations and 0x80 <= byte <= 0xBF:
            self._continuations -= 1
            return 1, False, False
        self._continuations = 0
        if byte == ESC:
            return self._escape(buf, i)
        if self.charset == EIGHT_BIT:
            return 1, byte == C1_CTRL_ALT_C, False
        if self.charset == UTF8:
            return self._utf8(buf, i)
        return 1, False, False

    def _escape(self, buf: bytes, i: int) -> tuple[int, bool, bool]:
        if i + 1 == len(buf):
            return 0, False, True
        if buf[i + 1] == CTRL_C:
            return 2, True, False
        if buf[i + 1] != ord("["):
            return 1, False, False
        j = i + 2
        while j < len(buf) and 0x30 <= buf[j] <= 0x3F:  # parameter bytes
            j += 1
        if j == len(buf):
            return j - i, False, j - i <= _MAX_CSI
        final = buf[j]
        if not 0x40 <= final <= 0x7E:  # not a key we know (intermediates, C0 inside)
            return j - i, False, False
        return j + 1 - i, csi_is_end_key(buf[i + 2:j], final, f10=self.f10), False

    def _utf8(self, buf: bytes, i: int) -> tuple[int, bool, bool]:
        byte = buf[i]
        if byte == UTF8_LEAD:
            if i + 1 == len(buf):
                return 0, False, True
            if buf[i + 1] == C1_CTRL_ALT_C:
                return 2, True, False
        if byte == C1_CTRL_ALT_C:  # not inside a character: an 8-bit terminal's own form
            return 1, True, False
        if 0xC2 <= byte <= 0xF4:
            self._continuations = 1 if byte < 0xE0 else 2 if byte < 0xF0 else 3
        return 1, False, False
