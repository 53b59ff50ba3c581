"""The session stream inside the SSH channel (DESIGN section 6), sans-IO.

Each message: 1 byte type, 4 bytes big-endian payload length, payload. JSON payloads
for HELLO and RESIZE, raw bytes for TERM_OUT and TERM_IN, UTF-8 text for NOTICE and BYE.
"""

from __future__ import annotations

import enum
import json
import re
import struct
from dataclasses import dataclass
from typing import Any

from remote_help.names import shown
from remote_help.proto.errors import ProtocolError
from remote_help.roles import BYE_REASONS, EndReason, Role
from remote_help.sentences import Say, text

HEADER = struct.Struct(">BI")
MAX_PAYLOAD = 64 * 1024
MAX_TEXT = 1024
MAX_GRID = 1000
# The largest grid the helper's copy of the friend's terminal takes (a friend's larger
# window is shown in part). A full-HD screen in a small font is about 240x70 and a 4K one
# in the default font about 480x135; 500x200 is 100,000 cells, a tenth of 1000x1000, so
# one erase or fill costs at most that, and the copy stays a few MiB.
HELPER_MAX_COLS = 500
HELPER_MAX_ROWS = 200
# Control characters and invisible formatting (bidi marks and overrides, zero-width
# characters, line and paragraph separators) never reach a screen from the peer.
_HIDDEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    "\ufff9-\ufffb]"
)
NAME_MAX = 64
KINDS = ("shell",)


class Kind(enum.IntEnum):
    HELLO = 1
    TERM_OUT = 2
    TERM_IN = 3
    RESIZE = 4
    NOTICE = 5
    BYE = 6
    RESYNC = 7


@dataclass(frozen=True)
class Hello:
    role: Role
    name: str  # display name; from the peer, already in names.shown's form
    cols: int
    rows: int
    kind: str = "shell"


@dataclass(frozen=True)
class TermOut:
    data: bytes


@dataclass(frozen=True)
class TermIn:
    data: bytes


@dataclass(frozen=True)
class Resize:
    cols: int
    rows: int


@dataclass(frozen=True)
class Notice:
    text: str


@dataclass(frozen=True)
class Bye:
    reason: EndReason  # one of BYE_REASONS


@dataclass(frozen=True)
class Resync:
    """The helper fell behind and missed output: the TERM_OUT that follows redraws the
    friend's whole screen as it is now (start again from a blank terminal)."""


Message = Hello | TermOut | TermIn | Resize | Notice | Bye | Resync


def clean_text(text: str, limit: int = MAX_TEXT) -> str:
    """Text from the peer made safe to show: no control or invisible formatting characters."""
    return _HIDDEN.sub("", text)[:limit]


def helper_grid(cols: int, rows: int) -> tuple[int, int]:
    """The part of the friend's grid the helper's copy keeps (see HELPER_MAX_COLS)."""
    return min(cols, HELPER_MAX_COLS), min(rows, HELPER_MAX_ROWS)


def valid_name(name: object) -> bool:
    """A display name: 1 to 64 characters, none of them hidden or controlling."""
    return (isinstance(name, str) and 0 < len(name) <= NAME_MAX and not name.isspace()
            and not _HIDDEN.search(name))


def encode(message: Message) -> bytes:
    kind, payload = _payload(message)
    if kind not in (Kind.TERM_OUT, Kind.TERM_IN):
        if len(payload) > MAX_PAYLOAD:
            raise ValueError("message too large")
        return HEADER.pack(kind, len(payload)) + payload
    # Large terminal output is split so no single message exceeds the limit.
    out = bytearray()
    for start in range(0, len(payload), MAX_PAYLOAD):
        chunk = payload[start : start + MAX_PAYLOAD]
        out += HEADER.pack(kind, len(chunk)) + chunk
    return bytes(out)


def _payload(message: Message) -> tuple[Kind, bytes]:
    match message:
        case Hello(role, name, cols, rows, kind):
            body = {"role": role, "name": name, "cols": cols, "rows": rows, "kind": kind}
            return Kind.HELLO, json.dumps(body, ensure_ascii=True).encode()
        case TermOut(data):
            return Kind.TERM_OUT, data
        case TermIn(data):
            return Kind.TERM_IN, data
        case Resize(cols, rows):
            return Kind.RESIZE, json.dumps({"cols": cols, "rows": rows}).encode()
        case Notice(words):
            # cut on a character boundary, so the peer can still decode it
            return Kind.NOTICE, words.encode()[:MAX_TEXT].decode(errors="ignore").encode()
        case Bye(reason):
            return Kind.BYE, reason.encode()
        case Resync():
            return Kind.RESYNC, b""
    raise TypeError(f"not a session message: {message!r}")


class Decoder:
    """Feed bytes as they arrive; get whole messages out."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        self._buffer += data
        out: list[Message] = []
        while len(self._buffer) >= HEADER.size:
            kind, length = HEADER.unpack_from(self._buffer)
            if length > MAX_PAYLOAD:
                raise ProtocolError(text(Say.PROTO_TOO_LARGE))
            if len(self._buffer) < HEADER.size + length:
                break
            payload = bytes(self._buffer[HEADER.size : HEADER.size + length])
            del self._buffer[: HEADER.size + length]
            out.append(_decode(kind, payload))
        return out

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message held back."""
        return len(self._buffer)


def _decode(kind: int, payload: bytes) -> Message:
    try:
        tag = Kind(kind)
    except ValueError:
        raise ProtocolError(text(Say.PROTO_UNKNOWN_MESSAGE)) from None
    if tag is Kind.TERM_OUT:
        return TermOut(payload)
    if tag is Kind.TERM_IN:
        return TermIn(payload)
    if tag is Kind.RESYNC:
        if payload:
            raise ProtocolError(text(Say.PROTO_WRONG_SHAPE))
        return Resync()
    if tag in (Kind.NOTICE, Kind.BYE):
        said = _text(payload)
        if tag is Kind.BYE:
            if said not in BYE_REASONS:
                raise ProtocolError(text(Say.PROTO_UNKNOWN_END))
            return Bye(EndReason(said))
        return Notice(clean_text(said))
    body = _json(payload)
    if tag is Kind.RESIZE:
        _exact(body, {"cols", "rows"})
        return Resize(_grid(body["cols"]), _grid(body["rows"]))
    _exact(body, {"role", "name", "cols", "rows", "kind"})
    if body["role"] not in tuple(Role) or body["kind"] not in KINDS:
        raise ProtocolError(text(Say.PROTO_BAD_GREETING))
    name = body["name"]
    if not valid_name(name):
        raise ProtocolError(text(Say.PROTO_BAD_NAME))
    # The peer's name is taken in here, once, in the form every screen may show.
    return Hello(Role(body["role"]), shown(name), _grid(body["cols"]), _grid(body["rows"]),
                 body["kind"])


def _text(payload: bytes) -> str:
    if len(payload) > MAX_TEXT:
        raise ProtocolError(text(Say.PROTO_TOO_LARGE))
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(text(Say.PROTO_UNREADABLE)) from None


def _json(payload: bytes) -> dict[str, Any]:
    try:
        body = json.loads(_text(payload))
    except ValueError:
        raise ProtocolError(text(Say.PROTO_UNREADABLE)) from None
    if not isinstance(body, dict):
        raise ProtocolError(text(Say.PROTO_WRONG_SHAPE))
    return body


def _exact(body: dict[str, Any], keys: set[str]) -> None:
    if set(body) != keys:
        raise ProtocolError(text(Say.PROTO_WRONG_FIELDS))


def _grid(value: Any) -> int:
    if type(value) is not int or not 1 <= value <= MAX_GRID:
        raise ProtocolError(text(Say.PROTO_BAD_SIZE))
    return value
