"""A streaming filter that removes dangerous terminal sequences from shell output.

Used where the shared shell's bytes reach a real terminal (plain mode, both sides).
Removed: every OSC string (clipboard writes OSC 52, font OSC 50, colour and title
queries, titles), every DCS/APC/PM/SOS string (DECRQSS and friends), window
operations and reports (CSI ... t), and C1 control characters (U+0080-U+009F in UTF-8,
bytes 0x80-0x9F otherwise). Everything else passes through unchanged, in order, even
when a sequence is split across chunks.
"""

from __future__ import annotations

import re

ESC = 0x1B
BEL = 0x07
CSI_MAX = 64
STRING_STARTERS = frozenset(b"]P_^X")  # OSC, DCS, APC, PM, SOS

_GROUND, _ESC, _ESC_INTER, _CSI, _STRING, _STRING_ESC, _C2 = range(7)


class Sanitizer:
    """Feed shell output, get the same bytes minus the dangerous sequences."""

    def __init__(self, utf8: bool = True) -> None:
        self.utf8 = utf8
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
                byte = data[i]
                i += 1
                if byte == ESC:
                    self._state = _ESC
                    self._held = bytearray(b"\x1b")
                elif byte == 0xC2:
                    self._state = _C2
                # non-UTF-8 C1 bytes are simply dropped
                continue
            byte = data[i]
            i += 1
            self._step(byte, out)
        return bytes(out)

    def _step(self, byte: int, out: bytearray) -> None:
        state = self._state
        if state == _C2:
            self._state = _GROUND
            if not 0x80 <= byte <= 0x9F:
                out += bytes((0xC2, byte))
            return
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
            elif byte == ESC:
                out += self._held  # a lone ESC, then a new sequence starts
                self._held = bytearray(b"\x1b")
            else:
                out += self._held
                out.append(byte)
                self._reset()
            return
        if state == _ESC_INTER:
            self._held.append(byte)
            if not 0x20 <= byte <= 0x2F:
                out += self._held
                self._reset()
            return
        if state == _CSI:
            self._held.append(byte)
            if 0x40 <= byte <= 0x7E:
                if byte != ord("t"):  # window operations and reports
                    out += self._held
                self._reset()
            elif byte == ESC or (byte < 0x20 and byte not in (0x08, 0x0D, 0x0A)):
                self._reset()  # a broken sequence: drop it
                if byte == ESC:
                    self._state = _ESC
                    self._held = bytearray(b"\x1b")
            elif len(self._held) > CSI_MAX:
                self._reset()
            return
        if state == _STRING:
            if byte == BEL or (byte == 0x9C and not self.utf8):
                self._reset()
            elif byte == ESC:
                self._state = _STRING_ESC
            return
        if state == _STRING_ESC:
            if byte == ord("\\"):
                self._reset()
            elif byte != ESC:
                self._state = _STRING
            return

    def _reset(self) -> None:
        self._state = _GROUND
        self._held = bytearray()
