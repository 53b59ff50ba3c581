"""The kinds of channel a shared session can carry (the front ends' views are made per
kind; session/run.py builds each kind's session)."""

from __future__ import annotations

from typing import Protocol

from remote_help.compat import StrEnum


class Kind(StrEnum):
    SHELL = "shell"  # one shared terminal: the friend's pty, mirrored on both screens


class Inputs(Protocol):
    """What a front end feeds into a running session of any kind."""

    def key_input(self, data: bytes) -> None: ...
    def end(self) -> None: ...
    def resize(self) -> None: ...
