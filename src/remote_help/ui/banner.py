"""Big letters for the two words a friend must not miss: CORRECT and STOP (ASCII only, so
they work on every console)."""

from __future__ import annotations

_FONT = {
    "C": [" ### ", "#    ", "#    ", "#    ", " ### "],
    "O": [" ### ", "#   #", "#   #", "#   #", " ### "],
    "R": ["#### ", "#   #", "#### ", "#  # ", "#   #"],
    "E": ["#####", "#    ", "#### ", "#    ", "#####"],
    "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  "],
    "S": [" ####", "#    ", " ### ", "    #", "#### "],
    "P": ["#### ", "#   #", "#### ", "#    ", "#    "],
}


def banner(word: str) -> list[str]:
    """Five lines that spell ``word`` in big letters (only the letters of CORRECT, STOP)."""
    return ["  ".join(_FONT[char][row] for char in word) for row in range(5)]
