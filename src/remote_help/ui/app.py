"""The full-screen front end's composition root: urwid on our asyncio loop, the flow of
steps, the key dispatch, and an orderly stop whatever happens."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import termios
from typing import Any

import urwid

from remote_help.aio import spawn
from remote_help.sentences import Say, text
from remote_help.term.encoding import terminal_encoding
from remote_help.term.keys import c1_form
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, Top, key_line
from remote_help.ui.eventloop import QuietEventLoop
from remote_help.ui.frontend import UrwidFrontEnd
from remote_help.ui.keyboard import KeyboardScreen
from remote_help.ui.palette import PALETTE, Caps
from remote_help.ui.screens.details import Details
from remote_help.ui.screens.ending import Help
from remote_help.wizard.controller import Journey, Outcome
from remote_help.wizard.flow import Event, Flow, Step
from remote_help.wizard.options import Options, Settings
from remote_help.wizard.status import Answer

log = logging.getLogger(__name__)

ACTION_EVENTS = {
    "continue": Event.NEXT, "close": Event.NEXT, "back": Event.BACK, "quit": Event.CANCEL,
    "stop": Event.CANCEL, "friend": Event.FRIEND, "helper": Event.HELPER,
    "retry": Event.RETRY,
}
BRACKETED_PASTE_ON = b"\x1b[?2004h"
BRACKETED_PASTE_OFF = b"\x1b[?2004l"
# Autowrap off while we run: a character the real terminal draws wider than we counted
# then never scrolls the screen (and our status line with it) up a row.
AUTOWRAP_OFF = b"\x1b[?7l"
AUTOWRAP_ON = b"\x1b[?7h"
REWRITE_EVERY = 1.0  # seconds: during a session the whole screen is written again
# The window's title names remote-help and the person's part in it: xterm's title stack
# keeps the title it had (CSI 22;0 t pushes it, CSI 23;0 t puts it back at the end), and
# OSC 2 sets ours. Not on the Linux console, which has no title and would print them.
TITLE_SAVE = b"\x1b[22;0t"
TITLE_RESTORE = b"\x1b[23;0t"
# Steps whose screens wait for the person's choice: keys typed after a choice, until the
# next screen is shown, belong to that next screen.
CHOOSING = (Step.WELCOME, Step.ROLE, Step.DETAILS, Step.FAILED, Step.ENDED)


class App:
    """One run of the full-screen remote-help."""

    def __init__(self, options: Options, caps: Caps,
                 saved: Settings | None = None) -> None:
        self.caps = caps
        self.front = UrwidFrontEnd(self)
        # ``saved``: what the person decided before the full screen (cli).
        self.journey = Journey(self.front, options, saved, skips_answered=True)
        self.current: StepScreen = StepScreen()
        self._help: Help | None = None
        self._journey: asyncio.Task[Outcome] | None = None
        self.final_words = text(Say.WIZARD_CANCELLED)
        self.exit_code = 1
        self._redraw_pending = False
        self.top = Top(self._on_key)
        self.main: urwid.MainLoop | None = None
        self._crashed = False
        self._terminal_gone = False
        self._settling = False  # a step was chosen; its screen is not shown yet
        self._typed_ahead: list[str] = []
        self._rewrite: asyncio.TimerHandle | None = None
        self._rewritten = 0.0
        self._titled = os.environ.get("TERM", "") != "linux"
        self._title = ""

    # -- the stage the screens and the front end use ------------------------------------

    @property
    def flow(self) -> Flow:
        """Where the journey is (the step shown, numbered, in the header)."""
        return self.journey.flow

    @property
    def colors(self) -> int:
        return self.caps.colors

    @property
    def utf8(self) -> bool:
        return self.caps.utf8

    def show(self, screen: StepScreen) -> None:
        self._set_title()
        self.current = screen
        self._help = None
        self._present(screen)
        self._settling = False
        if self._typed_ahead:  # keys typed while the step changed belong to the new one
            typed, self._typed_ahead = self._typed_ahead, []
            for key in typed:
                self._on_key(key)

    def _set_title(self) -> None:
        """The window's title: remote-help, and once the role is known, the person's part."""
        if not self._titled or self.main is None:
            return
        options = self.journey.options
        chosen = options.role_given or self.flow.step not in (Step.WELCOME, Step.ROLE)
        role = options.role if chosen else None  # (a remembered role is not chosen yet)
        title = text(Say.WINDOW_TITLE, role) if role is not None else "remote-help"
        if title != self._title:
            self._title = title
            data = title.encode(terminal_encoding(), errors="replace")
            with contextlib.suppress(OSError):
                os.write(1, b"\x1b]2;" + data + b"\x07")

    def _present(self, screen: StepScreen) -> None:
        session = screen.context in (keys.SESSION_FRIEND, keys.SESSION_HELPER)
        if session:
            header = ""
        elif self.flow.step is Step.FAILED:
            header = screen.title
        else:
            header = text(Say.UI_STEP, number=self.flow.number, title=screen.title)
        stop = text(Say.UI_STOP_ANY_TIME)
        self.top.show(screen.widget, header, key_line(screen.context, screen.hints()), stop,
                      chrome=not session)
        self.redraw()

    def redraw(self) -> None:
        """Ask for one drawing soon; many changes in a row make one drawing."""
        if self._redraw_pending or self.main is None:
            return
        self._redraw_pending = True
        asyncio.get_running_loop().call_soon(self._draw)

    def _draw(self) -> None:
        self._redraw_pending = False
        if self.main is not None:
            self.main.draw_screen()

    def _in_session(self) -> bool:
        return self.current.context in (keys.SESSION_FRIEND, keys.SESSION_HELPER)

    def _draw_screen(self, draw: Any) -> None:
        """urwid's drawing, wrapped: in a session, the status line is written again every
        time (urwid skips rows it believes unchanged, and the real terminal may have moved
        them), and the whole screen at least every REWRITE_EVERY seconds; a drawing that
        fails never leaves a session running unseen."""
        try:
            if self._in_session() and self.main is not None:
                self._forget_rows(self.main.screen)
            draw()
        except Exception as exc:
            try:
                termios.tcgetattr(0)
            except termios.error:
                raise exc from None  # the terminal went away: handled where that is
            self._cannot_draw(exc)

    def _forget_rows(self, screen: Any) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._rewritten >= REWRITE_EVERY:
            self._rewritten = now
            screen.screen_buf = None  # both urwid versions then write every row
            return
        for rows in (getattr(screen, "screen_buf", None), getattr(screen, "_drawn_rows", None)):
            if rows:
                rows[0] = None  # never equal to a row: written again
        if self._rewrite is None:
            self._rewrite = asyncio.get_running_loop().call_later(REWRITE_EVERY,
                                                                  self._rewrite_all)

    def _rewrite_all(self) -> None:
        self._rewrite = None
        if self.main is not None and self._in_session():
            self._rewritten = 0.0
            self.main.draw_screen()

    def _cannot_draw(self, exc: Exception) -> None:
        """The screen could not be drawn: a session ends (its helper's keys held first);
        elsewhere the program stops in order, as after any unexpected error."""
        log.error("drawing the screen failed", exc_info=exc)
        screen = self.current
        stop = getattr(screen, "cannot_draw", None)
        if self._in_session() and callable(stop) and not self._crashed:
            stop()
            return
        self._crash(exc)

    def _crash(self, exc: Exception) -> None:
        """Never a traceback on the screen: the journey stops in order, then raises."""
        self._crashed = True
        self.journey.abort(exc)

    def screen_size(self) -> tuple[int, int]:
        if self.main is None:
            return 80, 24
        cols, rows = self.main.screen.get_cols_rows()
        return cols, rows

    def answer(self, answer: Answer) -> None:
        self.journey.answer(answer)

    def addresses(self) -> list[tuple[str, str]]:
        return self.journey.addresses()

    # -- running ----------------------------------------------------------------------

    async def run(self) -> int:
        self._start()
        try:
            self._journey = spawn(self.journey.run(), "journey")
            outcome = await self._journey
        finally:
            await self._stop()
        self.final_words, self.exit_code = outcome.words, outcome.code
        return self.exit_code

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        # Every form of Ctrl+Alt+C becomes urwid's "meta ctrl c" (xterm's among them).
        screen = KeyboardScreen(c1_form(terminal_encoding()))
        screen.set_terminal_properties(colors=self.caps.colors)
        self.main = urwid.MainLoop(self.top, PALETTE, screen=screen, handle_mouse=False,
                                   event_loop=QuietEventLoop(loop=loop))
        self.main.start()
        original = self.main.draw_screen
        self.main.draw_screen = lambda: self._draw_screen(original)
        # Ctrl+C, Ctrl+Z, Ctrl+\, Ctrl+S are keys for the shared shell, not signals for us.
        screen.tty_signal_keys("undefined", "undefined", "undefined", "undefined",
                               "undefined")
        with contextlib.suppress(OSError):
            os.write(1, BRACKETED_PASTE_ON + AUTOWRAP_OFF + (TITLE_SAVE if self._titled else b""))
        self._set_title()
        task = asyncio.current_task()
        previous = loop.get_exception_handler()

        def terminal_gone(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
            """urwid fails over and over once the terminal has gone away (a closed window
            whose hang-up signal was ignored): stop as if the window had been closed."""
            try:
                termios.tcgetattr(0)
            except termios.error:
                if task is not None and not task.done() and self._terminal_gone is False:
                    self._terminal_gone = True
                    task.cancel()
                return
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

        loop.set_exception_handler(terminal_gone)

    async def _stop(self) -> None:
        await _cancel(self._journey)
        if self.main is not None:
            if self._rewrite is not None:
                self._rewrite.cancel()
                self._rewrite = None
            with contextlib.suppress(OSError):
                os.write(1, BRACKETED_PASTE_OFF + AUTOWRAP_ON
                         + (TITLE_RESTORE if self._titled else b""))
            with contextlib.suppress(Exception):
                self.main.stop()
            self.main = None

    # -- keys ---------------------------------------------------------------------------

    def _on_key(self, key: str) -> None:
        try:
            self._dispatch(key)
        except Exception as exc:  # never a traceback on the screen: stop in order instead
            log.exception("key %r", key)
            self._crash(exc)

    def _dispatch(self, key: str) -> None:
        if self._settling and keys.action_for(self.current.context, key) != "stop":
            self._typed_ahead.append(key)
            return
        if self._help is not None:
            action = keys.action_for(keys.HELP, key)
            if action in ("close-help", "help"):
                self._help = None
                self._present(self.current)
            elif action == "stop":
                self._event(Event.CANCEL)
            return
        screen = self.current
        action = keys.action_for(screen.context, key)
        if action != "stop" and screen.captures(key):
            action = None
        if action is not None and screen.act(action):
            if self.current is screen:
                self._present(screen)  # the title or the keys may have changed
            return
        if action == "help":
            self._help = Help(screen.context)
            self._present(self._help)
            return
        if action == "same":  # Enter on the role step: last time's answers, if any
            remembered = getattr(screen, "remembered", None)
            if remembered is not None:
                self._event(Event(remembered.value), remembered=True)
            return
        if action is not None and action in ACTION_EVENTS:
            self._event(ACTION_EVENTS[action])
            return
        if screen.context in (keys.SESSION_FRIEND, keys.SESSION_HELPER):
            screen.type(key)  # to the shell, at once: the screen itself does not change
            return
        if screen.type(key):
            self._present(screen)

    def _event(self, event: Event, *, remembered: bool = False) -> None:
        """The person chose on the step shown: the journey decides what it means."""
        step = self.front.step
        screen = self.current
        options = screen.options if isinstance(screen, Details) else None
        if step in CHOOSING and step is self.flow.step and self.flow.can(event):
            self._settling = True
        self.journey.answer(Answer(step, event, options=options, remembered=remembered))


async def _cancel(task: asyncio.Task[Any] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(BaseException):
            await task

