"""Handshake frames: 4-byte big-endian length + JSON object, read exactly (DESIGN section 4)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from remote_help.proto import frames
from remote_help.proto.errors import ProtocolError

if TYPE_CHECKING:
    from tests.unit.conftest import Pair, Wire

SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"


def header(length: int) -> bytes:
    return struct.pack(">I", length)


def read_all(
    reader: frames.FrameReader, stream: bytes, count: int | None = None
) -> tuple[list[bytes], bytes]:
    """Read whole frames off ``stream`` exactly as the I/O layer does: ``count`` frames, or
    until the stream runs out.

    Returns the raw frames and the bytes never read. Checks on every step that the reader
    never asks for more than what is left of the current frame.
    """
    out: list[bytes] = []
    pos = 0
    while True:
        frame_start = pos
        while n := reader.wanted():
            if pos + n > len(stream):
                return out, stream[frame_start:]
            if pos - frame_start >= frames.HEADER.size:
                (length,) = struct.unpack(">I", stream[frame_start : frame_start + 4])
                assert pos + n <= frame_start + 4 + length
            else:
                assert pos + n <= frame_start + 4
            reader.feed(stream[pos : pos + n])
            pos += n
        raw, _ = reader.take()
        assert raw == stream[frame_start:pos]
        out.append(raw)
        if pos == len(stream) or len(out) == count:
            return out, stream[pos:]


# -- encode ------------------------------------------------------------------------------


def test_encode_is_header_plus_compact_sorted_json() -> None:
    frame = frames.encode({"t": "HELLO", "v": 1, "a": [1, 2]})
    body = b'{"a":[1,2],"t":"HELLO","v":1}'
    assert frame == header(len(body)) + body


def test_encode_escapes_non_ascii() -> None:
    frame = frames.encode({"name": "é日"})
    assert frame[4:] == b'{"name":"\\u00e9\\u65e5"}'
    assert frame[4:].isascii()


def test_encode_accepts_exactly_max_frame() -> None:
    overhead = len(frames.encode({"x": ""})) - 4
    frame = frames.encode({"x": "a" * (frames.MAX_FRAME - overhead)})
    assert len(frame) == 4 + frames.MAX_FRAME
    reader = frames.FrameReader()
    assert read_all(reader, frame) == ([frame], b"")


def test_encode_rejects_oversized() -> None:
    overhead = len(frames.encode({"x": ""})) - 4
    with pytest.raises(ValueError):
        frames.encode({"x": "a" * (frames.MAX_FRAME - overhead + 1)})


# -- exact reads -------------------------------------------------------------------------


def test_reader_wants_header_then_exactly_the_body() -> None:
    frame = frames.encode({"t": "CONFIRM"})
    reader = frames.FrameReader()
    assert reader.wanted() == 4
    reader.feed(frame[:4])
    assert reader.wanted() == len(frame) - 4
    reader.feed(frame[4:])
    assert reader.wanted() == 0
    assert reader.take() == (frame, {"t": "CONFIRM"})
    assert reader.wanted() == 4
    assert reader.frames_read == 1


def test_reader_accepts_bytes_in_small_pieces() -> None:
    frame = frames.encode({"t": "ABORT", "reason": "cancelled"})
    reader = frames.FrameReader()
    for byte in frame[:-1]:
        assert reader.wanted() > 0
        reader.feed(bytes([byte]))
    reader.feed(b"")  # an empty read changes nothing
    assert reader.wanted() == 1
    reader.feed(frame[-1:])
    assert reader.take() == (frame, {"t": "ABORT", "reason": "cancelled"})


def test_bytes_after_the_last_frame_stay_unread() -> None:
    messages = [{"t": "HELLO", "n": i} for i in range(3)]
    stream = b"".join(frames.encode(m) for m in messages)
    reader = frames.FrameReader()
    got, rest = read_all(reader, stream + SSH_BANNER, count=3)
    assert got == [frames.encode(m) for m in messages]
    assert rest == SSH_BANNER
    assert reader.wanted() == 4  # ready for a next header, but nothing was read ahead


def test_exact_reads_over_a_real_socket_leave_the_ssh_banner() -> None:
    stream = frames.encode({"t": "REVEAL"}) + frames.encode({"t": "CONFIRM"}) + SSH_BANNER
    left, right = socket.socketpair()
    with left, right:
        left.sendall(stream)
        left.shutdown(socket.SHUT_WR)
        reader = frames.FrameReader()
        taken = []
        for _ in range(2):
            while n := reader.wanted():
                reader.feed(right.recv(n, socket.MSG_WAITALL))
            taken.append(reader.take()[1])
        assert taken == [{"t": "REVEAL"}, {"t": "CONFIRM"}]
        rest = b""
        while chunk := right.recv(4096):
            rest += chunk
    assert rest == SSH_BANNER


def test_handshake_frames_leave_ssh_bytes_on_the_wire(pair_factory: Callable[..., Pair]) -> None:
    pair = pair_factory()
    pair.run()
    pair.to_c.send(pair.l.confirm())
    # C's person confirmed last: C sends CONFIRM and SSH starts at once, in the same TCP
    # segment as far as L can tell.
    pair.to_l.send(pair.c.confirm() + SSH_BANNER)
    pair.deliver_to_l()
    pair.deliver_to_c()
    assert pair.c.verified and pair.l.verified
    assert bytes(pair.to_l.buffer) == SSH_BANNER
    assert pair.to_l.reader.wanted() == 4  # nothing of the banner was read


def test_feeding_more_than_wanted_is_a_caller_error() -> None:
    frame = frames.encode({"t": "CONFIRM"})
    reader = frames.FrameReader()
    with pytest.raises(ValueError):
        reader.feed(frame[:5])
    reader.feed(frame[:4])
    with pytest.raises(ValueError):
        reader.feed(frame[4:] + b"x")


def test_take_without_a_frame_is_a_caller_error() -> None:
    reader = frames.FrameReader()
    with pytest.raises(ValueError):
        reader.take()
    reader.feed(header(2))
    reader.feed(b"{")
    with pytest.raises(ValueError):
        reader.take()


def test_reader_never_wants_beyond_the_current_frame(wire_factory: Callable[[], Wire]) -> None:
    sizes = [1, 2, 100, frames.MAX_FRAME - 20]
    stream = b"".join(frames.encode({"p": "x" * size}) for size in sizes)
    wire = wire_factory()
    wire.send(stream)
    for size in sizes:
        _, message = wire.read_frame()
        assert message == {"p": "x" * size}
    assert wire.buffer == b""
    with pytest.raises(wire.Stalled):
        wire.read_frame()


# -- rejected input ----------------------------------------------------------------------


def test_zero_length_is_rejected_at_the_header() -> None:
    reader = frames.FrameReader()
    reader.feed(header(0)[:3])
    with pytest.raises(ProtocolError):
        reader.feed(header(0)[3:])


@pytest.mark.parametrize("length", [frames.MAX_FRAME + 1, 65536, 2**31, 2**32 - 1])
def test_oversized_is_rejected_before_reading_the_body(length: int) -> None:
    reader = frames.FrameReader()
    with pytest.raises(ProtocolError):
        reader.feed(header(length))


def test_max_frame_length_header_is_accepted() -> None:
    reader = frames.FrameReader()
    reader.feed(header(frames.MAX_FRAME))
    assert reader.wanted() == frames.MAX_FRAME


def test_too_many_frames_is_rejected_at_the_next_header() -> None:
    frame = frames.encode({"t": "CONFIRM"})
    reader = frames.FrameReader()
    got, rest = read_all(reader, frame * frames.MAX_FRAMES)
    assert len(got) == frames.MAX_FRAMES == 8
    assert rest == b""
    assert reader.frames_read == frames.MAX_FRAMES
    with pytest.raises(ProtocolError):
        reader.feed(frame[:4])


def test_max_frames_is_configurable() -> None:
    frame = frames.encode({"t": "CONFIRM"})
    reader = frames.FrameReader(max_frames=2)
    read_all(reader, frame * 2)
    with pytest.raises(ProtocolError):
        reader.feed(frame[:4])


NOT_JSON = [
    b"hello",
    b"{",
    b"}",
    b'{"a":1',
    b'{"a":1}x',
    b'{"a":1}{"b":2}',
    b"{'a':1}",
    b'{"a":01}',
    b"\xff\xfe{}",
    b'{"a":"\xff"}',
    b'{"a":"\xc3"}',
    b"\xef\xbb\xbf{}",  # a byte order mark
    b'{"a":undefined}',
    b"[" * 2000 + b"]" * 2000,  # nesting deeper than the recursion limit
    b" ",
]


@pytest.mark.parametrize("body", NOT_JSON, ids=range(len(NOT_JSON)))
def test_non_json_is_rejected(body: bytes) -> None:
    reader = frames.FrameReader()
    reader.feed(header(len(body)))
    with pytest.raises(ProtocolError):
        reader.feed(body)
    with pytest.raises(ProtocolError):
        frames.decode_body(body)


NOT_OBJECTS = [b"[]", b"[{}]", b'"t"', b"1", b"1.5", b"null", b"true", b"false", b'""']


@pytest.mark.parametrize("body", NOT_OBJECTS)
def test_non_objects_are_rejected(body: bytes) -> None:
    reader = frames.FrameReader()
    reader.feed(header(len(body)))
    with pytest.raises(ProtocolError):
        reader.feed(body)


CONSTANTS = [
    b'{"v":NaN}',
    b'{"v":Infinity}',
    b'{"v":-Infinity}',
    b'{"a":{"b":[1,NaN]}}',
    b"NaN",
]


@pytest.mark.parametrize("body", CONSTANTS)
def test_nan_and_infinity_are_rejected(body: bytes) -> None:
    reader = frames.FrameReader()
    reader.feed(header(len(body)))
    with pytest.raises(ProtocolError):
        reader.feed(body)


def test_decode_body_accepts_ordinary_objects() -> None:
    value: dict[str, Any] = {"t": "HELLO", "v": 1, "x": [True, None, 1.5, "é"]}
    assert frames.decode_body(frames.canonical(value)) == value


@pytest.mark.parametrize("body", [
    b' {"a":1}', b'{"a": 1}', b'{"a":1} ', b'{"a":1}\n',  # spaces
    b'{"b":1,"a":2}',  # key order
    b'{"a":1,"a":1}', b'{"a":2,"a":1}',  # repeated keys
    b'{"\\u0061":1}', b'{"a":"\\u00E9"}', b'{"a":"\xc3\xa9"}',  # other escapes, raw UTF-8
    b'{"a":1e0}', b'{"a":1.50}', b'{"a":01}', b'{"a":-0}',  # other numbers
])
def test_only_the_one_spelling_of_a_body_is_accepted(body: bytes) -> None:
    """The words come from the frames' bytes: a man in the middle who could respell a
    message could try spellings until both people's words agree (found by a review)."""
    with pytest.raises(ProtocolError, match=r"not written as agreed|not readable"):
        frames.decode_body(body)


def test_every_error_is_a_protocol_error_with_a_plain_sentence() -> None:
    for body in [*NOT_JSON, *NOT_OBJECTS, *CONSTANTS]:
        with pytest.raises(ProtocolError) as info:
            frames.decode_body(body)
        text = str(info.value)
        assert text.startswith("The other computer") and text.endswith(".")
