"""The emulator's current screen as bytes that redraw it on a blank terminal (mosh-style
catch-up for a helper who fell behind)."""

from __future__ import annotations

from remote_help.term.screen import (
    BLINK,
    BOLD,
    DEFAULT,
    DIM,
    HIDDEN,
    ITALIC,
    REVERSE,
    STRIKE,
    UNDERLINE,
    Attr,
    Screen,
    bg_of,
    fg_of,
)

_FLAGS = ((BOLD, 1), (DIM, 2), (ITALIC, 3), (UNDERLINE, 4), (BLINK, 5), (REVERSE, 7),
          (HIDDEN, 8), (STRIKE, 9))


def sgr_of(attr: Attr) -> str:
    """The one SGR sequence that sets exactly ``attr`` from any previous attribute."""
    parts = ["0"]
    parts += [str(code) for flag, code in _FLAGS if attr & flag]
    for color, base, bright, extended in ((fg_of(attr), 30, 90, 38), (bg_of(attr), 40, 100, 48)):
        if color is None:
            continue
        if color < 8:
            parts.append(str(base + color))
        elif color < 16:
            parts.append(str(bright + color - 8))
        else:
            parts.append(f"{extended};5;{color}")
    return "\x1b[" + ";".join(parts) + "m"


def _row(screen: Screen, y: int) -> str:
    runs = screen.row(y)
    # Trailing blanks in the default colours are already there after the clear.
    while runs and runs[-1][1] == DEFAULT and not runs[-1][0].strip():
        runs.pop()
    if runs and runs[-1][1] == DEFAULT:
        text = runs[-1][0].rstrip(" ")
        runs[-1] = (text, DEFAULT)
    return "".join(sgr_of(attr) + text for text, attr in runs)


def redraw(screen: Screen) -> bytes:
    """Bytes that bring a freshly reset terminal of the same size to ``screen``'s state:
    the visible screen (main or alternate), the scroll region, the modes that change what
    keys send (cursor keys, keypad, bracketed paste, mouse), the cursor and its style.

    Not carried: the main screen hidden behind the alternate one, saved cursors, tab stops
    and character set designations (the next program that uses them sets them again)."""
    out = ["\x1b[0m"]
    if screen.alternate:
        out.append("\x1b[?1049h")
    out.append("\x1b[H\x1b[2J")
    for y in range(screen.rows):
        line = _row(screen, y)
        if line:
            out.append(f"\x1b[{y + 1};1H{line}")
    out.append("\x1b[0m")
    top, bottom = screen.margins
    if (top, bottom) != (0, screen.rows - 1):
        out.append(f"\x1b[{top + 1};{bottom + 1}r")
    modes = [1] if screen.app_cursor_keys else []
    modes += sorted(screen.mouse_modes)
    modes += [2004] if screen.bracketed_paste else []
    out += [f"\x1b[?{mode}h" for mode in modes]
    if screen.app_keypad:
        out.append("\x1b=")
    if not screen.autowrap:
        out.append("\x1b[?7l")
    if screen.insert:
        out.append("\x1b[4h")
    x, y = screen.cursor
    if screen.origin and not top <= y <= bottom:
        # Restored by DECRC, the cursor may be outside the region in origin mode, where no
        # cursor move can put it: put it there with the whole screen as the region, save
        # it, set the region, restore it (saved cursors are not carried anyway).
        region = f"\x1b[{top + 1};{bottom + 1}r"
        out.append(f"\x1b[r\x1b[?6h\x1b[{y + 1};{x + 1}H\x1b7{region}\x1b8")
    elif screen.origin:
        out.append(f"\x1b[?6h\x1b[{y - top + 1};{x + 1}H")
    else:
        out.append(f"\x1b[{y + 1};{x + 1}H")
    if not screen.cursor_visible:
        out.append("\x1b[?25l")
    out.append(sgr_of(screen.attr))
    return "".join(out).encode("utf-8", "replace")
