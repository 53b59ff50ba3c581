"""The session stream over the SSH channel's file descriptors, with flow control."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable

from remote_help.proto import session as sp
from remote_help.proto.errors import ProtocolError
from remote_help.sentences import Say, text

log = logging.getLogger(__name__)
# The side whose channel comes from sshd's forced command writes this first. sshd starts
# that command through the account's shell, whose start-up files (system-wide ones such as
# /etc/bash.bashrc; the account's own are kept away, see tunnel/sshd.py) may print before
# our bridge runs: the other side skips whatever precedes this line.
PREAMBLE = b"\x00remote-help session stream 1\n"
MAX_JUNK = 64 * 1024
HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024


class _Reader(asyncio.Protocol):
    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def data_received(self, data: bytes) -> None:
        self._channel._on_data(data)

    def eof_received(self) -> bool:
        log.debug("session stream: end of input")
        self._channel._on_closed(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        log.debug("session stream: input lost (%r)", exc)
        self._channel._on_closed(exc)


class _Writer(asyncio.BaseProtocol):
    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def pause_writing(self) -> None:
        self._channel._set_writable(False)

    def resume_writing(self) -> None:
        self._channel._set_writable(True)

    def connection_lost(self, exc: Exception | None) -> None:
        log.debug("session stream: output lost (%r)", exc)
        self._channel._on_closed(exc)


class Channel:
    """Messages in through ``on_message``; ``send`` out; ``on_writable`` for backpressure."""

    def __init__(
        self,
        on_message: Callable[[sp.Message], None],
        on_closed: Callable[[str | None], None],
        on_writable: Callable[[bool], None] = lambda writable: None,
    ) -> None:
        self._on_message = on_message
        self._closed_cb = on_closed
        self._writable_cb = on_writable
        self._decoder = sp.Decoder()
        self._read: asyncio.ReadTransport | None = None
        self._write: asyncio.WriteTransport | None = None
        self.closed = False
        self.writable = True
        self._ready = False  # the preamble was seen (or we lead): messages may flow
        self._skipped = bytearray()
        self._pending: list[bytes] = []

    async def open(self, rfd: int, wfd: int, *, lead: bool) -> None:
        """Take ownership of the two descriptors; ``lead``: we write the preamble."""
        # Decided before the first byte is read: the peer may greet before we open, so
        # its messages can already wait in the pipe, and the leader must decode them, not
        # skip them as if they were the noise of a shell's start-up files.
        self._ready = lead
        loop = asyncio.get_running_loop()
        wfile = os.fdopen(wfd, "wb", buffering=0)
        rfile = os.fdopen(rfd, "rb", buffering=0)
        self._write, _ = await loop.connect_write_pipe(lambda: _Writer(self), wfile)
        self._write.set_write_buffer_limits(HIGH_WATER, LOW_WATER)
        if lead:
            self._write.write(PREAMBLE)  # before any message: nothing can be sent yet
        # Reading starts last, so releasing held messages always finds the writer.
        self._read, _ = await loop.connect_read_pipe(lambda: _Reader(self), rfile)

    def send(self, message: sp.Message) -> None:
        if self.closed or self._write is None or self._write.is_closing():
            return
        if not self._ready:
            self._pending.append(sp.encode(message))
            return
        self._write.write(sp.encode(message))

    def _on_data(self, data: bytes) -> None:
        if self.closed:  # nothing more is acted on, nor kept, once the stream is over
            return
        if not self._ready:
            data = self._skip_junk(data)
            if not self._ready:
                return
        try:
            messages = self._decoder.feed(data)
        except ProtocolError as exc:
            self._on_closed(exc)
            return
        for message in messages:
            if self.closed:
                return
            self._on_message(message)

    def _skip_junk(self, data: bytes) -> bytes:
        """Drop what the peer's shell printed before the stream; return what follows."""
        self._skipped += data
        found = self._skipped.find(PREAMBLE)
        if found < 0:
            if len(self._skipped) > MAX_JUNK:
                self._on_closed(ProtocolError(text(Say.SESSION_TOO_MUCH_JUNK)))
            return b""
        if found:
            log.debug("skipped %d bytes before the session stream", found)
        rest = bytes(self._skipped[found + len(PREAMBLE) :])
        self._skipped = bytearray()
        self._ready = True
        if self._write is not None and not self._write.is_closing():
            for frame in self._pending:
                self._write.write(frame)
        self._pending.clear()
        return rest

    def _set_writable(self, writable: bool) -> None:
        self.writable = writable
        self._writable_cb(writable)

    def _on_closed(self, exc: BaseException | None) -> None:
        if self.closed:
            return
        log.debug("session stream closed: %r", exc)
        self.closed = True
        self._closed_cb(str(exc) if isinstance(exc, ProtocolError) else None)

    def pause_reading(self) -> None:
        if self._read is not None and not self._read.is_closing():
            self._read.pause_reading()

    def resume_reading(self) -> None:
        if self._read is not None and not self._read.is_closing():
            self._read.resume_reading()

    async def flush(self, patience: float = 2.0) -> None:
        """Give what we sent (a BYE) a moment to leave before we close."""
        if self._write is None:
            return
        deadline = asyncio.get_running_loop().time() + patience
        # A write transport signals no "buffer empty" event, so poll briefly.
        while (  # noqa: ASYNC110
            not self._write.is_closing()
            and self._write.get_write_buffer_size() > 0
            and asyncio.get_running_loop().time() < deadline
        ):
            await asyncio.sleep(0.01)

    def close(self) -> None:
        self.closed = True
        for transport in (self._read, self._write):
            if transport is not None:
                with contextlib.suppress(Exception):
                    transport.close()
