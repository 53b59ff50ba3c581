"""The shared shell: the friend's pty fanned out to both people, both people's keys merged in.

The friend's side is the authority: it owns the pty and its size. The helper's side only
shows what it is sent and sends what its person types. Neither knows how it is drawn:
a ``View`` (plain terminal or the full-screen UI) shows the bytes and the notices.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from remote_help.aio import FdWatch
from remote_help.proto import session as sp
from remote_help.session.channel import Channel
from remote_help.session.pty import ShellPty

log = logging.getLogger(__name__)
HELLO_DEADLINE = 30.0
READ_CHUNK = 64 * 1024
MAX_PTY_BACKLOG = 1024 * 1024  # keys waiting to be written into the pty


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


@dataclass(frozen=True)
class Ending:
    """How a session ended: ``ok`` means a person ended it (exit status 0)."""

    reason: str  # friend-ended, helper-ended, shell-exited, lost, setup-failed, error
    ok: bool
    detail: str = ""


class _Session:
    role = ""

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
        if self._ended.done() and self._ended.result().reason == f"{self.role}-ended":
            self.channel.send(sp.Bye(f"{self.role}-ended"))  # ended while we were starting

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
            await asyncio.wait_for(self._hello.wait(), HELLO_DEADLINE)
        if self.peer is None and not self._ended.done():
            self._finish(Ending("setup-failed", False, "The other computer did not answer."))
        return self.peer

    def _on_closed(self, error: str | None) -> None:
        if self.peer is None:
            self._finish(Ending("setup-failed", False, error or ""))
        else:
            self._finish(Ending("lost", False, error or ""))

    def _on_writable(self, writable: bool) -> None:
        pass

    def _on_message(self, message: sp.Message) -> None:
        raise NotImplementedError

    def end(self) -> None:
        """This person ends the session."""
        reason = f"{self.role}-ended"
        self.channel.send(sp.Bye(reason))
        self._finish(Ending(reason, True))

    async def _wait_end(self) -> Ending:
        try:
            ending = await self._ended
        except asyncio.CancelledError:
            # Our program is being stopped (its window closed, a signal): say goodbye.
            self._stop_now()
            self.channel.send(sp.Bye(f"{self.role}-ended"))
            await self.channel.flush(0.5)
            raise
        await self._after_end()
        if ending.ok:
            await self.channel.flush()
        self.channel.close()
        return ending


class FriendSession(_Session):
    """The friend's side: owns the pty."""

    role = "friend"

    def __init__(self, view: View, name: str, term: str, spare: set[int]) -> None:
        """``spare``: processes of the tunnel, which ending the shell must not touch."""
        super().__init__(view, name)
        self.term = term
        self.spare = spare
        self.pty = ShellPty()
        self._to_pty = bytearray()
        self._reading = FdWatch("read", self._read_pty)
        self._writing = FdWatch("write", self._flush_pty)
        self._live = False  # the shell runs and its output may be read

    async def run(self, rfd: int, wfd: int, *, lead: bool) -> Ending:
        try:
            await self._start(rfd, wfd, lead)
            cols, rows = self.view.size()
            self.channel.send(sp.Hello("friend", self.name, cols, rows))
            peer = await self._await_hello()
            if peer is None:
                return await self._wait_end()
            log.debug("greeted by the helper")
            self.view.connected(peer)
            await self.pty.spawn(cols, rows, self.term, self.spare)
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
            await self.pty.terminate()
            self.channel.close()

    def _stop_now(self) -> None:
        # No more output read, no more keys written, and the shell hung up: from this
        # moment the helper can do nothing, even while our goodbye is still on its way.
        self._live = False
        self._set_reading(False)
        self._set_writing(False)
        self._to_pty.clear()
        self.pty.hang_up()

    async def _after_end(self) -> None:
        await self.pty.terminate()

    # -- input from both people -----------------------------------------------------

    def key_input(self, data: bytes) -> None:
        """The friend typed."""
        self._write_pty(data)

    def resize(self) -> None:
        """The friend's view changed size: the pty follows, the helper is told."""
        cols, rows = self.view.size()
        self.pty.resize(cols, rows)
        self.channel.send(sp.Resize(cols, rows))

    def _on_message(self, message: sp.Message) -> None:
        match message:
            case sp.Hello() if self.peer is None and message.role == "helper":
                self.peer = message
                self._hello.set()
            case sp.TermIn(data) if self.peer is not None:
                self._write_pty(data)
            case sp.Resize() | sp.Notice():
                pass
            case sp.Bye(reason):
                # The helper can only have ended it (or failed); it cannot speak for us.
                reason = reason if reason == "error" else "helper-ended"
                self._finish(Ending(reason, reason != "error"))
            case _:
                self._finish(Ending("error", False,
                                    "The helper's computer sent something unexpected."))

    def _write_pty(self, data: bytes) -> None:
        if self.pty.master < 0 or len(self._to_pty) > MAX_PTY_BACKLOG:
            return
        self._to_pty += data
        self._flush_pty()

    def _flush_pty(self) -> None:
        while self._to_pty and self.pty.master >= 0:
            try:
                written = os.write(self.pty.master, self._to_pty[:4096])
            except BlockingIOError:
                break
            except OSError:
                self._to_pty.clear()
                break
            del self._to_pty[:written]
        self._set_writing(bool(self._to_pty))

    def _set_writing(self, on: bool) -> None:
        self._writing.set(self.pty.master, on)

    # -- output from the shell -------------------------------------------------------

    def _set_reading(self, on: bool) -> None:
        self._reading.set(self.pty.master, on)

    def _on_writable(self, writable: bool) -> None:
        self._update_reading()

    def _update_reading(self) -> None:
        # Backpressure: when the helper's stream is full or our own terminal is behind,
        # stop reading the pty, so the shell slows down instead of our memory growing.
        self._set_reading(self._live and self.channel.writable and not self.view.busy)

    def _read_pty(self) -> None:
        try:
            data = os.read(self.pty.master, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            data = b""
        if not data:
            self._set_reading(False)
            self.channel.send(sp.Bye("shell-exited"))
            self._finish(Ending("shell-exited", True))
            return
        self.view.show(data)
        self.channel.send(sp.TermOut(data))
        self._update_reading()


class HelperSession(_Session):
    """The helper's side: shows the friend's terminal, sends keys."""

    role = "helper"

    async def run(self, rfd: int, wfd: int, *, lead: bool) -> Ending:
        self.view.on_drained = self.channel.resume_reading
        try:
            await self._start(rfd, wfd, lead)
            cols, rows = self.view.size()
            self.channel.send(sp.Hello("helper", self.name, cols, rows))
            peer = await self._await_hello()
            if peer is not None:
                self.view.connected(peer)
                self._check_size()
            return await self._wait_end()
        finally:
            self.channel.close()

    def key_input(self, data: bytes) -> None:
        self.channel.send(sp.TermIn(data))

    def resize(self) -> None:
        cols, rows = self.view.size()
        self.channel.send(sp.Resize(cols, rows))
        self._check_size()

    def _check_size(self) -> None:
        if self.peer is None:
            return
        self.view.grid(self.peer.cols, self.peer.rows)
        cols, rows = self.view.size()
        if cols < self.peer.cols or rows < self.peer.rows:
            self.view.notice(
                f"Make your window bigger: your friend's screen is "
                f"{self.peer.cols}x{self.peer.rows}, yours {cols}x{rows}."
            )

    def _on_message(self, message: sp.Message) -> None:
        match message:
            case sp.Hello() if self.peer is None and message.role == "friend":
                self.peer = message
                self._hello.set()
            case sp.TermOut(data) if self.peer is not None:
                self.view.show(data)
                if self.view.busy:  # our terminal is behind: let SSH hold the rest
                    self.channel.pause_reading()
            case sp.Resize(cols, rows) if self.peer is not None:
                self.peer = sp.Hello("friend", self.peer.name, cols, rows)
                self._check_size()
            case sp.Notice(text):
                self.view.notice(text)
            case sp.Bye(reason):
                if reason == "helper-ended":  # the friend cannot speak for us
                    reason = "friend-ended"
                self._finish(Ending(reason, reason != "error"))
            case _:
                self._finish(Ending("error", False,
                                    "The friend's computer sent something unexpected."))
