"""A cell's attribute as one int, and what SGR sequences do to it.

One int per cell keeps the grid small and makes "same attribute" an integer comparison,
which the views rely on to draw a row as few runs.
"""

from __future__ import annotations

import re

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

# Entries each of the emulator's caches (here, in text.py and in parser.py) holds before
# it is emptied: the shell chooses what is looked up, so no cache may grow without bound.
CACHE_LIMIT = 4096

PARAMS_OK = re.compile(r"[0-9;:]*")  # CSI parameters the emulator reads as numbers


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


# -- SGR -------------------------------------------------------------------------------

_sgr_cache: dict[tuple[Attr, str], Attr] = {}


def sgr(attr: Attr, params: str) -> Attr:
    """The attribute after SGR ``params`` (invalid parameters change nothing)."""
    key = (attr, params)
    new = _sgr_cache.get(key)
    if new is None:
        new = _sgr(attr, params.split(";")) if PARAMS_OK.fullmatch(params) else attr
        if len(_sgr_cache) >= CACHE_LIMIT:
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
