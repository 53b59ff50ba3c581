"""A hostile helper: the real remote-help, with its helper session driven by a script.

A helper controls its own copy of the program completely, so the hostile tests run the
real program with ``HelperSession`` patched: once the friend's program has greeted it,
the script below plays, whatever the helper's person or screen do. Run as::

    python hostile_helper.py SCRIPT.json helper --port N ...   (the usual arguments)

SCRIPT.json is a list of ``[action, argument]``:

- ``["sleep", seconds]``
- ``["keys", text]``: send keystrokes (TERM_IN), as many as the text has, at once
- ``["stall", null]``: stop reading the session stream (the friend's output piles up)
- ``["read", null]``: read it again
- ``["end", null]``: end the session as the helper (BYE)
- ``["vanish", null]``: exit at once without a goodbye
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from remote_help import aio
from remote_help.proto import session as sp
from remote_help.session import mux


async def play(session: mux.HelperSession, steps: list[list[Any]]) -> None:
    channel = session.channel
    resume = channel.resume_reading
    for action, argument in steps:
        if action == "sleep":
            await asyncio.sleep(float(argument))
        elif action == "keys":
            channel.send(sp.TermIn(str(argument).encode()))
        elif action == "stall":
            channel.resume_reading = lambda: None  # type: ignore[method-assign]
            channel.pause_reading()
        elif action == "read":
            channel.resume_reading = resume  # type: ignore[method-assign]
            resume()
        elif action == "end":
            session.end()
        elif action == "vanish":
            os._exit(9)
        else:
            raise ValueError(f"unknown action {action!r}")


def patch(steps: list[list[Any]]) -> None:
    greeted = mux.HelperSession._on_message

    def on_message(self: mux.HelperSession, message: sp.Message) -> None:
        first = self.peer is None
        greeted(self, message)
        if first and self.peer is not None:
            aio.spawn(play(self, steps), "the hostile helper's script")

    mux.HelperSession._on_message = on_message  # type: ignore[method-assign]


def main() -> int:
    steps = json.loads(Path(sys.argv[1]).read_text())
    patch(steps)
    from remote_help.cli import main as real_main

    return real_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
