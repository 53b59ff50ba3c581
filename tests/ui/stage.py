"""Render-and-read for the wizard: an App without a terminal, driven by keypresses.

Works on urwid 2.1.2 and 5.x alike: it only renders the top widget to a canvas and reads
the rows a person would see.
"""

from __future__ import annotations

import asyncio
from typing import Any

from remote_help.aio import spawn
from remote_help.ui.app import App
from remote_help.ui.palette import Caps
from remote_help.wizard.options import Options

MIN = (60, 20)
COLOUR_UTF8 = Caps(16, True)
NORMAL = (80, 24)


class Stage:
    def __init__(self, options: Options | None = None, *, size: tuple[int, int] = NORMAL,
                 caps: Caps = COLOUR_UTF8) -> None:
        self.app = App(options or Options(), caps)
        self.size = size
        self.task: asyncio.Task[Any] | None = None

    async def start(self) -> Stage:
        self.task = spawn(self.app.journey.run(), "journey")
        await self.settle()
        return self

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    async def press(self, *keys: str) -> str:
        for key in keys:
            self.app.top.keypress(self.size, key)
            await self.settle()
        return self.text()

    def rows(self, size: tuple[int, int] | None = None) -> list[str]:
        canvas = self.app.top.render(size or self.size, focus=True)
        return [row.decode("utf-8", "replace").rstrip() for row in canvas.text]

    def text(self, size: tuple[int, int] | None = None) -> str:
        return "\n".join(self.rows(size))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


def joined(text: str) -> str:
    """The screen's words with line breaks and indentation folded away, for phrases that
    wrap differently at different sizes."""
    return " ".join(text.split())
