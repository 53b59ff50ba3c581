"""The shared shell: the friend's pty fanned out to both people, both people's keys merged in.

The friend's side is the authority: it owns the pty and its size. The helper's side only
shows what it is sent and sends what its person types. Neither knows how it is drawn:
a ``View`` (plain terminal or the full-screen UI) shows the bytes and the notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import logging
import os
import select
import struct
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from remote_help import aio
from remote_help.aio import FdWatch
from remote_help.proto import session as sp
from remote_help.roles import EndReason, Role
from remote_help.sentences import Say, text
from remote_help.session import keylog
from remote_help.session.channel import Channel
from remote_help.session.pty import ShellPty

log = logging.getLogger(__name__)
HELLO_DEADLINE = 30.0
READ_CHUNK = 64 * 1024
MAX_HELD_KEYS = 64 * 1024  # the helper's keys waiting before its stream is paused
WRITES_PER_TURN = 64  # writes into the pty before keys and output get their turn again
END_DRAIN_TIME = 0.5  # seconds, at most, to read what the ended shell left on the pty
END_DRAIN_BYTES = 8 * 1024 * 1024


class View(Protocol):
    """Where one person sees the shared terminal."""

    def show(self, data: bytes) -> None: ...

    def size(self) -> tuple[int, int]: ...

    def notice(self, text: str) -> None: ...

    def connected(self, peer: sp.Hello) -> None:
        """The other program answered through the secure connection: say who is there."""

    def grid(self, cols: int, rows: int) -> None:
        """The friend's terminal size, for the helper's copy of it."""

    @property
    def busy(self) -> bool:
        """The view is behind: stop feeding it until it calls ``on_drained``."""

    on_drained: Callable[[], None]

    def snapshot(self) -> bytes:
        """The friend's screen as it is now, as bytes that redraw it on a reset terminal."""

    def reset(self) -> None:
        """The helper's copy starts again from a blank terminal (before a snapshot)."""

    def helper_typed(self, text: str, *, echo: bool) -> None:
        """The friend's side: the helper sent these keys (described in words); ``echo``:
        whether the shell's terminal echoes them by itself."""


@dataclass(frozen=True)
class Ending:
    """How a session ended: ``ok`` means a person ended it (exit status 0)."""

    reason: EndReason
    ok: bool
    detail: str = ""


class _Session:
    role: Role

    def __init__(self, view: View, name: str) -> None:
        self.view = view
        self.name = name
        self.peer: sp.Hello | None = None
        self.channel = Channel(self._on_message, self._on_closed, self._on_writable)
        # Made now, so an end key pressed while the session is still starting counts.
        self._ended: asyncio.Future[Ending] = asyncio.get_running_loop().create_future()
        self._hello = asyncio.Event()

    async def _start(self, rfd: int, wfd: int, lead: bool) -> None:
        await self.channel.open(rfd, wfd, lead=lead)
        if self._ended.done() and self._ended.result().reason == self._ended_here:
            self.channel.send(sp.Bye(self._ended_here))  # ended while we were starting

    @property
    def _ended_here(self) -> EndReason:
        """The reason when this side's person ends the session."""
        return EndReason.ended_by(self.role)

    def _finish(self, ending: Ending) -> None:
        if not self._ended.done():
            self._ended.set_result(ending)
            self._stop_now()
        self._hello.set()  # nobody waits for a greeting once the session ended

    def _stop_now(self) -> None:
        """The session just ended: stop acting on anything, at once (not after goodbyes)."""

    async def _after_end(self) -> None:
        """What must be done before goodbyes are flushed (the friend's shell ends)."""

    async def _await_hello(self) -> sp.Hello | None:
        with contextlib.suppress(TimeoutError):
            await aio.wait_for(self._hello.wait(), HELLO_DEADLINE)
        if self.peer is None and not self._ended.done():
            self._finish(Ending(EndReason.SETUP_FAILED, False, text(Say.SESSION_NO_ANSWER)))
        return self.peer

    def _goodbye_patience(self) -> float:
        """Seconds our goodbye may take to leave before the stream is closed."""
        return 2.0

    def _on_closed(self, error: str | None) -> None:
        if self.peer is None:  # the other person may have left while SSH started
            self._finish(Ending(EndReason.CLOSED_EARLY, False, error or ""))
        else:
            self._finish(Ending(EndReason.LOST, False, error or ""))

    def _on_writable(self, writable: bool) -> None:
        pass

    def _on_message(self, message: sp.Message) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """This person ends the session."""
        reason = self._ended_here
        self.channel.send(sp.Bye(reason))
        self._finish(Ending(reason, True))

    async def _wait_end(self) -> Ending:
        try:
            ending = await self._ended
        except asyncio.CancelledError:
            # Our program is being stopped (its window closed, a signal): say goodbye.
            self._stop_now()
            self.channel.send(sp.Bye(self._ended_here))
            await self.channel.flush(0.5)
            raise
        await self._after_end()
        if ending.ok:
            await self.channel.flush(self._goodbye_patience())
        self.channel.close()
        return ending


class FriendSession(_Session):
    """The friend's side: owns the pty.

    The friend's own screen never waits for the helper: the pty is read as fast as the
    friend's view takes it, whatever the helper's stream does. A helper that falls behind
    (a slow link, or a hostile program that stops reading) has its copy dropped and is
    sent the friend's current screen once its stream drains (``Resync``). The helper's
    keys are held while the friend's view is behind, and the pty's output is read before
    any key that could make the terminal discard it (an interrupt), so nothing the helper's
    keys cause can go unseen by the friend.
    """

    role = Role.FRIEND

    def __init__(self, view: View, name: str, term: str, spare: set[int]) -> None:
        """``spare``: processes of the tunnel, which ending the shell must not touch."""
        super().__init__(view, name)
        self.term = term
        self.spare = spare
        self.pty = ShellPty()
        self._to_pty: list[tuple[bool, bytearray]] = []  # (from the helper, keys) in order
        self._held = 0  # bytes of the helper's keys waiting
        self._reading = FdWatch("read", self._read_pty)
        self._writing = FdWatch("write", self._flush_pty)
        self._live = False  # the shell runs and its output may be read
        self._helper_behind = False  # the helper's copy of the output is being dropped
        self._flushing = False

    async def run(self, rfd: int, wfd: int, *, lead: bool) -> Ending:
        try:
            await self._start(rfd, wfd, lead)
            cols, rows = self.view.size()
            self.channel.send(sp.Hello(self.role, self.name, cols, rows))
            peer = await self._await_hello()
            if peer is None:
                return await self._wait_end()
            log.debug("greeted by the helper")
            self.view.connected(peer)
            await self.pty.spawn(cols, rows, self.term, self.spare)
            keep_output_on_interrupt(self.pty.master)
            log.debug("shell started")
            if self._ended.done():  # ended while the shell was starting
                return await self._wait_end()
            self._live = True
            self.view.on_drained = self._update_reading
            self._update_reading()
            return await self._wait_end()
        finally:
            self._live = False
            self._set_reading(False)
            self._set_writing(False)
            await self.pty.terminate(self._drain_to_the_end)
            self.channel.close()

    def _stop_now(self) -> None:
        # No more keys written: from this moment the helper can do nothing, even while
        # our goodbye is still on its way. The shell's processes are ended next, and what
        # they left on the terminal is shown to the friend before it closes.
        self._live = False
        self._set_reading(False)
        self._set_writing(False)
        self._to_pty.clear()
        self._held = 0

    async def _after_end(self) -> None:
        await self.pty.terminate(self._drain_to_the_end)

    def _goodbye_patience(self) -> float:
        if self._helper_behind or not self.channel.writable:
            return 0.2  # a helper that does not read will not read a goodbye either
        return super()._goodbye_patience()

    # -- input from both people -----------------------------------------------------

    def key_input(self, data: bytes) -> None:
        """The friend typed."""
        self._queue(data, helper=False)

    def resize(self) -> None:
        """The friend's view changed size: the pty follows, the helper is told."""
        cols, rows = self.view.size()
        self.pty.resize(cols, rows)
        self.channel.send(sp.Resize(cols, rows))

    def _on_message(self, message: sp.Message) -> None:
        match message:
            case sp.Hello() if self.peer is None and message.role == self.role.other:
                self.peer = message
                self._hello.set()
            case sp.TermIn(data) if self.peer is not None:
                self._queue(data, helper=True)
            case sp.Resize() | sp.Notice():
                pass
            case sp.Bye(reason):
                # The helper can only have ended it (or failed); it cannot speak for us.
                reason = EndReason.ERROR if reason == EndReason.ERROR else EndReason.HELPER_ENDED
                self._finish(Ending(reason, reason.normal))
            case _:
                self._finish(Ending(EndReason.ERROR, False,
                                    text(Say.SESSION_UNEXPECTED, self.role)))

    def _queue(self, data: bytes, *, helper: bool) -> None:
        # Keys that come before the shell runs wait for it; after the end, none is taken.
        if self._ended.done() or not data:
            return
        if self._to_pty and self._to_pty[-1][0] == helper:
            self._to_pty[-1][1].extend(data)
        else:
            self._to_pty.append((helper, bytearray(data)))
        if helper:
            self._held += len(data)
            if self._held > MAX_HELD_KEYS:
                self.channel.pause_reading()  # the helper waits; its keys are never dropped
        self._flush_pty()

    def _flush_pty(self) -> None:
        if self._flushing:
            return  # called again from inside (the view drained while we read): the outer
            # loop carries on with the queue as it is now
        self._flushing = True
        typed = bytearray()  # the helper's keys written now, shown to the friend once
        echo = True
        try:
            echo = self._write_keys(typed)
        finally:
            self._flushing = False
        if typed:
            self._show_typed(bytes(typed), echo)
        if self._held <= MAX_HELD_KEYS // 2:
            self.channel.resume_reading()

    def _write_keys(self, typed: bytearray) -> bool:
        """Write queued keys into the pty, at most WRITES_PER_TURN writes (the rest on the
        next turn of the loop, so keys are handled in between); the helper's keys only
        while the friend's view keeps up, each interrupt key alone and after the pty was
        read. Returns whether the terminal echoed the helper's keys itself."""
        echo = True
        for _ in range(WRITES_PER_TURN):
            master = self.pty.master
            if not self._to_pty or master < 0 or not self._live:
                self._set_writing(False)
                return echo
            helper, keys = self._to_pty[0]
            if helper:
                if self.view.busy:
                    self._set_writing(False)  # the friend's screen is behind: keys wait
                    return echo
                self._drain()  # what the shell printed so far, before the helper's key lands
                if not self._live or not self._to_pty or self._to_pty[0][1] is not keys:
                    continue  # the shell ended, or the queue changed while we read
                size, echo = _next_helper_write(master, keys)
            else:
                size = min(len(keys), 4096)
            try:
                written = os.write(master, keys[:size])
            except BlockingIOError:
                self._set_writing(True)
                return echo
            except OSError:
                self._to_pty.clear()
                self._held = 0
                continue
            if helper:
                self._held -= written
                typed += keys[:written]
            del keys[:written]
            if not keys:
                self._to_pty.pop(0)
        self._set_writing(True)  # more next turn
        return echo

    def _show_typed(self, keys: bytes, echo: bool) -> None:
        """Every key the helper sends is visible to the friend: while the shell does not
        echo (a password prompt, or ``stty -echo``), and for every control key."""
        if not echo or keylog.has_controls(keys):
            self.view.helper_typed(keylog.describe(keys), echo=echo)

    def _set_writing(self, on: bool) -> None:
        self._writing.set(self.pty.master, on)

    # -- output from the shell -------------------------------------------------------

    def _set_reading(self, on: bool) -> None:
        self._reading.set(self.pty.master, on)

    def _on_writable(self, writable: bool) -> None:
        if writable and self._helper_behind and self._live:
            # Caught up: the helper gets the friend's screen as it is now, not the backlog.
            self._helper_behind = False
            log.info("the helper caught up: sending the current screen")
            self.channel.send(sp.Resync())
            self.channel.send(sp.TermOut(self.view.snapshot()))

    def _update_reading(self) -> None:
        # Only the friend's own screen may slow the shell down, never the helper's stream.
        self._set_reading(self._live and not self.view.busy)
        if self._live and not self.view.busy and self._to_pty:
            self._flush_pty()

    def _read_pty(self) -> None:
        if self._read_once(READ_CHUNK):
            self._update_reading()

    def _drain(self) -> None:
        """Read what the pty holds now, not what the shell goes on printing meanwhile:
        what it counts as waiting, and a little more (the kernel counts only part of what
        is on its way), until nothing is there."""
        master = self.pty.master
        if master < 0:
            return
        try:
            waiting = struct.unpack("i", fcntl.ioctl(master, termios.FIONREAD, b"\0" * 4))[0]
        except OSError:
            return
        budget = waiting + READ_CHUNK
        while budget > 0 and self._read_once(READ_CHUNK):
            budget -= READ_CHUNK

    def _drain_to_the_end(self) -> None:
        """After the shell's processes were ended: everything they left in the pty."""
        read_to_the_end(self.pty.master, self.view.show)

    def _read_once(self, size: int) -> bool:
        """One read of the shell's output: shown to the friend, streamed to the helper.
        False when there was nothing (or the shell is gone)."""
        try:
            data = os.read(self.pty.master, size)
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            data = b""
        if not data:
            if self._live:
                self._set_reading(False)
                self.channel.send(sp.Bye(EndReason.SHELL_EXITED))
                self._finish(Ending(EndReason.SHELL_EXITED, True))
            return False
        self.view.show(data)
        if self._live:
            self._to_helper(data)
        return True

    def _to_helper(self, data: bytes) -> None:
        if self._helper_behind:
            return
        if not self.channel.writable:
            # The helper's stream is full: drop its copy until it drains (_on_writable).
            self._helper_behind = True
            log.info("the helper fell behind: its copy of the output is dropped for now")
            return
        self.channel.send(sp.TermOut(data))


def read_to_the_end(master: int, show: Callable[[bytes], None]) -> int:
    """Read the pty until it says no process holds it any more (or nothing comes for a
    moment), bounded in time and bytes in case one outlived the end; return the bytes."""
    deadline = time.monotonic() + END_DRAIN_TIME
    taken = 0
    while master >= 0 and taken < END_DRAIN_BYTES and time.monotonic() < deadline:
        try:
            ready, _, _ = select.select([master], [], [], 0.05)
        except (OSError, ValueError):
            break
        if not ready:
            break  # quiet for a while: all that was written has been read
        try:
            data = os.read(master, READ_CHUNK)
        except BlockingIOError:
            continue
        except OSError:
            break  # EIO: no process holds the terminal any more
        if not data:
            break
        taken += len(data)
        show(data)
    return taken


def keep_output_on_interrupt(master: int) -> None:
    """NOFLSH: an interrupt (Ctrl+C) no longer makes the terminal discard output the
    friend's side has not read yet. Belt and braces: the pty is also read before any of
    the helper's keys is written (see ``FriendSession._flush_pty``)."""
    with contextlib.suppress(termios.error):
        attrs = termios.tcgetattr(master)
        attrs[3] |= termios.NOFLSH
        termios.tcsetattr(master, termios.TCSANOW, attrs)


def _next_helper_write(master: int, keys: bytearray) -> tuple[int, bool]:
    """How many of the helper's ``keys`` to write now, and whether the terminal echoes.

    An interrupt key (Ctrl+C, Ctrl+\\, Ctrl+Z: they may make the terminal discard output)
    is written alone, after the keys before it, and the pty is read before each write. The
    pty's NOFLSH is set again if something (``stty sane``, ``reset``) cleared it."""
    try:
        attrs = termios.tcgetattr(master)
    except termios.error:
        return min(len(keys), 4096), False
    echo = bool(attrs[3] & termios.ECHO)
    if not attrs[3] & termios.ISIG:
        return min(len(keys), 4096), echo
    if not attrs[3] & termios.NOFLSH:
        keep_output_on_interrupt(master)
    specials = attrs[6]
    stops = [keys.find(specials[i]) for i in (termios.VINTR, termios.VQUIT, termios.VSUSP)
             if isinstance(specials[i], bytes) and specials[i] != b"\0"]
    found = [i for i in stops if i >= 0]
    if not found:
        return min(len(keys), 4096), echo
    first = min(found)
    return (first if first > 0 else 1), echo


class HelperSession(_Session):
    """The helper's side: shows the friend's terminal, sends keys.

    Everything that arrives here was chosen by the friend's program, which may be hostile
    (a scammer's, or a compromised computer's). So a ``Notice`` is never shown (its words
    would look like this program's own), the friend's grid is capped (``sp.helper_grid``),
    repeated ``Resize`` and ``Resync`` messages are merged (only the last counts while the
    earlier ones wait), and reading stops whenever the view is behind, whatever the
    message: nothing the friend sends can pile up here.
    """

    role = Role.HELPER

    def __init__(self, view: View, name: str) -> None:
        super().__init__(view, name)
        self._shown: tuple[tuple[int, int], tuple[int, int]] | None = None  # grid, window
        self._size_due = False  # a new grid from the friend waits to be applied
        self._redraw: bytearray | None = None  # output after a Resync, until it is applied
        self._due: asyncio.Handle | None = None
        self.notices_dropped = 0

    async def run(self, rfd: int, wfd: int, *, lead: bool) -> Ending:
        self.view.on_drained = self._resume
        try:
            await self._start(rfd, wfd, lead)
            cols, rows = self.view.size()
            self.channel.send(sp.Hello(self.role, self.name, cols, rows))
            peer = await self._await_hello()
            if peer is not None:
                self.view.connected(peer)
                self._check_size()
            return await self._wait_end()
        finally:
            if self._due is not None:
                self._due.cancel()
                self._due = None
            self.channel.close()

    def key_input(self, data: bytes) -> None:
        self.channel.send(sp.TermIn(data))

    def resize(self) -> None:
        cols, rows = self.view.size()
        self.channel.send(sp.Resize(cols, rows))
        self._check_size()

    def _goodbye_patience(self) -> float:
        if not self.channel.writable:
            return 0.2  # a friend that does not read will not read a goodbye either
        return super()._goodbye_patience()

    def _check_size(self) -> None:
        """Follow the friend's grid, and say (once per change) when our window is too small
        for it or it is larger than we show."""
        if self.peer is None:
            return
        grid = sp.helper_grid(self.peer.cols, self.peer.rows)
        mine = self.view.size()
        if (grid, mine) == self._shown:
            return  # nothing changed: no new work, no new words
        self._shown = (grid, mine)
        self.view.grid(*grid)
        cols, rows = mine
        theirs = f"{self.peer.cols}x{self.peer.rows}"
        if grid != (self.peer.cols, self.peer.rows):
            self.view.notice(text(Say.SESSION_GRID_CUT, theirs=theirs,
                                  shown=f"{grid[0]}x{grid[1]}"))
        elif cols < grid[0] or rows < grid[1]:
            self.view.notice(text(Say.SESSION_WINDOW_SMALL, theirs=theirs,
                                  mine=f"{cols}x{rows}"))

    def _on_message(self, message: sp.Message) -> None:
        match message:
            case sp.Hello() if self.peer is None and message.role == self.role.other:
                self.peer = message
                self._hello.set()
            case sp.TermOut(data) if self.peer is not None:
                if self._redraw is not None:
                    self._redraw += data  # drawn once the reset before it is applied
                else:
                    self.view.show(data)
            case sp.Resize(cols, rows) if self.peer is not None:
                self.peer = sp.Hello(Role.FRIEND, self.peer.name, cols, rows)
                self._size_due = True
                self._apply_soon()
            case sp.Resync() if self.peer is not None:
                self._redraw = bytearray()  # what came before is redrawn by what follows
                self._apply_soon()
            case sp.Notice():
                # The friend's program may write anything here, "Your friend ended the
                # session" included: shown on our own lines it would read as ours.
                self.notices_dropped += 1
            case sp.Bye(reason):
                reason = EndReason(reason)
                if reason is EndReason.HELPER_ENDED:  # the friend cannot speak for us
                    reason = EndReason.FRIEND_ENDED
                self._finish(Ending(reason, reason.normal))
            case _:
                self._finish(Ending(EndReason.ERROR, False,
                                    text(Say.SESSION_UNEXPECTED, self.role)))
        if self.view.busy:  # our terminal is behind: let SSH hold the rest
            self.channel.pause_reading()

    def _apply_soon(self) -> None:
        """Merge: a new grid or a redraw is applied once, after the messages read so far,
        and nothing more is read until it was."""
        self.channel.pause_reading()
        if self._due is None:
            self._due = asyncio.get_running_loop().call_soon(self._apply)

    def _apply(self) -> None:
        self._due = None
        if self._ended.done():
            return
        if self._size_due:
            self._size_due = False
            self._check_size()
        if self._redraw is not None:
            redraw, self._redraw = bytes(self._redraw), None
            self.view.reset()
            self.view.notice(text(Say.SESSION_FELL_BEHIND))
            self.view.show(redraw)
        self._resume()

    def _resume(self) -> None:
        if self._due is None and not self.view.busy:
            self.channel.resume_reading()
