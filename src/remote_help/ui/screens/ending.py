"""The last screens: how the session ended, or what stopped the journey."""

from __future__ import annotations

from typing import Any

import urwid

from remote_help.term.width import shown
from remote_help.ui import keys
from remote_help.ui.banner import banner
from remote_help.ui.chrome import StepScreen, page


class Ended(StepScreen):
    context = keys.ENDED
    title = "Help has ended"

    def __init__(self, text: str, rows: list[str] | None = None,
                 typed: list[str] | None = None) -> None:
        """``rows``: the shared terminal's last rows; ``typed``: the helper's last typed
        lines (the friend's side), so what happened just before the end is seen too."""
        super().__init__()
        self.text = text
        lines: list[Any] = [text, "", ["Press ", ("key", "Q"), " to close remote-help."]]
        if typed:
            lines += ["", "The last things your helper typed:",
                      *[shown(f"  {line}") for line in typed]]
        if rows:
            lines += ["", "The shared terminal when help ended:",
                      *[shown(f"  {row}") for row in rows]]
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["close"]


class Failed(StepScreen):
    context = keys.FAILED
    title = "It did not work"

    def __init__(self, text: str, *, stop: bool = False) -> None:
        super().__init__()
        lines: list[Any] = [text, "",
                            ["Press ", ("key", "T"), " to try again, or ", ("key", "Q"),
                             " to close remote-help."]]
        body = page(lines)
        if stop:  # the check failed: the whole screen stays red
            self.title = "STOP"
            body = urwid.AttrMap(page([*banner("STOP"), "", *lines]), "wrong")
        self.widget = body

    def hints(self) -> list[str]:
        return ["retry", "quit"]


class Help(StepScreen):
    context = keys.HELP
    title = "Help"

    def __init__(self, screen: str) -> None:
        super().__init__()
        rows: list[Any] = ["You can press:", ""]
        for entry in keys.for_screen(screen):
            rows.append(["  ", ("key", f"{entry.said:<12}"), f" {entry.text}"])
        rows += ["", ["Press ", ("key", "Q"), " to close this help."]]
        self.widget = urwid.Padding(urwid.ListBox(urwid.SimpleFocusListWalker(
            [urwid.Text(r) for r in rows])), left=2, right=2)

    def hints(self) -> list[str]:
        return ["close-help"]
