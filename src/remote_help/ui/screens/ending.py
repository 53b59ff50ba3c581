"""The last screens: how the session ended, or what stopped the journey."""

from __future__ import annotations

from typing import Any

import urwid

from remote_help.sentences import Say, markup, text
from remote_help.term.width import shown
from remote_help.ui import keys
from remote_help.ui.banner import banner
from remote_help.ui.chrome import StepScreen, page


class Ended(StepScreen):
    context = keys.ENDED

    def __init__(self, words: str, rows: list[str] | None = None,
                 typed: list[str] | None = None) -> None:
        """``rows``: the shared terminal's last rows; ``typed``: the helper's last typed
        lines (the friend's side), so what happened just before the end is seen too."""
        super().__init__()
        self.title = text(Say.UI_ENDED_TITLE)
        self.text = words
        lines: list[Any] = [words, "", markup(Say.UI_ENDED_PRESS, close_key=("key", "Q"))]
        if typed:
            lines += ["", text(Say.UI_ENDED_TYPED),
                      *[shown(f"  {line}") for line in typed]]
        if rows:
            lines += ["", text(Say.UI_ENDED_LAST_ROWS),
                      *[shown(f"  {row}") for row in rows]]
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["close"]


class Failed(StepScreen):
    context = keys.FAILED

    def __init__(self, words: str, *, stop: bool = False) -> None:
        super().__init__()
        self.title = text(Say.UI_FAILED_TITLE)
        lines: list[Any] = [words, "", markup(Say.UI_FAILED_PRESS, retry_key=("key", "T"),
                                              quit_key=("key", "Q"))]
        body = page(lines)
        if stop:  # the check failed: the whole screen stays red
            self.title = text(Say.UI_FAILED_STOP_TITLE)
            body = urwid.AttrMap(page([*banner("STOP"), "", *lines]), "wrong")
        self.widget = body

    def hints(self) -> list[str]:
        return ["retry", "quit"]


class Help(StepScreen):
    context = keys.HELP

    def __init__(self, screen: str) -> None:
        super().__init__()
        self.title = text(Say.UI_HELP_TITLE)
        rows: list[Any] = [text(Say.UI_HELP_YOU_CAN_PRESS), ""]
        for entry in keys.for_screen(screen):
            rows.append(["  ", ("key", f"{entry.said:<12}"), f" {entry.text}"])
        rows += ["", markup(Say.UI_HELP_PRESS, close_key=("key", "Q"))]
        self.widget = urwid.Padding(urwid.ListBox(urwid.SimpleFocusListWalker(
            [urwid.Text(r) for r in rows])), left=2, right=2)

    def hints(self) -> list[str]:
        return ["close-help"]
