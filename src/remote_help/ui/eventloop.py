"""urwid on our asyncio loop without waking up while nothing happens.

urwid has no idle moment on asyncio, so each version fakes one. urwid 2.1.2 (Debian 12)
runs the idle callbacks from a timer every 1/30 s, whatever happens: an idle program wakes
about 300 times in 10 s, and asks for a drawing each time. urwid 5 runs them after each of its
own timers and input callbacks instead. ``QuietEventLoop`` does what urwid 5 does, on both
versions, through the event-loop methods both versions' MainLoop and screens call.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

import urwid

Callback = Callable[[], Any]


class QuietEventLoop(urwid.AsyncioEventLoop):  # type: ignore[misc]
    """urwid's asyncio event loop whose idle callbacks (MainLoop's drawing of the screen)
    run once after each batch of urwid's work (input read, an alarm gone off), in the loop
    iteration that follows it, and never otherwise: there is no timer while nothing
    happens.

    Whatever changes the widgets outside urwid's own callbacks (our asyncio tasks) asks
    for a drawing itself, as it must on urwid 5 already (``App.redraw``). urwid 5's
    ``async def`` callbacks are refused: nothing here uses them, and urwid 2.1.2 has none.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self._asyncio = loop  # our own name: each urwid version keeps its loop differently
        self._idle_callbacks_by_handle: dict[int, Callback] = {}
        self._last_idle_handle = 0
        self._idle_due: asyncio.Handle | None = None
        self._alarms_due: set[asyncio.TimerHandle] = set()

    # -- idle ---------------------------------------------------------------------------

    def enter_idle(self, callback: Callback) -> int:
        """Run ``callback`` after each batch of work, and once soon: MainLoop.start()
        registers its drawing here, and urwid 2.1.2 has it draw the first screen from
        the idle timer (urwid 5 adds an alarm for that); a handle for remove_enter_idle."""
        self._last_idle_handle += 1
        self._idle_callbacks_by_handle[self._last_idle_handle] = _plain(callback)
        self._idle_soon()
        return self._last_idle_handle

    def remove_enter_idle(self, handle: int) -> bool:
        """Whether the idle callback was there to remove."""
        return self._idle_callbacks_by_handle.pop(handle, None) is not None

    def _after(self, callback: Callback) -> Callback:
        """``callback``, then the idle callbacks once all that is ready now has run."""

        def work() -> None:
            self._idle_soon()  # before: the drawing still follows a failure
            callback()

        return work

    def _idle_soon(self) -> None:
        """The idle callbacks, once, after what the asyncio loop has ready now."""
        if self._idle_due is None:
            self._idle_due = self._asyncio.call_soon(self._enter_idle)

    def _enter_idle(self) -> None:
        self._idle_due = None
        for callback in list(self._idle_callbacks_by_handle.values()):  # may change them
            callback()

    # -- urwid's work -------------------------------------------------------------------

    def alarm(self, seconds: float, callback: Callback) -> asyncio.TimerHandle:
        """Call ``callback`` in ``seconds``; a handle for remove_alarm."""
        work = self._after(_plain(callback))

        def fire() -> None:
            self._alarms_due.discard(handle)
            work()

        handle = self._asyncio.call_later(seconds, fire)
        self._alarms_due.add(handle)
        return handle

    def remove_alarm(self, handle: asyncio.TimerHandle) -> bool:
        """Whether the alarm had still to go off (urwid 5's meaning)."""
        handle.cancel()
        if handle in self._alarms_due:
            self._alarms_due.discard(handle)
            return True
        return False

    def watch_file(self, fd: int, callback: Callback) -> int:
        """Call ``callback`` whenever ``fd`` can be read; a handle for remove_watch_file."""
        self._asyncio.add_reader(fd, self._after(_plain(callback)))
        return fd

    def remove_watch_file(self, handle: int) -> bool:
        """Whether ``handle`` was watched."""
        return self._asyncio.remove_reader(handle)


def _plain(callback: Callback) -> Callback:
    """A callback that does its work when called (not an ``async def`` one)."""
    if inspect.iscoroutinefunction(callback):
        raise TypeError(f"{callback!r}: urwid's async callbacks are not supported here")
    return callback
