"""The session stream inside SSH (DESIGN section 6): encode and the incremental Decoder."""

from __future__ import annotations

import json
import random
import struct
from typing import Any

import pytest

from remote_help import sentences
from remote_help.proto import session
from remote_help.proto.errors import ProtocolError
from remote_help.proto.session import (
    BYE_REASONS,
    MAX_PAYLOAD,
    MAX_TEXT,
    Bye,
    Decoder,
    Hello,
    Kind,
    Notice,
    Resize,
    Resync,
    TermIn,
    TermOut,
    clean_text,
)

UNUSUAL = sentences.text(sentences.Say.NAMES_UNUSUAL)


def raw(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BI", kind, len(payload)) + payload


def json_raw(kind: int, body: Any) -> bytes:
    return raw(kind, json.dumps(body).encode())


def decode_all(data: bytes) -> list[session.Message]:
    decoder = Decoder()
    out = decoder.feed(data)
    assert decoder.pending == 0
    return out


def hello_body(**changes: Any) -> dict[str, Any]:
    return {"role": "friend", "name": "Alice", "cols": 80, "rows": 24, "kind": "shell"} | changes


SAMPLES: list[session.Message] = [
    Hello("friend", "Alice", 80, 24),
    Hello("helper", "Bob Muller-Smith", 1000, 1, "shell"),
    TermOut(b"hello\r\n\x1b[31mred\x1b[0m"),
    TermOut(bytes(range(256))),
    TermIn(b"ls -l\r"),
    TermIn(b"\x03"),
    Resize(132, 43),
    Resize(1, 1),
    Notice("Alice paused your typing"),
    Notice("é 日本 😀"),
    *[Bye(reason) for reason in sorted(BYE_REASONS)],
    Resync(),
]


@pytest.mark.parametrize("message", SAMPLES, ids=[repr(m)[:40] for m in SAMPLES])
def test_round_trip(message: session.Message) -> None:
    data = session.encode(message)
    assert decode_all(data) == [message]


def test_every_kind_has_a_round_trip_sample() -> None:
    kinds = {type(m) for m in SAMPLES}
    assert kinds == {Hello, TermOut, TermIn, Resize, Notice, Bye, Resync}
    assert {Kind.HELLO, Kind.TERM_OUT, Kind.TERM_IN, Kind.RESIZE, Kind.NOTICE, Kind.BYE,
            Kind.RESYNC} == set(Kind)


def test_a_resync_carries_nothing() -> None:
    with pytest.raises(ProtocolError):
        decode_all(raw(Kind.RESYNC, b"x"))


def test_wire_format() -> None:
    assert session.encode(TermIn(b"ab")) == b"\x03\x00\x00\x00\x02ab"
    assert session.encode(TermOut(b"x")) == b"\x02\x00\x00\x00\x01x"
    assert session.encode(Bye("error")) == b"\x06\x00\x00\x00\x05error"
    assert session.encode(Notice("hi")) == b"\x05\x00\x00\x00\x02hi"
    data = session.encode(Resize(80, 24))
    assert data[0] == Kind.RESIZE
    assert json.loads(data[5:]) == {"cols": 80, "rows": 24}
    data = session.encode(Hello("friend", "Alice", 80, 24))
    assert data[0] == Kind.HELLO
    assert json.loads(data[5:]) == hello_body()
    assert data[5:].isascii()


def test_a_stream_of_every_message() -> None:
    data = b"".join(session.encode(m) for m in SAMPLES)
    assert decode_all(data) == SAMPLES


def test_byte_by_byte_feeding() -> None:
    data = b"".join(session.encode(m) for m in SAMPLES)
    decoder = Decoder()
    got: list[session.Message] = []
    for i in range(len(data)):
        got += decoder.feed(data[i : i + 1])
        assert decoder.pending <= len(data)
    assert got == SAMPLES
    assert decoder.pending == 0


def test_random_chunking() -> None:
    rng = random.Random(1)
    data = b"".join(session.encode(m) for m in SAMPLES * 3)
    for _ in range(50):
        decoder = Decoder()
        got: list[session.Message] = []
        pos = 0
        while pos < len(data):
            step = rng.randint(0, 40)
            got += decoder.feed(data[pos : pos + step])
            pos += step
        assert got == SAMPLES * 3


def test_pending_counts_an_incomplete_message() -> None:
    data = session.encode(TermOut(b"abcdef"))
    decoder = Decoder()
    assert decoder.feed(data[:3]) == []
    assert decoder.pending == 3
    assert decoder.feed(data[3:8]) == []
    assert decoder.pending == 8
    assert decoder.feed(data[8:] + data[:2]) == [TermOut(b"abcdef")]
    assert decoder.pending == 2


@pytest.mark.parametrize(
    "size", [MAX_PAYLOAD - 1, MAX_PAYLOAD, MAX_PAYLOAD + 1, 3 * MAX_PAYLOAD, 200_000, 1 << 20]
)
@pytest.mark.parametrize("cls", [TermOut, TermIn])
def test_large_terminal_data_is_split(size: int, cls: type[TermOut | TermIn]) -> None:
    payload = random.Random(size).randbytes(size)
    data = session.encode(cls(payload))
    # Walk the headers: every message is within the limit and of the same kind.
    pos = 0
    lengths = []
    while pos < len(data):
        kind, length = struct.unpack_from(">BI", data, pos)
        assert kind == (Kind.TERM_OUT if cls is TermOut else Kind.TERM_IN)
        assert 0 < length <= MAX_PAYLOAD
        lengths.append(length)
        pos += 5 + length
    assert pos == len(data)
    assert sum(lengths) == size
    assert len(lengths) == -(-size // MAX_PAYLOAD)
    messages = decode_all(data)
    assert all(type(m) is cls for m in messages)
    assert b"".join(m.data for m in messages) == payload


def test_max_payload_is_64_kib() -> None:
    assert MAX_PAYLOAD == 64 * 1024


# -- rejected input ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [0, 8, 9, 42, 127, 128, 255])
def test_unknown_type(kind: int) -> None:
    with pytest.raises(ProtocolError, match="do not know"):
        Decoder().feed(raw(kind, b"{}"))


def test_unknown_type_with_empty_payload() -> None:
    with pytest.raises(ProtocolError):
        Decoder().feed(raw(0, b""))


@pytest.mark.parametrize("kind", list(Kind))
def test_oversize_is_refused_from_the_header_alone(kind: Kind) -> None:
    decoder = Decoder()
    with pytest.raises(ProtocolError, match="too large"):
        decoder.feed(struct.pack(">BI", kind, MAX_PAYLOAD + 1))
    with pytest.raises(ProtocolError, match="too large"):
        Decoder().feed(struct.pack(">BI", kind, 0xFFFFFFFF))


def test_oversize_split_header_is_refused_when_complete() -> None:
    decoder = Decoder()
    header = struct.pack(">BI", Kind.TERM_OUT, MAX_PAYLOAD + 1)
    assert decoder.feed(header[:4]) == []
    with pytest.raises(ProtocolError):
        decoder.feed(header[4:])


@pytest.mark.parametrize("kind", [Kind.NOTICE, Kind.BYE, Kind.HELLO, Kind.RESIZE])
def test_text_and_json_are_limited_to_max_text(kind: Kind) -> None:
    with pytest.raises(ProtocolError, match="too large"):
        Decoder().feed(raw(kind, b" " * (MAX_TEXT + 1)))


def test_encoding_too_large_messages_is_refused() -> None:
    with pytest.raises(ValueError):
        session.encode(Bye("x" * (MAX_PAYLOAD + 1)))
    with pytest.raises(ValueError):
        session.encode(Hello("friend", "x" * MAX_PAYLOAD, 80, 24))


def test_encoding_something_else_is_refused() -> None:
    with pytest.raises(TypeError):
        session.encode("hello")  # type: ignore[arg-type]


BAD_JSON = [
    b"",
    b"{",
    b"nope",
    b"{'cols': 1}",
    b'{"cols": 1, "rows": 1}x',
    b"\xff\xfe",
    b'{"cols": 80, "rows": "\xc3"}',
    b"[" * 600 + b"]" * 400,
]


@pytest.mark.parametrize("payload", BAD_JSON, ids=range(len(BAD_JSON)))
@pytest.mark.parametrize("kind", [Kind.HELLO, Kind.RESIZE])
def test_bad_json(kind: Kind, payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        Decoder().feed(raw(kind, payload))


@pytest.mark.parametrize("body", [[], [80, 24], "80x24", 80, None, True])
@pytest.mark.parametrize("kind", [Kind.HELLO, Kind.RESIZE])
def test_json_that_is_not_an_object(kind: Kind, body: Any) -> None:
    with pytest.raises(ProtocolError):
        Decoder().feed(json_raw(kind, body))


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"cols": 80},
        {"rows": 24},
        {"cols": 80, "rows": 24, "x": 1},
        {"cols": 80, "rows": 24, "name": "a"},
        {"Cols": 80, "rows": 24},
    ],
)
def test_resize_wrong_fields(body: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError, match="wrong fields"):
        Decoder().feed(json_raw(Kind.RESIZE, body))


BAD_GRID: list[Any] = [0, -1, 1001, 10**9, 80.0, 1.5, True, False, "80", None, [80], {}]


@pytest.mark.parametrize("value", BAD_GRID, ids=[repr(v) for v in BAD_GRID])
@pytest.mark.parametrize("field", ["cols", "rows"])
def test_bad_grid_sizes(field: str, value: Any) -> None:
    with pytest.raises(ProtocolError, match="screen size"):
        Decoder().feed(json_raw(Kind.RESIZE, {"cols": 80, "rows": 24} | {field: value}))
    with pytest.raises(ProtocolError, match="screen size"):
        Decoder().feed(json_raw(Kind.HELLO, hello_body(**{field: value})))


def test_grid_limits_are_accepted() -> None:
    for cols, rows in [(1, 1), (1000, 1000), (1, 1000), (1000, 1)]:
        assert decode_all(json_raw(Kind.RESIZE, {"cols": cols, "rows": rows})) == [
            Resize(cols, rows)
        ]


def test_nan_grid_is_refused() -> None:
    with pytest.raises(ProtocolError):
        Decoder().feed(raw(Kind.RESIZE, b'{"cols": NaN, "rows": 24}'))
    with pytest.raises(ProtocolError):
        Decoder().feed(raw(Kind.RESIZE, b'{"cols": Infinity, "rows": 24}'))


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "admin"},
        {"role": "Friend"},
        {"role": None},
        {"role": ["friend"]},
        {"kind": "vnc"},  # not offered by this version
        {"kind": "exec"},
        {"kind": ""},
        {"kind": None},
    ],
    ids=repr,
)
def test_hello_bad_role_or_kind(changes: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError, match="greeting"):
        Decoder().feed(json_raw(Kind.HELLO, hello_body(**changes)))


@pytest.mark.parametrize("missing", ["role", "name", "cols", "rows", "kind"])
def test_hello_missing_field(missing: str) -> None:
    body = hello_body()
    del body[missing]
    with pytest.raises(ProtocolError, match="wrong fields"):
        Decoder().feed(json_raw(Kind.HELLO, body))


def test_hello_extra_field() -> None:
    with pytest.raises(ProtocolError, match="wrong fields"):
        Decoder().feed(json_raw(Kind.HELLO, hello_body(command="/bin/sh")))


BAD_NAMES = [
    "",
    "a" * 65,
    "\x1b]0;pwned\x07",
    "Alice\x1b[2J",
    "Al\nice",
    "Al\rice",
    "Alice\x00",
    "Alice\t",
    "Al\x7fice",
    "Al\x85ice",  # NEL, a C1 control
    "Al\x9bice",  # CSI as a C1 control
    "Al\u202eecila",  # RIGHT-TO-LEFT OVERRIDE
    "\u202aAlice",
    "\u202bAlice",
    "\u202cAlice",
    "\u202dAlice",
    "\u2066Alice",
    "\u2067Alice",
    "\u2068Alice",
    "\u2069Alice",
    "Alice\u200e",
    "Alice\u200f",
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n)[:30] for n in BAD_NAMES])
def test_names_with_control_or_bidi_characters_are_refused(name: str) -> None:
    with pytest.raises(ProtocolError, match="name"):
        Decoder().feed(json_raw(Kind.HELLO, hello_body(name=name)))


@pytest.mark.parametrize("name", [None, 1, ["Alice"], {"n": "Alice"}, True])
def test_names_must_be_strings(name: Any) -> None:
    with pytest.raises(ProtocolError):
        Decoder().feed(json_raw(Kind.HELLO, hello_body(name=name)))


@pytest.mark.parametrize(
    ("name", "shown"),
    [("A", "A"), ("a" * 64, "a" * 29 + "..."), ("Alice", "Alice"), ("Bob Smith", "Bob Smith"),
     ("Zoë", "Zoe"), ("日本語", UNUSUAL), ("Ali (at home)", UNUSUAL), ("😀", UNUSUAL),
     ("-x", "-x"), ("Bob Müller 日本", UNUSUAL)],
)
def test_ordinary_names_are_accepted_in_the_form_screens_show(name: str, shown: str) -> None:
    """Accepted, and taken in as names.shown has it (tests/unit/test_names.py)."""
    assert decode_all(json_raw(Kind.HELLO, hello_body(name=name))) == [
        Hello("friend", shown, 80, 24)
    ]


def test_arabic_letter_mark_is_refused_like_lrm_and_rlm() -> None:
    with pytest.raises(ProtocolError):
        Decoder().feed(json_raw(Kind.HELLO, hello_body(name="Alice\u061c")))
    assert clean_text("Alice\u061c") == "Alice"


@pytest.mark.parametrize("reason", ["", "bogus", "Error", "error ", "friend-ended\n", "é"])
def test_bye_with_unknown_reason(reason: str) -> None:
    with pytest.raises(ProtocolError, match="reason"):
        Decoder().feed(raw(Kind.BYE, reason.encode()))


def test_bye_reasons() -> None:
    assert frozenset({"friend-ended", "helper-ended", "shell-exited", "error"}) == BYE_REASONS


@pytest.mark.parametrize("kind", [Kind.NOTICE, Kind.BYE])
def test_text_that_is_not_utf8(kind: Kind) -> None:
    with pytest.raises(ProtocolError, match="not readable"):
        Decoder().feed(raw(kind, b"abc\xff"))


def test_an_error_after_a_good_message() -> None:
    decoder = Decoder()
    good = session.encode(TermOut(b"ok"))
    assert decoder.feed(good) == [TermOut(b"ok")]
    with pytest.raises(ProtocolError):
        decoder.feed(raw(Kind.BYE, b"bogus"))


# -- notices and clean_text --------------------------------------------------------------


def test_notice_is_cleaned_on_arrival() -> None:
    text = "Alice\x1b]52;c;aGk=\x07 paused\u202e your\r\n typing\x9b"
    assert decode_all(raw(Kind.NOTICE, text.encode())) == [
        Notice("Alice]52;c;aGk= paused your typing")
    ]


def test_long_notice_is_truncated_to_max_text() -> None:
    data = session.encode(Notice("x" * 5000))
    assert len(data) == 5 + MAX_TEXT
    assert decode_all(data) == [Notice("x" * MAX_TEXT)]


def test_long_non_ascii_notice_is_truncated_on_a_character_boundary() -> None:
    text = "a" + "é" * 600
    (message,) = decode_all(session.encode(Notice(text)))
    assert isinstance(message, Notice)
    assert text.startswith(message.text)
    assert len(message.text.encode()) <= MAX_TEXT


def test_clean_text() -> None:
    assert clean_text("plain text") == "plain text"
    assert clean_text("é 日本 😀 Zoë") == "é 日本 😀 Zoë"
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x80f\x9fg") == "abcdefg"
    assert clean_text("\x1b[31mred\x1b[0m") == "[31mred[0m"
    assert clean_text("line\r\nnext\ttab") == "linenexttab"
    assert clean_text("x\u200ey\u200fz") == "xyz"
    assert clean_text("".join(chr(c) for c in range(0x202A, 0x202F))) == ""
    assert clean_text("".join(chr(c) for c in range(0x2066, 0x206A))) == ""
    assert clean_text("\u00a0\u00ff\u2000") == "\u00a0\u00ff\u2000"
    # invisible formatting: zero-width, the deprecated format controls, BOM, ALM
    assert clean_text("a\u200bb\u2060c\u206ad\ufeffe\u061cf\u2028g") == "abcdefg"


def test_clean_text_removes_every_c0_c1_and_del() -> None:
    everything = "".join(chr(c) for c in range(0xA0))
    assert clean_text(everything) == "".join(chr(c) for c in range(0x20, 0x7F))


def test_clean_text_limit() -> None:
    assert clean_text("x" * 5000) == "x" * MAX_TEXT
    assert clean_text("abcdef", limit=3) == "abc"
    assert clean_text("\x1b" * 10 + "abc", limit=2) == "ab"  # cleaned first, then cut
    assert clean_text("") == ""


def test_the_helpers_copy_keeps_at_most_500x200() -> None:
    """Issue 9, weakness 10: the wire takes up to 1000x1000 (a friend with a larger window
    is not refused), the helper's copy at most 500x200 of it."""
    assert session.helper_grid(1000, 1000) == (500, 200)
    assert session.helper_grid(80, 24) == (80, 24)
    assert session.helper_grid(640, 50) == (500, 50)
    assert session.helper_grid(1, 1) == (1, 1)
