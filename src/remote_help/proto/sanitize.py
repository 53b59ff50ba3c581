"""A streaming filter that removes dangerous terminal sequences from shell output.

Used where the shared shell's bytes reach a real terminal (plain mode, both sides).
Removed: every OSC string (clipboard writes OSC 52, font OSC 50, colour and title
queries, titles), every DCS/APC/PM/SOS string (DECRQSS and friends), window
operations and reports (CSI ... t), printer control (CSI ... i), concealed text (SGR 8),
keyboard-protocol changes that would change what Ctrl+Alt+C sends (modifyOtherKeys,
the kitty protocol, DEC modes 1034/1036/1039), and C1 control characters (U+0080-U+009F
in UTF-8, bytes 0x80-0x9F otherwise). With ``queries=False`` (the helper's side) every
query that makes a terminal answer is removed too, so only the friend's terminal ever
answers into the shell. Everything else passes through unchanged, in order, even when a
sequence is split across chunks.
"""

from __future__ import annotations

import re

ESC = 0x1B
BEL = 0x07
CSI_MAX = 64
STRING_STARTERS = frozenset(b"]P_^X")  # OSC, DCS, APC, PM, SOS

_GROUND, _ESC, _ESC_INTER, _CSI, _STRING, _STRING_ESC, _STRING_C2, _C2 = range(8)


class Sanitizer:
    """Feed shell output, get the same bytes minus the dangerous sequences.

    A byte that breaks off a sequence is looked at again from the ground state, so no
    byte ever slips out attached to a sequence that was dropped.
    """

    def __init__(self, utf8: bool = True, *, queries: bool = True) -> None:
        self.utf8 = utf8
        self.queries = queries
        self._state = _GROUND
        self._held = bytearray()  # bytes of a sequence not yet decided
        self._special = re.compile(rb"[\x1b\xc2]" if utf8 else rb"[\x1b\x80-\x9f]")

    def feed(self, data: bytes) -> bytes:
        if self._state == _GROUND and not self._special.search(data):
            return data
        out = bytearray()
        i = 0
        n = len(data)
        while i < n:
            if self._state == _GROUND:
                match = self._special.search(data, i)
                if match is None:
                    out += data[i:]
                    break
                out += data[i : match.start()]
                i = match.start()
                self._enter(data[i])
                i += 1
                continue
            if self._step(data[i], out):
                i += 1
            else:
                self._reset()  # look at this byte again, from the ground state
        return bytes(out)

    def _enter(self, byte: int) -> None:
        """A special byte seen in the ground state."""
        if byte == ESC:
            self._state = _ESC
            self._held = bytearray(b"\x1b")
        elif byte == 0xC2 and self.utf8:
            self._state = _C2
        # 8-bit C1 bytes (non-UTF-8) are simply dropped

    def _step(self, byte: int, out: bytearray) -> bool:
        """Handle one byte inside a sequence; False means 'drop the sequence, re-read it'."""
        state = self._state
        if state == _C2:
            if 0x80 <= byte <= 0x9F:
                self._reset()  # U+0080..U+009F: a C1 control, dropped
                return True
            out.append(0xC2)  # an ordinary character (or a stray lead byte): keep it
            return False
        if state == _ESC:
            if byte == ord("["):
                self._state = _CSI
                self._held.append(byte)
            elif byte in STRING_STARTERS:
                self._state = _STRING
                self._held.clear()
            elif 0x20 <= byte <= 0x2F:
                self._state = _ESC_INTER
                self._held.append(byte)
            elif 0x30 <= byte <= 0x7E:
                if self.queries or byte != ord("Z"):  # ESC Z: DECID, a query
                    out += self._held
                    out.append(byte)
                self._reset()
            else:
                return False  # ESC then a control or a high byte: the ESC is dropped
            return True
        if state == _ESC_INTER:
            if 0x20 <= byte <= 0x2F:
                self._held.append(byte)
            elif 0x30 <= byte <= 0x7E:
                out += self._held
                out.append(byte)
                self._reset()
            else:
                return False
            return True
        if state == _CSI:
            if (0x20 <= byte <= 0x3F or byte in (0x08, 0x0A, 0x0D)) and len(self._held) < CSI_MAX:
                self._held.append(byte)  # terminals run BS, LF, CR inside a CSI: keep them
            elif 0x40 <= byte <= 0x7E:
                self._held.append(byte)
                out += self._csi(bytes(self._held))
                self._reset()
            elif byte < 0x20 and byte != ESC:
                self._reset()  # broken by another control: both are dropped
            else:
                return False  # broken by ESC or a high byte, or overlong: dropped, re-read
            return True
        # Inside an OSC/DCS/APC/PM/SOS string: everything is dropped until its end.
        if state == _STRING:
            if byte == BEL or (byte == 0x9C and not self.utf8):
                self._reset()
            elif byte == ESC:
                self._state = _STRING_ESC
            elif byte == 0xC2 and self.utf8:
                self._state = _STRING_C2
            return True
        if state == _STRING_ESC:
            if byte == ord("\\"):
                self._reset()
            elif byte != ESC:
                self._state = _STRING
            return True
        if state == _STRING_C2:
            if byte == 0x9C:  # U+009C, the C1 string terminator
                self._reset()
                return True
            self._state = _STRING
            return self._step(byte, out)  # still inside the string: look at it as such
        return True

    def _csi(self, seq: bytes) -> bytes:
        """What to let through of one complete CSI sequence (ESC [ ... final)."""
        final = seq[-1:]
        body = seq[2:-1]
        prefix = body[:1] if body[:1] in (b"<", b"=", b">", b"?") else b""
        intermediate = body.rstrip(b"0123456789;:<=>?")[-1:]
        if final in (b"t", b"i"):  # window operations and reports; printer control
            return b""
        if final in (b"m", b"u") and prefix in (b"<", b"=", b">"):
            return b""  # modifyOtherKeys, the kitty keyboard protocol
        if final in (b"h", b"l") and prefix == b"?":
            modes = set(body[1:].split(b";"))
            if modes & {b"1034", b"1035", b"1036", b"1039"}:
                return b""  # how Alt and Meta are sent
        if not self.queries and (
            final in (b"n", b"c", b"x")
            or (final == b"q" and prefix == b">")
            or (final == b"p" and intermediate == b"$")
            or (final == b"u" and prefix == b"?")
            or (final == b"S" and prefix == b"?")
        ):
            return b""  # a question the terminal would answer into the shell
        if final == b"m" and not prefix and not intermediate:
            return _without_conceal(seq)
        return seq

    def _reset(self) -> None:
        self._state = _GROUND
        self._held = bytearray()


def _without_conceal(seq: bytes) -> bytes:
    """SGR without parameter 8 (concealed text); colour arguments are left alone."""
    params = seq[2:-1].split(b";")
    kept: list[bytes] = []
    i = 0
    while i < len(params):
        param = params[i]
        if param in (b"38", b"48", b"58") and i + 1 < len(params):
            count = {b"5": 2, b"2": 4}.get(params[i + 1], 1)
            kept += params[i : i + 1 + count]
            i += 1 + count
            continue
        if param != b"8":
            kept.append(param)
        i += 1
    if len(kept) == len(params):
        return seq
    return b"\x1b[" + b";".join(kept) + b"m" if kept else b""
