"""Colours and drawing characters: 16 colours on the Linux console, ASCII without UTF-8."""

from __future__ import annotations

import contextlib
import curses
import os
import sys
from dataclasses import dataclass

from remote_help.sentences import Say, text
from remote_help.term.encoding import utf8_locale

# (name, foreground, background, monochrome). Readable whatever the terminal's own
# colours (tests/ui/test_contrast.py): the terminal's default background may be black
# (the Linux console, most dark themes) or white (xterm's and gnome-terminal's default), so
# text in a colour of ours always has a background of ours too, chosen so that it reads at
# 4.5:1 or more in xterm's, the Linux console's and gnome-terminal's 16 colours; text on the
# terminal's own background keeps the terminal's own foreground (bold at most). Only the
# 8 dark colours are backgrounds (all a 16-colour terminal has). The 88 and 256-colour
# modes use the same 16 colours; monochrome uses bold, underline and reverse (standout).
PALETTE = [
    ("body", "default", "default", ""),
    ("header", "white,bold", "dark blue", "standout"),
    ("footer", "black", "light gray", "standout"),
    ("stop", "white,bold", "dark red", "bold,standout"),
    ("key", "white,bold", "dark blue", "bold,underline"),
    ("title", "default,bold", "default", "bold"),
    ("warning", "white,bold", "dark red", "bold,standout"),
    ("hint", "white,bold", "dark red", "bold"),
    ("field", "white,bold", "dark blue", "underline"),
    ("code", "white,bold", "dark blue", "bold,standout"),
    ("box", "white,bold", "dark blue", "standout"),
    ("box-empty", "light gray", "dark blue", "underline"),
    ("correct", "black", "dark green", "bold,standout"),
    ("wrong", "white,bold", "dark red", "bold,standout"),
    ("status", "white", "dark blue", "standout"),
    ("status-warn", "white,bold", "dark red", "bold,standout"),
    ("frame", "default", "default", ""),
]


@dataclass(frozen=True)
class Caps:
    """What the terminal can show."""

    colors: int  # 1, 16 or 256
    utf8: bool


class NoFullScreen(Exception):
    """The full-screen interface cannot start here; ``str()`` says why, in one line."""


def detect() -> Caps:
    """Check that full-screen can work on this terminal, and what it can show."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise NoFullScreen(text(Say.UI_NO_FULL_NOT_A_TERMINAL))
    term = os.environ.get("TERM", "")
    if not term or term in ("dumb", "unknown"):
        raise NoFullScreen(text(Say.UI_NO_FULL_TERM_CANNOT))
    try:
        curses.setupterm(term, sys.stdout.fileno())
    except curses.error:
        raise NoFullScreen(text(Say.UI_NO_FULL_TERM_UNKNOWN, term=term)) from None
    if not curses.tigetstr("cup"):
        raise NoFullScreen(text(Say.UI_NO_FULL_NO_CURSOR))
    colors = 1
    with contextlib.suppress(curses.error):
        colors = curses.tigetnum("colors")
    if os.environ.get("NO_COLOR"):
        colors = 1
    return Caps(colors=256 if colors >= 256 else 16 if colors >= 8 else 1,
                utf8=utf8_locale())


def line_chars(utf8: bool) -> dict[str, str]:
    """Keyword arguments for urwid.LineBox: Unicode lines, or + - | without UTF-8."""
    if utf8:
        return {}
    return {"tlcorner": "+", "tline": "-", "lline": "|", "trcorner": "+", "blcorner": "+",
            "rline": "|", "bline": "-", "brcorner": "+"}
