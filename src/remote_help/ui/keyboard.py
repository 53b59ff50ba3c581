"""urwid's terminal screen, with every form of Ctrl+Alt+C made into the one urwid knows."""

from __future__ import annotations

from typing import Any

from remote_help.term.keys import EndKeys

try:  # urwid >= 2.4 (2.1.2, Debian 12's, has only the old name)
    from urwid.display.raw import Screen as RawScreen
except ImportError:  # pragma: no cover - depends on the urwid installed
    from urwid.raw_display import Screen as RawScreen


class KeyboardScreen(RawScreen):  # type: ignore[misc]
    """urwid 2.1.2 splits CSI u and modifyOtherKeys forms into loose characters, and no
    urwid version reads xterm's C1 form (0x83, or C2 83 in UTF-8) as Ctrl+Alt+C. So the
    bytes are rewritten to ESC Ctrl+C before urwid decodes them: every screen then sees
    the one key name, ``meta ctrl c``, and none of these bytes can reach the shell."""

    def __init__(self, charset: str, *args: Any, **kwargs: Any) -> None:
        """``charset``: how the 8-bit form arrives (term.keys.c1_form)."""
        super().__init__(*args, **kwargs)
        self._end_keys = EndKeys(charset=charset)

    def _get_keyboard_codes(self) -> list[int]:
        # The bytes just read, before urwid adds what it kept back from the last read:
        # the one place both urwid 2.1.2 and urwid 5 read the keyboard through.
        codes = list(super()._get_keyboard_codes())
        if any(code > 0xFF for code in codes):  # not bytes from a terminal: leave them
            return codes
        return list(self._end_keys.translate(bytes(codes)))
