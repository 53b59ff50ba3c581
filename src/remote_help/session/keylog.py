"""The helper's keystrokes in words, for the friend's screen ("Your helper typed: ...")."""

from __future__ import annotations

import re

# Keys as terminals send them (normal and application cursor mode), named the way a
# person would say them.
_NAMED = {
    "\r": "[Enter]", "\n": "[Enter]", "\t": "[Tab]", "\x7f": "[Backspace]",
    "\x08": "[Backspace]", "\x1b": "[Esc]",
    "\x1b[A": "[Up]", "\x1b[B": "[Down]", "\x1b[C": "[Right]", "\x1b[D": "[Left]",
    "\x1bOA": "[Up]", "\x1bOB": "[Down]", "\x1bOC": "[Right]", "\x1bOD": "[Left]",
    "\x1b[H": "[Home]", "\x1b[F": "[End]", "\x1bOH": "[Home]", "\x1bOF": "[End]",
    "\x1b[1~": "[Home]", "\x1b[4~": "[End]", "\x1b[2~": "[Insert]", "\x1b[3~": "[Delete]",
    "\x1b[5~": "[Page Up]", "\x1b[6~": "[Page Down]", "\x1b[200~": "[paste:",
    "\x1b[201~": "]",
}
# One key: a CSI or SS3 sequence, ESC and one printable character (Alt+key), or one
# character (ESC before a control is the Esc key, then that control).
_KEY = re.compile(r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]|\x1bO[\x20-\x7e]"
                  r"|\x1b[^\x00-\x1f\x7f]|.", re.DOTALL)
# Characters a screen must never receive from the helper as they are: other controls,
# C1, and invisible formatting (bidi overrides, zero-width, separators).
_INVISIBLE = re.compile("[\x80-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                        "\u2060-\u206f\ufeff\ufff9-\ufffb]")


def describe(data: bytes) -> str:
    """What the helper's keys were, readable: printable text as it is, every other key
    by its name ("[Enter]", "[Ctrl+C]", "[Up]"); nothing in it can act on a terminal."""
    out = []
    for key in _KEY.findall(data.decode("utf-8", "replace")):
        named = _NAMED.get(key)
        if named is not None:
            out.append(named)
        elif len(key) == 1 and key < " ":
            out.append(f"[Ctrl+{chr(ord(key) + 64)}]")
        elif key.startswith("\x1b"):
            out.append("[Alt+" + _INVISIBLE.sub("?", key[1:]) + "]" if len(key) == 2
                       else "[key]")
        else:
            out.append(_INVISIBLE.sub("?", key))
    return "".join(out)


def has_controls(data: bytes) -> bool:
    """The keys include something other than printable text (Enter, Ctrl+C, arrows)."""
    return any(byte < 0x20 or byte == 0x7f for byte in data)
