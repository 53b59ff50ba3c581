"""What the line-mode filter lets through, and the one form each passes in.

The filter (filter.py) parses; this module decides. Each allowed sequence is written out
afresh from the numbers the filter understood (decimal, no leading zeros, colours in the
';' form every terminal knows), so a terminal never sees a byte the filter did not account
for. Why each entry is on the list (or not) is in docs/decisions.md, "the line-mode filter
passes an allow-list".
"""

from __future__ import annotations

MAX_NUMBER = 65535
MAX_COUNT = 9999  # a cursor move, a row, a repeat: more than any screen has
MAX_SGR_NUMBERS = 16  # the Linux console ignores a sequence with more parameters

Params = list[list[int | None]]  # each parameter with its ':' sub-parameters

# SGR attributes a terminal may be told: bold, dim, italic, underline, blink, reverse,
# strike-through, overline, their resets, and colours. Not 8 (concealed), not 10-20 (fonts;
# on the Linux console 11 and 12 switch the character map), not 58 (underline colour:
# a terminal that does not know it reads its arguments, "5;8", as blink and conceal).
SGR_ALLOWED = frozenset({0, 1, 2, 3, 4, 5, 6, 7, 9, 21, 22, 23, 24, 25, 27, 28, 29, 39, 49,
                         53, 55, *range(30, 38), *range(40, 48), *range(90, 98),
                         *range(100, 108)})
# Numbers never written in an SGR, even as a colour's argument (a terminal that does not
# know 38/48 reads the arguments as attributes): conceal and the console's font maps. A
# colour component is moved to the nearest number that may be written.
_NEAREST = {8: 9, 10: 9, 11: 13, 12: 13}
# DEC private modes (CSI ? n h / l) that pass: cursor keys (application mode changes
# what the arrows send, never Ctrl+Alt+C), reverse screen, origin, cursor blink and
# visibility, the alternate screen, bracketed paste. Autowrap only on: off, the end of a
# long line would be written over itself out of sight. Not passed: mouse and focus
# reports (the friend's mouse would type into the shell), keyboard modes (1034-1039,
# 1050-1061, 66, 67, 8), VT52 mode (2), 132 columns (3), synchronized output (2026 stops
# the screen from updating), and everything else.
DEC_MODES_ON = frozenset({1, 5, 6, 7, 12, 25, 47, 1047, 1048, 1049, 2004})
DEC_MODES_OFF = DEC_MODES_ON - {7}
ANSI_MODES = frozenset({4})  # insert; not 2 (KAM locks the keyboard), 12 (echo), 20 (LNM)
# ESC sequences that pass: save/restore cursor, index, next line, tab set, reverse index,
# keypad modes (they change what the keypad sends, never Ctrl+Alt+C).
ESC_ALLOWED = frozenset("78DEHM=>")
# CSI finals that take one count (cursor moves, insert/delete, scroll, tabs, repeat).
COUNTS = frozenset("@ABCDEFGILMPSTXZ`abde")


# -- parameters --------------------------------------------------------------------------


def parse_params(params: str) -> Params:
    """``1;02:3;`` as [[1], [2, 3], [None]]: numbers, ``None`` where one is left out."""
    if not params:
        return []
    return [[min(int(n), MAX_NUMBER) if n else None for n in part.split(":")]
            for part in params.split(";")]


def flat(p: Params) -> list[int | None] | None:
    """The parameters as plain numbers, or None if any has sub-parameters."""
    if any(len(part) != 1 for part in p):
        return None
    return [part[0] for part in p]


def write_csi(key: str, numbers: list[int | None]) -> str:
    """A CSI sequence in canonical form: decimal numbers, no leading zeros."""
    private = key[0] if key[0] in "<=>?" else ""
    return ("\x1b[" + private + ";".join("" if n is None else str(n) for n in numbers)
            + key[len(private):])


def plain(p: Params, key: str, most: int) -> str:
    numbers = flat(p)
    if numbers is None or len(numbers) > most:
        return ""
    return write_csi(key, [None if n is None else min(n, MAX_COUNT) for n in numbers])


def choice(p: Params, key: str, allowed: range | tuple[int, ...]) -> str:
    """A sequence of at most one number, passed if the number (0 if none) is allowed."""
    numbers = flat(p)
    if numbers is None or len(numbers) > 1:
        return ""
    value = numbers[0] if numbers else None
    return write_csi(key, numbers) if (value or 0) in allowed else ""


def modes(p: Params, private: str, final: str, allowed: frozenset[int]) -> str:
    numbers = flat(p)
    if numbers is None:
        return ""
    kept = list(dict.fromkeys(n for n in numbers if n in allowed))
    return write_csi(private + final, list(kept)) if kept else ""


# -- SGR ---------------------------------------------------------------------------------


def sgr(p: Params) -> str:
    """SGR with only allowed attributes, colours rewritten in the ';' form every terminal
    knows, in sequences short enough for the Linux console; "" if nothing is left."""
    if not p:
        return "\x1b[m"
    items: list[list[int | None]] = []
    i = 0
    while i < len(p):
        part = p[i]
        if len(part) > 1:
            item = _sgr_sub(part)
            i += 1
        elif part[0] in (38, 48, 58):
            item, used = _sgr_colour(part[0], [q[0] if len(q) == 1 else None for q in p[i + 1:]])
            if item is None:
                break  # a colour we cannot read: the rest of the sequence with it
            i += 1 + used
            if part[0] == 58:
                item = None  # understood, with its arguments, and dropped
        else:
            item = part if part[0] is None or part[0] in SGR_ALLOWED else None
            i += 1
        if item is not None:
            items.append(item)
    return _sgr_sequences(items)


def _sgr_sub(part: list[int | None]) -> list[int | None] | None:
    """One attribute written with ':' sub-parameters (4:3, 38:5:n, 38:2::r:g:b)."""
    code = part[0] or 0
    if code == 4:
        return [24] if part[1] == 0 else [4]  # underline styles: plain underline
    if code in (38, 48):  # (58, the underline colour, is dropped with its arguments)
        rest = part[1:]
        if rest[:1] == [2] and len(rest) >= 5:
            rest = [2, *rest[-3:]]  # the colour-space id is optional
        item, used = _sgr_colour(code, rest)
        return item if used == len(rest) else None
    return None


def _sgr_colour(code: int, rest: list[int | None]) -> tuple[list[int | None] | None, int]:
    """38/48 and its arguments from ``rest``: (the item to write, arguments used)."""
    kind = rest[0] if rest else None
    if kind == 5 and len(rest) >= 2 and rest[1] is not None and rest[1] <= 255:
        index = rest[1]
        if index < 16:  # the 16 colours have their own codes, which need no argument
            base = (30 if code == 38 else 40) if index < 8 else (90 if code == 38 else 100)
            return [base + index % 8], 2
        return [code, 5, index], 2
    if kind == 2 and len(rest) >= 4 and all(v is not None and v <= 255 for v in rest[1:4]):
        return [code, 2, *(_safe_component(v or 0) for v in rest[1:4])], 4
    return None, len(rest)


def _safe_component(value: int) -> int:
    """A colour component, moved to the nearest number that may be written."""
    return _NEAREST.get(value, value)


def _sgr_sequences(items: list[list[int | None]]) -> str:
    out: list[str] = []
    group: list[int | None] = []
    for item in items:
        if group and len(group) + len(item) > MAX_SGR_NUMBERS:
            out.append(write_csi("m", group))
            group = []
        group += item
    if group:
        out.append(write_csi("m", group))
    return "".join(out)
