"""QuietEventLoop: urwid's idle work (drawing the screen) follows each batch of urwid's
work, at once, and nothing runs while nothing happens. A real urwid MainLoop and raw
screen on a pty, on a real asyncio loop, on whichever urwid is installed."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import signal
import struct
import termios
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urwid

from remote_help.term.keys import c1_form
from remote_help.ui.eventloop import QuietEventLoop
from remote_help.ui.keyboard import KeyboardScreen

COLS, ROWS = 40, 8
IDLE = 1.0  # seconds of nothing happening


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(body())  # type: ignore[arg-type]


def _set_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Terminal:
    """A pty whose program side is urwid's raw screen, run by a MainLoop on the running
    asyncio loop through QuietEventLoop; what urwid writes is read off the other side."""

    def __init__(self, widget: Any) -> None:
        self.master, self._slave = os.openpty()
        _set_size(self._slave, COLS, ROWS)
        os.set_blocking(self.master, False)
        self.output = bytearray()
        self.loop = asyncio.get_running_loop()
        self.events = QuietEventLoop(loop=self.loop)
        self.idle_runs = 0
        self.drawings = 0
        self._input = open(self._slave, "rb", buffering=0, closefd=False)  # noqa: SIM115
        self._output = open(os.dup(self._slave), "w", encoding="utf-8")  # noqa: SIM115
        # The app's screen: urwid's raw terminal screen, one key translation added.
        screen = KeyboardScreen(c1_form("utf-8"), input=self._input, output=self._output)
        self.main = urwid.MainLoop(widget, screen=screen, handle_mouse=False,
                                   event_loop=self.events)
        original = self.main.draw_screen

        def counted() -> None:
            self.drawings += 1
            original()

        self.main.draw_screen = counted  # as App does: MainLoop's idle work calls it
        self.loop.add_reader(self.master, self._read)

    def _read(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            self.output += os.read(self.master, 65536)

    def _idle(self) -> None:
        self.idle_runs += 1

    def start(self) -> None:
        self.main.start()
        self.events.enter_idle(self._idle)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def shows(self, text: str) -> bool:
        return text.encode() in self.output

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.main.stop()
        self.loop.remove_reader(self.master)
        self._output.close()
        self._input.close()
        os.close(self._slave)
        os.close(self.master)


@contextlib.contextmanager
def terminal(widget: Any) -> Iterator[Terminal]:
    term = Terminal(widget)
    try:
        term.start()
        yield term
    finally:
        term.close()


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "it did not happen"
        await asyncio.sleep(0.01)


async def settled(term: Terminal) -> None:
    """Until urwid has drawn its first screen and then nothing came for a while."""
    await until(lambda: term.drawings > 0)
    length = -1
    while length != len(term.output):
        length = len(term.output)
        await asyncio.sleep(0.2)


def wake_ups() -> int:
    """How often this thread (the asyncio loop's) has gone to sleep so far."""
    for line in Path("/proc/thread-self/status").read_text().splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    raise AssertionError("no voluntary_ctxt_switches in /proc/thread-self/status")


async def idle_wake_ups(seconds: float = IDLE) -> int:
    """Wake-ups while this coroutine sleeps ``seconds`` and nothing else happens: the
    sleep itself is one."""
    before = wake_ups()
    await asyncio.sleep(seconds)
    return wake_ups() - before


# -- drawing follows urwid's work ---------------------------------------------------------

def test_the_first_screen_is_drawn_when_the_main_loop_starts() -> None:
    async def body() -> None:
        with terminal(urwid.Filler(urwid.Text("first screen"), "top")) as term:
            await until(lambda: term.shows("first screen"), timeout=1.0)

    run(body)


def test_a_typed_key_is_drawn_at_once() -> None:
    async def body() -> None:
        edit = urwid.Edit("name: ")
        with terminal(urwid.Filler(edit, "top")) as term:
            await settled(term)
            drawings, idle_runs = term.drawings, term.idle_runs
            term.type("xyzzy")
            await until(lambda: term.shows("xyzzy"), timeout=1.0)
            assert edit.edit_text == "xyzzy"
            assert term.drawings > drawings
            assert term.idle_runs > idle_runs

    run(body)


def test_an_alarm_that_changes_a_widget_is_drawn() -> None:
    async def body() -> None:
        text = urwid.Text("before")
        with terminal(urwid.Filler(text, "top")) as term:
            await settled(term)
            term.main.set_alarm_in(0.01, lambda *_: text.set_text("after the alarm"))
            await until(lambda: term.shows("after the alarm"), timeout=1.0)

    run(body)


def test_a_resized_terminal_is_drawn_at_its_new_size() -> None:
    async def body() -> None:
        with terminal(urwid.Filler(urwid.Text("resized"), "top")) as term:
            await settled(term)
            drawings = term.drawings
            _set_size(term.master, COLS + 10, ROWS + 2)
            os.kill(os.getpid(), signal.SIGWINCH)  # what the kernel sends the terminal's program
            await until(lambda: term.drawings > drawings, timeout=1.0)
            assert term.main.screen_size in (None, (COLS + 10, ROWS + 2))
            assert term.main.screen.get_cols_rows() == (COLS + 10, ROWS + 2)

    run(body)


def test_a_batch_of_work_is_followed_by_one_idle_run() -> None:
    async def body() -> None:
        with terminal(urwid.Filler(urwid.Text("batch"), "top")) as term:
            await settled(term)
            fired: list[int] = []
            idle_runs = term.idle_runs
            for n in range(5):  # due together: one iteration of the asyncio loop
                term.events.alarm(0, lambda n=n: fired.append(n))
            await until(lambda: len(fired) == 5)
            await until(lambda: term.idle_runs > idle_runs)
            await asyncio.sleep(0.1)
            assert term.idle_runs == idle_runs + 1

    run(body)


def test_the_idle_work_follows_even_a_failing_callback() -> None:
    async def body() -> None:
        loop = asyncio.get_running_loop()
        errors: list[object] = []
        loop.set_exception_handler(lambda _loop, context: errors.append(context["exception"]))
        with terminal(urwid.Filler(urwid.Text("failing"), "top")) as term:
            await settled(term)
            idle_runs = term.idle_runs

            def fail() -> None:
                raise ValueError("a callback failed")

            term.events.alarm(0, fail)
            await until(lambda: term.idle_runs > idle_runs)
            assert [type(e) for e in errors] == [ValueError]

    run(body)


# -- nothing while nothing happens --------------------------------------------------------

def test_an_idle_main_loop_does_not_wake_up() -> None:
    async def body() -> None:
        with terminal(urwid.Filler(urwid.Edit("name: "), "top")) as term:
            await settled(term)
            drawings, idle_runs = term.drawings, term.idle_runs
            woke = await idle_wake_ups()
            assert (term.drawings, term.idle_runs) == (drawings, idle_runs)
            assert woke <= 3, f"{woke} wake-ups in {IDLE} s of nothing"

    run(body)


def test_the_wake_up_count_sees_a_loop_that_polls() -> None:
    """The yardstick of the test above: urwid 2.1.2's own loop polls every 1/30 s."""

    async def body() -> None:
        loop = asyncio.get_running_loop()
        handle: list[asyncio.TimerHandle] = []

        def poll() -> None:
            handle[:] = [loop.call_later(1 / 30, poll)]

        poll()
        try:
            woke = await idle_wake_ups()
        finally:
            handle[0].cancel()
        assert woke >= 15

    run(body)


# -- urwid's event-loop calls, as both urwid versions make them ---------------------------

def test_remove_alarm_says_whether_it_was_still_to_go_off() -> None:
    async def body() -> None:
        events = QuietEventLoop(loop=asyncio.get_running_loop())
        fired: list[str] = []
        removed = events.alarm(0.01, lambda: fired.append("removed"))
        kept = events.alarm(0.01, lambda: fired.append("kept"))
        assert events.remove_alarm(removed) is True
        assert events.remove_alarm(removed) is False
        await asyncio.sleep(0.05)
        assert fired == ["kept"]
        assert events.remove_alarm(kept) is False

    run(body)


def test_idle_callbacks_come_and_go_by_handle() -> None:
    async def body() -> None:
        events = QuietEventLoop(loop=asyncio.get_running_loop())
        ran: list[str] = []
        first = events.enter_idle(lambda: ran.append("first"))
        second = events.enter_idle(lambda: ran.append("second"))
        assert first != second
        await asyncio.sleep(0.05)  # the one run that follows enter_idle, for the first screen
        ran.clear()
        assert events.remove_enter_idle(first) is True
        assert events.remove_enter_idle(first) is False
        events.alarm(0, lambda: None)
        await asyncio.sleep(0.05)
        assert ran == ["second"]

    run(body)


def test_a_watched_file_runs_its_callback_then_the_idle_work() -> None:
    async def body() -> None:
        events = QuietEventLoop(loop=asyncio.get_running_loop())
        order: list[str] = []
        events.enter_idle(lambda: order.append("idle"))
        await asyncio.sleep(0.05)  # the one run that follows enter_idle, for the first screen
        order.clear()
        read, write = os.pipe()
        try:
            handle = events.watch_file(read, lambda: order.append(os.read(read, 10).decode()))
            os.write(write, b"data")
            await until(lambda: "idle" in order)
            assert order == ["data", "idle"]
            assert events.remove_watch_file(handle) is True
            assert events.remove_watch_file(handle) is False
        finally:
            os.close(read)
            os.close(write)

    run(body)


def test_async_callbacks_are_refused_not_left_unawaited() -> None:
    async def body() -> None:
        events = QuietEventLoop(loop=asyncio.get_running_loop())

        async def callback() -> None:
            pass

        with pytest.raises(TypeError):
            events.alarm(0, callback)
        with pytest.raises(TypeError):
            events.enter_idle(callback)

    run(body)
