"""Step 4: waiting for the other computer, or connecting to it; step 6: setting up."""

from __future__ import annotations

from typing import Any

import urwid

from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, row


class Wait(StepScreen):
    context = keys.WAIT

    def __init__(self, title: str, lines: list[Any]) -> None:
        super().__init__()
        self.title = title
        self._lines = lines
        self._events: list[str] = []
        self._walker = urwid.SimpleFocusListWalker([])
        self.widget = urwid.Padding(urwid.ListBox(self._walker), left=2, right=2)
        self._draw()

    def hints(self) -> list[str]:
        return ["back", "quit", "help"]

    def event(self, text: str) -> None:
        """Progress the person may want to know about ("still trying...")."""
        self._events = [*self._events[-4:], text]
        self._draw()

    def _draw(self) -> None:
        rows = [*self._lines, "", *self._events]
        self._walker[:] = [row(r) for r in rows]


class Setup(Wait):
    context = keys.SETUP
