"""The session stream over the SSH channel's file descriptors, with flow control."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable

from remote_help.proto import session as sp
from remote_help.proto.errors import ProtocolError

HIGH_WATER = 256 * 1024
LOW_WATER = 64 * 1024


class _Reader(asyncio.Protocol):
    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def data_received(self, data: bytes) -> None:
        self._channel._on_data(data)

    def eof_received(self) -> bool:
        self._channel._on_closed(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._channel._on_closed(exc)


class _Writer(asyncio.BaseProtocol):
    def __init__(self, channel: Channel) -> None:
        self._channel = channel

    def pause_writing(self) -> None:
        self._channel._set_writable(False)

    def resume_writing(self) -> None:
        self._channel._set_writable(True)

    def connection_lost(self, exc: Exception | None) -> None:
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

    async def open(self, rfd: int, wfd: int) -> None:
        """Take ownership of the two descriptors (they may be the same socket, dup'ed)."""
        loop = asyncio.get_running_loop()
        rfile = os.fdopen(rfd, "rb", buffering=0)
        wfile = os.fdopen(wfd, "wb", buffering=0)
        self._read, _ = await loop.connect_read_pipe(lambda: _Reader(self), rfile)
        self._write, _ = await loop.connect_write_pipe(lambda: _Writer(self), wfile)
        self._write.set_write_buffer_limits(HIGH_WATER, LOW_WATER)

    def send(self, message: sp.Message) -> None:
        if self.closed or self._write is None or self._write.is_closing():
            return
        self._write.write(sp.encode(message))

    def _on_data(self, data: bytes) -> None:
        try:
            messages = self._decoder.feed(data)
        except ProtocolError as exc:
            self._on_closed(exc)
            return
        for message in messages:
            if self.closed:
                return
            self._on_message(message)

    def _set_writable(self, writable: bool) -> None:
        self.writable = writable
        self._writable_cb(writable)

    def _on_closed(self, exc: BaseException | None) -> None:
        if self.closed:
            return
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
