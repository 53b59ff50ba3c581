"""Handshake frames: 4-byte big-endian length + UTF-8 JSON object, read exactly.

The reader never asks for a byte beyond the current frame, so whatever follows the
last handshake frame on the connection (the SSH banner) stays in the socket.
"""

from __future__ import annotations

import json
import struct
from typing import Any

from remote_help.proto.errors import ProtocolError
from remote_help.sentences import Say, text

HEADER = struct.Struct(">I")
MAX_FRAME = 4096
MAX_FRAMES = 8


def canonical(message: dict[str, Any]) -> bytes:
    """The one spelling of a body: compact, ASCII only, keys sorted."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=True, sort_keys=True).encode()


def encode(message: dict[str, Any]) -> bytes:
    """One frame: the header and the compact JSON body."""
    body = canonical(message)
    if len(body) > MAX_FRAME:
        raise ValueError(f"frame of {len(body)} bytes exceeds {MAX_FRAME}")
    return HEADER.pack(len(body)) + body


def decode_body(body: bytes) -> dict[str, Any]:
    """Parse one frame body into a JSON object, or raise ProtocolError."""
    try:
        value = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(text(Say.PROTO_UNREADABLE)) from exc
    if not isinstance(value, dict):
        raise ProtocolError(text(Say.PROTO_WRONG_SHAPE))
    # The words are made from the bytes of the frames. If one message could be spelled in
    # many ways (spaces, key order, escapes, repeated keys), a man in the middle could try
    # spellings until both people's words agree; so only the one spelling is accepted.
    if canonical(value) != body:
        raise ProtocolError(text(Say.PROTO_NOT_AS_AGREED))
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


class FrameReader:
    """Tells the I/O layer exactly how many bytes to read next, and assembles frames.

    Usage: ``while (n := reader.wanted()): reader.feed(read_exactly(n))``; then
    ``reader.take()`` gives the frame (raw bytes including header, and parsed body).
    """

    def __init__(self, max_frames: int = MAX_FRAMES) -> None:
        self._max_frames = max_frames
        self._count = 0
        self._header = b""
        self._length: int | None = None
        self._body = b""
        self._done: tuple[bytes, dict[str, Any]] | None = None

    @property
    def frames_read(self) -> int:
        return self._count

    def wanted(self) -> int:
        """Bytes needed to complete the current frame (0 when a frame is ready)."""
        if self._done is not None:
            return 0
        if self._length is None:
            return HEADER.size - len(self._header)
        return self._length - len(self._body)

    def feed(self, data: bytes) -> None:
        """Accept at most ``wanted()`` bytes."""
        if len(data) > self.wanted():
            raise ValueError("fed more bytes than wanted: the caller must read exactly")
        if self._length is None:
            self._header += data
            if len(self._header) == HEADER.size:
                (length,) = HEADER.unpack(self._header)
                if length == 0:
                    raise ProtocolError(text(Say.PROTO_EMPTY))
                if length > MAX_FRAME:
                    raise ProtocolError(text(Say.PROTO_TOO_LARGE))
                if self._count >= self._max_frames:
                    raise ProtocolError(text(Say.PROTO_TOO_MANY))
                self._length = length
        else:
            self._body += data
        if self._length is not None and len(self._body) == self._length:
            self._count += 1
            self._done = (self._header + self._body, decode_body(self._body))

    def take(self) -> tuple[bytes, dict[str, Any]]:
        """The completed frame; the reader is then ready for the next header."""
        if self._done is None:
            raise ValueError("no complete frame")
        done = self._done
        self._header, self._length, self._body, self._done = b"", None, b"", None
        return done
