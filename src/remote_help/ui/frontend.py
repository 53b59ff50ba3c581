"""The journey's front end on the full-screen UI: each service report becomes a screen."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol, TypeVar

from remote_help import identity
from remote_help.proto import sas
from remote_help.session.mux import Ending, FriendSession, HelperSession
from remote_help.tunnel.launch import Tunnel
from remote_help.ui.chrome import StepScreen
from remote_help.ui.screens.details import Choices, address_lines
from remote_help.ui.screens.ending import Ended
from remote_help.ui.screens.verify import Result, VerifyFriend, VerifyHelper
from remote_help.ui.screens.wait import Setup, Wait
from remote_help.wizard.controller import Connected, Details
from remote_help.wizard.flow import Event, Flow
from remote_help.wizard.messages import span_text

T = TypeVar("T")


class Stage(Protocol):
    """What the front end may ask of the app: show a screen, redraw, know the terminal."""

    flow: Flow
    choices: Choices

    def show(self, screen: StepScreen) -> None: ...
    def redraw(self) -> None: ...
    def screen_size(self) -> tuple[int, int]: ...
    def session_started(self) -> None: ...
    @property
    def colors(self) -> int: ...
    @property
    def utf8(self) -> bool: ...


class UrwidFrontEnd:
    """Implements the controller's ``FrontEnd`` on the stage."""

    def __init__(self, stage: Stage, wait: float) -> None:
        self.stage = stage
        self._wait = wait
        self._wait_screen: Wait | None = None
        self._result: Result | None = None
        self.stopped_at_check = False  # the friend's screen said STOP
        self._last_words: tuple[list[str], list[str]] = ([], [])  # for the end page

    def _fire(self, event: Event) -> None:
        if self.stage.flow.can(event):
            self.stage.flow.fire(event)

    # -- steps the wizard screens already answered --------------------------------------

    async def warn_friend(self) -> bool:
        return self.stage.flow.warned  # the welcome (with its warning) was passed

    async def ask_role(self) -> str:
        role = self.stage.flow.role
        assert role is not None
        return role

    async def ask_address(self, whose: str) -> str:
        return self.stage.choices.address

    # -- step 4 --------------------------------------------------------------------------

    def listening(self, role: str, port: int, spoken: list[tuple[str, str]]) -> None:
        self._fire(Event.UNPAIRED)  # again, after a caller left before the person answered
        other = "friend" if role == "helper" else "helper"
        lines: list[object] = [
            f"Waiting for your {other} to connect...",
            "",
            f"Your {other} types this address:",
            *address_lines(spoken, role, port),
            "",
            f"This computer waits {span_text(self._wait)} at most.",
        ]
        self._show_wait(f"Waiting for your {other}", lines)

    def connecting(self, role: str, address: str, port: int) -> None:
        other = "helper" if role == "friend" else "friend"
        self._show_wait(f"Connecting to your {other}",
                        [f"Connecting to your {other}'s computer at {address}...",
                         "", "This can take a minute."])

    def _show_wait(self, title: str, lines: list[object]) -> None:
        self._wait_screen = Wait(title, lines)
        self.stage.show(self._wait_screen)

    def event(self, text: str) -> None:
        if self._wait_screen is not None:
            self._wait_screen.event(text)
            self.stage.redraw()

    # -- step 5 --------------------------------------------------------------------------

    async def verify_helper(self, code: str, details: Details) -> bool:
        self._fire(Event.PAIRED)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.stage.show(VerifyHelper(code, details, _resolver(answer)))
        return await answer

    async def verify_friend(self, code: str, details: Details) -> bool:
        self._fire(Event.PAIRED)
        typed: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.stage.show(VerifyFriend(len(code), _resolver(typed)))
        correct = sas.matches(await typed, code)
        self.stopped_at_check = not correct
        self._result = Result(correct, details)
        self.stage.show(self._result)
        return correct

    def waiting_for_peer(self, role: str) -> None:
        if role == "friend" and self._result is not None:
            self._result.waiting_for_helper()
            self.stage.show(self._result)
        elif role == "helper":
            self.stage.show(Setup("Waiting for your friend",
                                  ["Waiting for your friend's computer..."]))

    # -- step 6 and 7 --------------------------------------------------------------------

    def setting_up(self, role: str) -> None:
        self._fire(Event.VERIFIED)
        self.stage.show(Setup("Setting up", ["Setting up the shared terminal..."]))

    async def run_session(self, role: str, connected: Connected, tunnel: Tunnel,
                          spare: set[int]) -> Ending:
        from remote_help.ui.shared import SharedTerminal  # noqa: PLC0415  (the emulator, when needed)

        self._fire(Event.LIVE)
        self.stage.session_started()
        shared = SharedTerminal(role, self.stage.screen_size(), self.stage.redraw,
                                colors=self.stage.colors, utf8=self.stage.utf8)
        shared.set_peer(connected.peer_user, connected.peer_address)
        name = identity.display_name()
        session: FriendSession | HelperSession
        if role == "friend":
            term = "xterm-256color" if self.stage.colors >= 256 else "xterm"
            session = FriendSession(shared, name, term, spare)
        else:
            session = HelperSession(shared, name)
        shared.send = session.key_input
        shared.end = session.end
        shared.resized = session.resize
        self.stage.show(shared)
        try:
            return await session.run(tunnel.rfd, tunnel.wfd, lead=tunnel.lead)
        finally:
            self._last_words = shared.last_words()
            shared.close()

    def ended(self, role: str, text: str) -> None:
        self._fire(Event.ENDED)
        rows, typed = self._last_words
        self._last_words = ([], [])
        self.stage.show(Ended(text, rows, typed if role == "friend" else []))


def _resolver(future: asyncio.Future[T]) -> Callable[[T], None]:
    def resolve(value: T) -> None:
        if not future.done():
            future.set_result(value)

    return resolve
