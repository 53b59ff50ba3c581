"""The full-screen front end: each status the journey publishes becomes a screen."""

from __future__ import annotations

from typing import Protocol

from remote_help import roles
from remote_help.sentences import Say, text
from remote_help.ui.chrome import StepScreen
from remote_help.ui.screens.details import Details, address_lines
from remote_help.ui.screens.ending import Ended, Failed
from remote_help.ui.screens.role import Role
from remote_help.ui.screens.verify import Result, VerifyFriend, VerifyHelper
from remote_help.ui.screens.wait import Setup, Wait
from remote_help.ui.screens.welcome import Welcome
from remote_help.ui.shared import SharedTerminal
from remote_help.wizard import status as st
from remote_help.wizard.flow import Event, Step
from remote_help.wizard.messages import span_text
from remote_help.wizard.options import with_port


class Stage(Protocol):
    """What the front end may ask of the app: show a screen, redraw, know the terminal,
    and pass the person's answers to the journey."""

    def show(self, screen: StepScreen) -> None: ...
    def redraw(self) -> None: ...
    def screen_size(self) -> tuple[int, int]: ...
    def answer(self, answer: st.Answer) -> None: ...
    def addresses(self) -> list[tuple[str, str]]: ...
    @property
    def colors(self) -> int: ...
    @property
    def utf8(self) -> bool: ...


class UrwidFrontEnd:
    """Implements the journey's ``FrontEnd`` on the stage."""

    def __init__(self, stage: Stage) -> None:
        self.stage = stage
        self.step = Step.WELCOME  # the step of the status shown last
        self.status: st.Status | None = None
        self._wait_screen: Wait | None = None
        self._result: Result | None = None
        self._shared: SharedTerminal | None = None

    def show(self, status: st.Status) -> None:
        if isinstance(status, st.News):
            self._news(status.text)
            return
        self.step = status.step
        self.status = status
        screen = self._screen_for(status)
        if screen is not None:
            self.stage.show(screen)

    def _screen_for(self, status: st.Status) -> StepScreen | None:
        if isinstance(status, st.Asking):
            return self._asking(status)
        if isinstance(status, st.Listening):
            return self._listening(status)
        if isinstance(status, st.Connecting):
            role = status.role
            return self._wait(text(Say.UI_WAIT_CONNECTING_TITLE, role),
                              [text(Say.UI_WAIT_CONNECTING, role,
                                   address=with_port(status.address, status.port)),
                               "", text(Say.UI_WAIT_MINUTE)])
        if isinstance(status, st.CodeReady):
            return self._verify(status)
        if isinstance(status, st.Checked):
            assert status.details is not None
            self._result = Result(status.correct, status.details)
            return self._result
        if isinstance(status, st.WaitingForPeer):
            if status.role is roles.Role.FRIEND and self._result is not None:
                self._result.waiting_for_helper()
                return self._result
            if status.role is roles.Role.FRIEND:
                return None
            return Setup(text(Say.UI_WAIT_PEER_TITLE), [text(Say.UI_WAIT_PEER)])
        if isinstance(status, st.SettingUp):
            return Setup(text(Say.UI_SETUP_TITLE), [text(Say.UI_SETUP)])
        if isinstance(status, st.Live):
            return None  # the session's view is shown by session_view
        if isinstance(status, st.Ended):
            rows, typed = self._shared.final_words if self._shared is not None else ([], [])
            self._shared = None
            return Ended(status.text, rows, typed if status.role is roles.Role.FRIEND else [])
        if isinstance(status, st.Failed):
            return Failed(status.text, stop=status.stopped)
        return None

    # -- steps 1-3 -----------------------------------------------------------------------

    def _asking(self, status: st.Asking) -> StepScreen:
        if status.step is Step.WELCOME:
            return Welcome(status.options.role)
        if status.step is Step.ROLE:
            return Role(status.last_role, status.last_address)
        return Details(status.options, self.stage.addresses)

    # -- step 4 --------------------------------------------------------------------------

    def _listening(self, status: st.Listening) -> StepScreen:
        role = status.role
        lines: list[object] = [
            text(Say.UI_WAIT_LISTENING, role),
            "",
            text(Say.UI_WAIT_TYPES_ADDRESS, role),
            *address_lines(list(status.spoken), role, status.port),
            "",
            text(Say.UI_WAIT_AT_MOST, span=span_text(status.options.wait)),
        ]
        return self._wait(text(Say.UI_WAIT_LISTENING_TITLE, role), lines)

    def _wait(self, title: str, lines: list[object]) -> StepScreen:
        self._wait_screen = Wait(title, lines)
        return self._wait_screen

    def _news(self, words: str) -> None:
        if self._wait_screen is not None:
            self._wait_screen.event(words)
            self.stage.redraw()

    # -- step 5 --------------------------------------------------------------------------

    def _verify(self, status: st.CodeReady) -> StepScreen:
        assert status.details is not None

        def reply(value: bool | str) -> None:
            self.stage.answer(st.Answer(Step.VERIFY, value=value))

        def back() -> None:  # asked first, on the screen: new words will be read
            self.stage.answer(st.Answer(Step.VERIFY, Event.BACK))

        self._result = None
        if status.role is roles.Role.HELPER:
            return VerifyHelper(status.code, status.details, reply, back)
        return VerifyFriend(len(status.code), reply, back, mismatches=status.mismatches,
                            tries_left=status.tries_left)

    # -- step 7 --------------------------------------------------------------------------

    def session_view(self, live: st.Live) -> SharedTerminal:
        assert live.connected is not None
        shared = SharedTerminal(live.role, self.stage.screen_size(), self.stage.redraw,
                                colors=self.stage.colors, utf8=self.stage.utf8)
        shared.set_peer(live.connected.peer_user, live.connected.peer_address)
        self._shared = shared
        self.stage.show(shared)
        return shared
