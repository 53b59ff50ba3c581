"""The commit/reveal handshake as a state machine (DESIGN section 4)."""

from __future__ import annotations

import base64
import hashlib
import math
import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from remote_help.proto import frames, sas
from remote_help.proto.errors import ProtocolError
from remote_help.proto.handshake import (
    ABORT_REASONS,
    ROLES,
    TRANSITIONS,
    VERSION,
    Handshake,
    Identity,
    PeerAborted,
    State,
    check_public_key,
    check_user,
    commitment,
    validate,
)

if TYPE_CHECKING:
    from tests.unit.conftest import Pair, Wire

PairFactory = Callable[..., "Pair"]
IdentityFactory = Callable[..., Identity]
KeyFactory = Callable[..., str]

PREFIX = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
SIDES = ("C", "L")
REACHABLE = {
    "C": [State.INIT, State.WAIT_HELLO2, State.WAIT_REVEAL2, State.COMPARING, State.CONFIRMED,
          State.PEER_CONFIRMED, State.VERIFIED],
    "L": [State.INIT, State.WAIT_HELLO, State.WAIT_REVEAL, State.READY, State.COMPARING,
          State.CONFIRMED, State.PEER_CONFIRMED, State.VERIFIED],
}  # fmt: skip
EVENTS = ("start", "open", "confirm", "recv HELLO", "recv HELLO2", "recv REVEAL",
          "recv REVEAL2", "recv CONFIRM")


def other(name: str) -> str:
    return "L" if name == "C" else "C"


def key_of(raw: bytes) -> str:
    return "ssh-ed25519 " + base64.b64encode(PREFIX + raw).decode()


def commit_hex(pk: str, user: str, has_sshd: bool, role: str, nonce: bytes, *,
               side: str = "C") -> str:
    """The commitment computed independently of handshake.commitment()."""
    label = b"rh-commit-v1" if side == "C" else b"rh-commit-listener-v1"
    parts = [label, pk.encode(), user.encode(), b"1" if has_sshd else b"0",
             role.encode(), nonce]  # fmt: skip
    data = b"".join(len(part).to_bytes(8, "big") + part for part in parts)
    return hashlib.sha256(data).hexdigest()


def drive(pair: Pair, name: str, state: State) -> None:
    """Bring side ``name`` of a fresh pair into ``state`` with the real frames."""
    if state is State.INIT:
        return
    if state in (State.WAIT_HELLO2, State.WAIT_HELLO):
        pair.start()
        return
    if state is State.WAIT_REVEAL:
        pair.start()
        pair.deliver_to_l()
        return
    if state in (State.WAIT_REVEAL2, State.READY):
        pair.start()
        pair.deliver_to_l()  # HELLO -> L, HELLO2 back
        pair.deliver_to_c()  # HELLO2 -> C, REVEAL back
        if state is State.READY:
            pair.deliver_to_l()  # REVEAL -> L; REVEAL2 held back
        return
    pair.run()
    if state is State.CONFIRMED:
        pair.confirm(name)
    elif state is State.PEER_CONFIRMED:
        pair.confirm(other(name))
        pair.deliver_to(name)
    elif state is State.VERIFIED:
        pair.confirm(name)
        pair.confirm(other(name))
        pair.deliver_to(name)
        pair.deliver_to(other(name))
    assert pair.side(name).state is state


def apply(pair: Pair, name: str, event: str) -> None:
    """Make ``event`` happen to side ``name``, using the peer's real frames."""
    me = pair.side(name)
    if event == "start":
        me.start()
    elif event == "open":
        pair.wire_to(other(name)).send(me.open())
    elif event == "confirm":
        me.confirm()
    elif event == "recv HELLO":
        pair.deliver_to(name)
    elif event == "recv HELLO2":
        pair.deliver_to_l()
        pair.deliver_to(name)
    elif event == "recv REVEAL":
        pair.deliver_to_c()
        pair.deliver_to(name)
    elif event == "recv REVEAL2":
        pair.deliver_to_l()
        pair.to_c.send(pair.l.open())
        pair.deliver_to(name)
    elif event == "recv CONFIRM":
        pair.confirm(other(name))
        pair.deliver_to(name)
    else:  # pragma: no cover
        raise AssertionError(event)


def sample_messages(me: Identity) -> dict[str, dict[str, Any]]:
    """One valid message of each kind, as a peer of ``me`` would send it."""
    role = "helper" if me.role == "friend" else "friend"
    pk = key_of(bytes(range(32)))
    nonce = bytes(32)
    return {
        "HELLO": {"t": "HELLO", "v": VERSION, "role": role,
                  "commit": commit_hex(pk, "peer", False, role, nonce)},
        "HELLO2": {"t": "HELLO2", "v": VERSION, "role": role,
                   "commit": commit_hex(pk, "peer", True, role, nonce, side="L")},
        "REVEAL": {"t": "REVEAL", "pk": pk, "user": "peer", "has_sshd": False,
                   "nonce": nonce.hex()},
        "REVEAL2": {"t": "REVEAL2", "pk": pk, "user": "peer", "has_sshd": True,
                    "nonce": nonce.hex()},
        "CONFIRM": {"t": "CONFIRM"},
        "ABORT": {"t": "ABORT", "reason": "cancelled"},
    }  # fmt: skip


def feed(handshake: Handshake, message: dict[str, Any]) -> bytes:
    """Encode a message and hand it over exactly as a FrameReader would give it."""
    raw = frames.encode(message)
    reader = frames.FrameReader()
    while n := reader.wanted():
        reader.feed(raw[:n])
        raw = raw[n:]
    return handshake.receive(*reader.take())


# -- the transition table ----------------------------------------------------------------


def test_table_is_what_the_design_says() -> None:
    assert len(TRANSITIONS) == 15
    assert {side for side, _, _ in TRANSITIONS} == {"C", "L"}
    for (_, state, event), target in TRANSITIONS.items():
        assert event in EVENTS
        assert state is not State.ABORTED and target is not State.ABORTED


@pytest.mark.parametrize(
    ("key", "target"),
    sorted(TRANSITIONS.items(), key=lambda item: (item[0][0], item[0][1].value, item[0][2])),
    ids=[f"{s}-{st.value}-{ev}" for (s, st, ev) in sorted(
        TRANSITIONS, key=lambda k: (k[0], k[1].value, k[2]))],
)  # fmt: skip
def test_every_transition(
    key: tuple[str, State, str], target: State, pair_factory: PairFactory
) -> None:
    name, state, event = key
    pair = pair_factory()
    drive(pair, name, state)
    apply(pair, name, event)
    me = pair.side(name)
    assert me.state is target
    if target in (State.READY, State.COMPARING, State.CONFIRMED, State.PEER_CONFIRMED,
                  State.VERIFIED):
        assert me.code is not None and me.transcript is not None and me.peer is not None
    assert me.verified is (target is State.VERIFIED)


@pytest.mark.parametrize("name", SIDES)
def test_full_run_visits_the_states_in_order(name: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    me = pair.side(name)
    seen = [me.state]
    pair.start()
    seen.append(me.state)
    pair.deliver_to_l()
    seen.append(me.state)
    pair.deliver_to_c()
    seen.append(me.state)
    pair.deliver_to_l()
    seen.append(me.state)
    pair.to_c.send(pair.l.open())
    seen.append(me.state)
    pair.deliver_to_c()
    seen.append(me.state)
    pair.confirm(name)
    seen.append(me.state)
    pair.confirm(other(name))
    pair.deliver_to(name)
    seen.append(me.state)
    pair.deliver_to(other(name))
    assert pair.side(other(name)).verified
    compact = [s for i, s in enumerate(seen) if i == 0 or s is not seen[i - 1]]
    if name == "C":
        assert compact == [State.INIT, State.WAIT_HELLO2, State.WAIT_REVEAL2, State.COMPARING,
                           State.CONFIRMED, State.VERIFIED]  # fmt: skip
    else:
        assert compact == [State.INIT, State.WAIT_HELLO, State.WAIT_REVEAL, State.READY,
                           State.COMPARING, State.CONFIRMED, State.VERIFIED]  # fmt: skip


def test_confirm_in_either_order(pair_factory: PairFactory) -> None:
    for first in SIDES:
        pair = pair_factory()
        pair.run()
        pair.confirm(first)
        pair.deliver_to(other(first))
        assert pair.side(other(first)).state is State.PEER_CONFIRMED
        assert not pair.side(first).verified and not pair.side(other(first)).verified
        pair.confirm(other(first))
        pair.deliver_to(first)
        assert pair.c.verified and pair.l.verified


def test_confirm_at_the_same_time(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    pair.confirm("C")
    pair.confirm("L")
    assert pair.c.state is pair.l.state is State.CONFIRMED
    pair.deliver_to_c()
    pair.deliver_to_l()
    assert pair.c.verified and pair.l.verified


OUT_OF_TABLE = [
    (name, state, event)
    for name in SIDES
    for state in REACHABLE[name]
    for event in EVENTS
    if (name, state, event) not in TRANSITIONS
]


@pytest.mark.parametrize(
    ("name", "state", "event"),
    OUT_OF_TABLE,
    ids=[f"{n}-{s.value}-{e}" for n, s, e in OUT_OF_TABLE],
)
def test_everything_outside_the_table_is_refused(
    name: str, state: State, event: str, pair_factory: PairFactory
) -> None:
    pair = pair_factory()
    drive(pair, name, state)
    me = pair.side(name)
    if event == "start":
        with pytest.raises(ValueError):
            me.start()
        assert me.state is state
    elif event == "confirm":
        with pytest.raises(ValueError):
            me.confirm()
        assert me.state is state
    elif event == "open":
        with pytest.raises(ValueError):
            me.open()
        assert me.state is state
    else:
        message = sample_messages(me.me)[event.removeprefix("recv ")]
        with pytest.raises(ProtocolError, match="out of order"):
            feed(me, message)
        assert me.state is State.ABORTED
        assert not me.verified


@pytest.mark.parametrize(
    ("name", "state"), [(n, s) for n in SIDES for s in REACHABLE[n]],
    ids=[f"{n}-{s.value}" for n in SIDES for s in REACHABLE[n]],
)  # fmt: skip
def test_abort_from_every_state(name: str, state: State, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    drive(pair, name, state)
    me = pair.side(name)
    frame = me.abort("cancelled")
    assert me.state is State.ABORTED
    assert not me.verified
    assert frame == frames.encode({"t": "ABORT", "reason": "cancelled"})
    # ... and the peer learns why.
    peer = pair.side(other(name))
    if peer.state is not State.INIT:
        wire = pair.wire_to(other(name))
        wire.buffer.clear()
        wire.reader = frames.FrameReader()
        wire.send(frame)
        with pytest.raises(PeerAborted) as info:
            pair.deliver_to(other(name))
        assert info.value.reason == "cancelled"
        assert peer.state is State.ABORTED


@pytest.mark.parametrize(
    ("name", "state"), [(n, s) for n in SIDES for s in REACHABLE[n]],
    ids=[f"{n}-{s.value}" for n in SIDES for s in REACHABLE[n]],
)  # fmt: skip
def test_peer_abort_in_every_state(name: str, state: State, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    drive(pair, name, state)
    me = pair.side(name)
    with pytest.raises(PeerAborted) as info:
        feed(me, {"t": "ABORT", "reason": "busy"})
    assert info.value.reason == "busy"
    assert str(info.value) == "busy"
    assert me.state is State.ABORTED
    assert not me.verified


@pytest.mark.parametrize("name", SIDES)
def test_nothing_is_allowed_after_aborted(name: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    me = pair.side(name)
    me.abort("refused")
    with pytest.raises(ValueError):
        me.abort("refused")
    with pytest.raises(ValueError):
        me.confirm()
    with pytest.raises(ValueError):
        me.start()
    for message in sample_messages(me.me).values():
        with pytest.raises(ProtocolError):
            feed(me, message)
        assert me.state is State.ABORTED


# -- out of order, by name ---------------------------------------------------------------


def test_reveal_before_hello(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.l.start()
    with pytest.raises(ProtocolError, match="out of order"):
        feed(pair.l, sample_messages(pair.l.me)["REVEAL"])
    assert pair.l.state is State.ABORTED


def test_hello2_sent_to_l(pair_factory: PairFactory) -> None:
    for prepare in (0, 1, 3):
        pair = pair_factory()
        pair.start()
        if prepare >= 1:
            pair.deliver_to_l()
        if prepare >= 3:
            pair.deliver_to_c()
            pair.deliver_to_l()
        with pytest.raises(ProtocolError, match="out of order"):
            feed(pair.l, sample_messages(pair.l.me)["HELLO2"])
        assert pair.l.state is State.ABORTED


def test_hello_sent_to_c(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError, match="out of order"):
        feed(pair.c, sample_messages(pair.c.me)["HELLO"])


def test_confirm_before_comparing(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError, match="out of order"):
        feed(pair.c, {"t": "CONFIRM"})
    pair = pair_factory()
    pair.start()
    pair.deliver_to_l()
    with pytest.raises(ProtocolError, match="out of order"):
        feed(pair.l, {"t": "CONFIRM"})  # L has not seen REVEAL yet
    assert pair.l.state is State.ABORTED


def test_second_hello(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    hello = pair.to_l.sent[0]
    pair.deliver_to_l()
    pair.to_l.send(hello)
    with pytest.raises(ProtocolError, match="out of order"):
        pair.deliver_to_l()
    assert pair.l.state is State.ABORTED


def test_second_confirm(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    drive(pair, "C", State.VERIFIED)
    with pytest.raises(ProtocolError, match="out of order"):
        feed(pair.c, {"t": "CONFIRM"})
    assert not pair.c.verified


def test_confirm_twice_locally(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    pair.c.confirm()
    with pytest.raises(ValueError):
        pair.c.confirm()
    assert pair.c.state is State.CONFIRMED


def test_start_twice(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    for me in (pair.c, pair.l):
        with pytest.raises(ValueError):
            me.start()


def test_l_start_sends_nothing_and_c_start_sends_hello(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    assert pair.l.start() == b""
    hello = pair.c.start()
    body = frames.decode_body(hello[4:])
    assert set(body) == {"t", "v", "role", "commit"}
    assert body["t"] == "HELLO" and body["v"] == VERSION and body["role"] == pair.c.me.role


# -- schemas -----------------------------------------------------------------------------

WRONG_VALUES: list[Any] = [True, False, 1, 0, 1.0, "1", "", None, [], {}, ["x"]]


def schema_cases() -> list[tuple[str, dict[str, Any], str]]:
    base = sample_messages(Identity("friend", key_of(bytes(32)), "me", False))
    cases: list[tuple[str, dict[str, Any], str]] = []
    for kind, message in base.items():
        for field in message:
            broken = dict(message)
            del broken[field]
            cases.append((kind, broken, f"{kind}-missing-{field}"))
            for value in WRONG_VALUES:
                if type(value) is type(message[field]):
                    continue
                broken = dict(message)
                broken[field] = value
                cases.append((kind, broken, f"{kind}-{field}={value!r}"))
        for extra in ("x", "T", "t2", "reason", "nonce", "pad"):
            if extra in message:
                continue
            broken = dict(message)
            broken[extra] = "1"
            cases.append((kind, broken, f"{kind}-extra-{extra}"))
    return cases


SCHEMA_CASES = schema_cases()


def receiver_for(kind: str, pair: Pair) -> Handshake:
    """A handshake of the pair in the state where a message of ``kind`` is expected."""
    if kind == "HELLO":
        pair.start()
        return pair.l
    if kind == "HELLO2":
        pair.start()
        return pair.c
    if kind == "REVEAL":
        pair.start()
        pair.deliver_to_l()
        return pair.l
    if kind == "REVEAL2":
        drive(pair, "C", State.WAIT_REVEAL2)
        return pair.c
    pair.run()
    return pair.c


@pytest.mark.parametrize(
    ("kind", "message"), [c[:2] for c in SCHEMA_CASES], ids=[c[2] for c in SCHEMA_CASES]
)
def test_unknown_missing_extra_and_mistyped_fields(
    kind: str, message: dict[str, Any], pair_factory: PairFactory
) -> None:
    with pytest.raises(ProtocolError):
        validate(message)
    pair = pair_factory()
    me = receiver_for(kind, pair)
    with pytest.raises(ProtocolError):
        feed(me, message)
    assert not me.verified


def test_schema_cases_include_bool_and_int_confusion() -> None:
    ids = {c[2] for c in SCHEMA_CASES}
    assert {"HELLO-v=True", "HELLO2-v=False", "REVEAL2-has_sshd=1", "REVEAL-has_sshd=0",
            "HELLO-v=1.0"} <= ids  # fmt: skip


def test_valid_samples_pass_validate() -> None:
    base = sample_messages(Identity("friend", key_of(bytes(32)), "me", False))
    for kind, message in base.items():
        assert validate(message) == kind


@pytest.mark.parametrize(
    "kind", ["HELO", "hello", "Hello", "", "HELLO ", "REVEAL3", "BYE", 1, None, ["HELLO"], True]
)
def test_unknown_message_types(kind: Any, pair_factory: PairFactory) -> None:
    message = {"t": kind, "v": 1}
    with pytest.raises(ProtocolError, match="do not know"):
        validate(message)
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError):
        feed(pair.l, message)


def test_message_without_type(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    message = sample_messages(pair.l.me)["HELLO"]
    del message["t"]
    with pytest.raises(ProtocolError):
        feed(pair.l, message)


@pytest.mark.parametrize("version", [0, 1, 3, -1, 100, 2**40])
def test_wrong_version(version: int, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    hello = sample_messages(pair.l.me)["HELLO"] | {"v": version}
    with pytest.raises(ProtocolError, match="different version"):
        feed(pair.l, hello)
    pair = pair_factory()
    pair.start()
    hello2 = sample_messages(pair.c.me)["HELLO2"] | {"v": version}
    with pytest.raises(ProtocolError, match="different version"):
        feed(pair.c, hello2)


@pytest.mark.parametrize("role", ["admin", "FRIEND", "", "friend ", "root"])
def test_unknown_role(role: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError):
        feed(pair.l, sample_messages(pair.l.me)["HELLO"] | {"role": role})
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError):
        feed(pair.c, sample_messages(pair.c.me)["HELLO2"] | {"role": role})


@pytest.mark.parametrize(
    "commit", ["", "00", "0" * 63, "0" * 65, "A" * 64, "g" * 64, " " + "0" * 63, "0" * 63 + "\n"]
)
def test_bad_commit(commit: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError):
        feed(pair.l, sample_messages(pair.l.me)["HELLO"] | {"commit": commit})


BAD_NONCES = ["", "00" * 31, "00" * 33, "AB" * 32, "zz" * 32, "0x" + "00" * 31, "00" * 32 + "\n"]


@pytest.mark.parametrize("nonce", BAD_NONCES)
def test_bad_nonce_in_reveal2(nonce: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    drive(pair, "L", State.READY)
    _, message = _frame(pair.l.open())
    with pytest.raises(ProtocolError):
        feed(pair.c, message | {"nonce": nonce})
    assert pair.c.code is None and pair.c.peer is None


@pytest.mark.parametrize(
    "commit", ["", "00", "0" * 63, "0" * 65, "A" * 64, "g" * 64, " " + "0" * 63, "0" * 63 + "\n"]
)
def test_bad_commit_in_hello2(commit: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    with pytest.raises(ProtocolError):
        feed(pair.c, sample_messages(pair.c.me)["HELLO2"] | {"commit": commit})
    assert pair.to_l.sent == [pair.to_l.sent[0]]  # only HELLO: C revealed nothing


# -- roles -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_same_role_on_both_sides(role: str, pair_factory: PairFactory) -> None:
    pair = pair_factory(role, role)
    pair.start()
    with pytest.raises(ProtocolError, match="Both of you"):
        pair.deliver_to_l()
    assert pair.l.state is State.ABORTED
    assert pair.to_c.buffer == b""  # L sent nothing back


@pytest.mark.parametrize("role", ROLES)
def test_same_role_seen_by_c(role: str, pair_factory: PairFactory) -> None:
    pair = pair_factory(role, "helper" if role == "friend" else "friend")
    pair.start()
    hello2 = sample_messages(pair.c.me)["HELLO2"] | {"role": role}
    with pytest.raises(ProtocolError, match="Both of you"):
        feed(pair.c, hello2)
    assert pair.c.state is State.ABORTED


@pytest.mark.parametrize(("c_role", "l_role"), [("friend", "helper"), ("helper", "friend")])
def test_either_side_may_be_either_role(
    c_role: str, l_role: str, pair_factory: PairFactory
) -> None:
    pair = pair_factory(c_role, l_role)
    pair.run()
    assert pair.c.peer is not None and pair.c.peer.role == l_role
    assert pair.l.peer is not None and pair.l.peer.role == c_role
    assert pair.c.code == pair.l.code


def test_identity_refuses_unknown_roles(key_factory: KeyFactory) -> None:
    with pytest.raises(ValueError):
        Identity("admin", key_factory(), "alice", False)


def test_handshake_side_must_be_c_or_l(identity_factory: IdentityFactory) -> None:
    with pytest.raises(ValueError):
        Handshake("X", identity_factory())


# -- user names --------------------------------------------------------------------------

BAD_USERS = [
    "-oProxyCommand=x",
    "a;touch pwned",
    "$(id)",
    "`id`",
    "\x1b]0;x\x07",
    "Root",
    "ROOT",
    "a" * 40,
    "a" * 33,
    "al\u202eice",  # RIGHT-TO-LEFT OVERRIDE
    "\u202eroot",
    "alice\u200f",
    "",
    " ",
    "a b",
    "alice\n",
    "alice\x00",
    "root\r",
    "9lives",
    ".hidden",
    "-",
    "al/ice",
    "al\\ice",
    "al:ice",
    "al@host",
    "user$",
    "ålice",
    "аlice",  # Cyrillic a
    "alice\t",
    "..",
]
GOOD_USERS = ["alice", "root", "_apt", "a", "a" * 32, "bob.smith", "bob-smith", "b0b_2", "_"]


@pytest.mark.parametrize("user", BAD_USERS)
def test_bad_user_names_are_refused(user: str) -> None:
    with pytest.raises(ProtocolError):
        check_user(user)


@pytest.mark.parametrize("user", GOOD_USERS)
def test_good_user_names_are_accepted(user: str) -> None:
    assert check_user(user) == user


@pytest.mark.parametrize("user", [None, 1, ["root"], b"root"])
def test_user_names_must_be_strings(user: Any) -> None:
    with pytest.raises(ProtocolError):
        check_user(user)


@pytest.mark.parametrize("user", BAD_USERS)
def test_bad_user_in_reveal2(user: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    drive(pair, "L", State.READY)
    _, message = _frame(pair.l.open())
    with pytest.raises(ProtocolError, match="user name"):
        feed(pair.c, message | {"user": user})
    assert pair.c.code is None and pair.c.peer is None
    assert pair.c.state is State.ABORTED


@pytest.mark.parametrize("user", BAD_USERS)
def test_bad_user_in_reveal2_even_when_committed(user: str, pair_factory: PairFactory) -> None:
    """A listener that commits to a hostile user name honestly is still refused."""
    pair = pair_factory()
    pk = key_of(b"\x01" * 32)
    nonce = b"\x02" * 32
    pair.c.start()
    feed(pair.c, {"t": "HELLO2", "v": VERSION, "role": "helper",
                  "commit": commit_hex(pk, user, True, "helper", nonce, side="L")})  # fmt: skip
    with pytest.raises(ProtocolError, match="user name"):
        feed(pair.c, {"t": "REVEAL2", "pk": pk, "user": user, "has_sshd": True,
                      "nonce": nonce.hex()})  # fmt: skip
    assert pair.c.peer is None and pair.c.code is None


@pytest.mark.parametrize("user", BAD_USERS)
def test_bad_user_in_reveal_even_when_committed(user: str, pair_factory: PairFactory) -> None:
    """A peer that commits to a hostile user name honestly is still refused."""
    pair = pair_factory()
    pk = key_of(b"\x01" * 32)
    nonce = b"\x02" * 32
    pair.l.start()
    feed(pair.l, {"t": "HELLO", "v": VERSION, "role": "friend",
                  "commit": commit_hex(pk, user, False, "friend", nonce)})  # fmt: skip
    with pytest.raises(ProtocolError, match="user name"):
        feed(pair.l, {"t": "REVEAL", "pk": pk, "user": user, "has_sshd": False,
                      "nonce": nonce.hex()})  # fmt: skip
    assert pair.l.peer is None
    assert not pair.l.verified


@pytest.mark.parametrize("user", BAD_USERS)
def test_identity_refuses_bad_user_names(user: str, key_factory: KeyFactory) -> None:
    with pytest.raises(ProtocolError):
        Identity("friend", key_factory(), user, False)


# -- keys --------------------------------------------------------------------------------


def bad_keys() -> list[tuple[str, str]]:
    good = key_of(bytes(range(32)))
    b64 = good.split(" ")[1]
    rsa_blob = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x00\x81\x00" + bytes(
        128
    )
    return [
        ("ssh-rsa", "ssh-rsa " + base64.b64encode(rsa_blob).decode()),
        ("rsa-type-ed-blob", "ssh-rsa " + b64),
        ("ecdsa", "ecdsa-sha2-nistp256 " + b64),
        ("cert", "ssh-ed25519-cert-v01@openssh.com " + b64),
        ("upper-type", "SSH-ED25519 " + b64),
        ("comment", good + " alice@host"),
        ("trailing-space", good + " "),
        ("leading-space", " " + good),
        ("double-space", "ssh-ed25519  " + b64),
        ("tab", "ssh-ed25519\t" + b64),
        ("newline", good + "\n"),
        ("crlf", good + "\r\n"),
        ("type-only", "ssh-ed25519"),
        ("empty", ""),
        ("blob-31", key_of(bytes(31))),
        ("blob-33", key_of(bytes(33))),
        ("blob-0", "ssh-ed25519 " + base64.b64encode(PREFIX).decode()),
        ("wrong-inner-type", "ssh-ed25519 " + base64.b64encode(
            b"\x00\x00\x00\x0bssh-ed25518\x00\x00\x00\x20" + bytes(32)).decode()),
        ("wrong-inner-length", "ssh-ed25519 " + base64.b64encode(
            b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x21" + bytes(32)).decode()),
        ("invalid-base64", "ssh-ed25519 !!!!" + b64[4:]),
        ("base64-star", "ssh-ed25519 " + b64[:10] + "*" + b64[11:]),
        ("base64-truncated", "ssh-ed25519 " + b64[:-1]),
        ("base64-extra-padding", good + "=="),
        ("base64-inner-newline", "ssh-ed25519 " + b64[:20] + "\n" + b64[20:]),
        ("base64-url-alphabet", "ssh-ed25519 " + b64.replace("+", "-").replace("/", "_")
         if ("+" in b64 or "/" in b64) else "ssh-ed25519 " + b64[:-2] + "-_"),
        ("too-long", "ssh-ed25519 " + "A" * 300),
        ("two-keys", good + " " + good),
        ("private-key", "-----BEGIN OPENSSH PRIVATE KEY-----"),
        ("nul", good + "\x00"),
    ]  # fmt: skip


BAD_KEYS = bad_keys()


@pytest.mark.parametrize("line", [k[1] for k in BAD_KEYS], ids=[k[0] for k in BAD_KEYS])
def test_bad_keys_are_refused(line: str) -> None:
    with pytest.raises(ProtocolError, match="identity"):
        check_public_key(line)


@pytest.mark.parametrize("value", [None, 1, b"ssh-ed25519 AAAA", ["ssh-ed25519"]])
def test_keys_must_be_strings(value: Any) -> None:
    with pytest.raises(ProtocolError):
        check_public_key(value)


def test_good_keys_are_accepted(key_factory: KeyFactory) -> None:
    rng = random.Random(7)
    for _ in range(200):
        line = key_factory(rng)
        assert check_public_key(line) == line
    assert check_public_key(key_of(bytes(32))) == key_of(bytes(32))


@pytest.mark.parametrize("line", [k[1] for k in BAD_KEYS], ids=[k[0] for k in BAD_KEYS])
def test_bad_key_in_reveal2_even_when_committed(line: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    nonce = b"\x03" * 32
    pair.c.start()
    feed(pair.c, {"t": "HELLO2", "v": VERSION, "role": "helper",
                  "commit": commit_hex(line, "bob", True, "helper", nonce, side="L")})  # fmt: skip
    with pytest.raises(ProtocolError, match="identity"):
        feed(pair.c, {"t": "REVEAL2", "pk": line, "user": "bob", "has_sshd": True,
                      "nonce": nonce.hex()})  # fmt: skip
    assert pair.c.peer is None and pair.c.code is None
    assert not pair.c.verified


@pytest.mark.parametrize("line", [k[1] for k in BAD_KEYS], ids=[k[0] for k in BAD_KEYS])
def test_bad_key_in_reveal_even_when_committed(line: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    nonce = b"\x03" * 32
    pair.l.start()
    feed(pair.l, {"t": "HELLO", "v": VERSION, "role": "friend",
                  "commit": commit_hex(line, "alice", False, "friend", nonce)})  # fmt: skip
    with pytest.raises(ProtocolError, match="identity"):
        feed(pair.l, {"t": "REVEAL", "pk": line, "user": "alice", "has_sshd": False,
                      "nonce": nonce.hex()})  # fmt: skip
    assert pair.l.peer is None


# -- the commitment ----------------------------------------------------------------------


def test_commitment_is_what_the_design_says(identity_factory: IdentityFactory) -> None:
    me = identity_factory("friend", "alice", True)
    nonce = bytes(range(32))
    assert commitment(me, nonce).hex() == commit_hex(me.public_key, "alice", True, "friend",
                                                     nonce)  # fmt: skip


def forge_reveal_case(pair: Pair, change: str) -> dict[str, Any]:
    """Run HELLO and HELLO2 honestly; return the REVEAL C would send, with one change."""
    pair.start()
    pair.deliver_to_l()
    raw, message = pair.to_c.read_frame()
    reveal_raw = pair.c.receive(raw, message)
    reveal = frames.decode_body(reveal_raw[4:])
    if change == "nonce":
        reveal["nonce"] = bytes(32).hex()
    elif change == "nonce-one-bit":
        nonce = bytearray.fromhex(reveal["nonce"])
        nonce[-1] ^= 1
        reveal["nonce"] = nonce.hex()
    elif change == "key":
        reveal["pk"] = key_of(b"\x07" * 32)
    elif change == "user":
        reveal["user"] = "mallory"
    elif change == "has_sshd":
        reveal["has_sshd"] = not reveal["has_sshd"]
    elif change != "none":  # pragma: no cover
        raise AssertionError(change)
    return reveal


@pytest.mark.parametrize("change", ["nonce", "nonce-one-bit", "key", "user", "has_sshd"])
def test_reveal_must_match_the_commitment(change: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    reveal = forge_reveal_case(pair, change)
    with pytest.raises(ProtocolError, match="check failed"):
        feed(pair.l, reveal)
    assert pair.l.state is State.ABORTED
    assert pair.l.code is None and pair.l.peer is None


def test_an_unchanged_forged_reveal_is_accepted(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    reveal = forge_reveal_case(pair, "none")
    feed(pair.l, reveal)
    feed(pair.c, frames.decode_body(pair.l.open()[4:]))
    assert pair.l.code == pair.c.code


@pytest.mark.parametrize("change", ["nonce", "nonce-one-bit", "key", "user", "has_sshd"])
def test_reveal2_must_match_the_commitment(change: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    drive(pair, "L", State.READY)
    _, reveal2 = _frame(pair.l.open())
    if change == "nonce":
        reveal2["nonce"] = bytes(32).hex()
    elif change == "nonce-one-bit":
        nonce = bytearray.fromhex(reveal2["nonce"])
        nonce[0] ^= 0x80
        reveal2["nonce"] = nonce.hex()
    elif change == "key":
        reveal2["pk"] = key_of(b"\x07" * 32)
    elif change == "user":
        reveal2["user"] = "mallory"
    else:
        reveal2["has_sshd"] = not reveal2["has_sshd"]
    with pytest.raises(ProtocolError, match="check failed"):
        feed(pair.c, reveal2)
    assert pair.c.state is State.ABORTED
    assert pair.c.code is None and pair.c.peer is None


def test_a_reflected_commitment_cannot_be_opened(pair_factory: PairFactory) -> None:
    """C's own HELLO sent back as HELLO2 is bound under C's label, so even C's own values
    cannot open it as the listener's."""
    pair = pair_factory()
    hello = frames.decode_body(pair.c.start()[4:])
    reveal = frames.decode_body(feed(pair.c, hello | {"t": "HELLO2", "role": "helper"})[4:])
    with pytest.raises(ProtocolError, match="check failed"):
        feed(pair.c, reveal | {"t": "REVEAL2", "pk": key_of(b"\x09" * 32)})
    assert pair.c.code is None
    assert commitment(pair.c.me, bytes(32), "C") != commitment(pair.c.me, bytes(32), "L")


@pytest.mark.parametrize("claimed", ["friend", "helper"])
def test_role_is_bound_by_the_commitment(claimed: str, key_factory: KeyFactory) -> None:
    """The role in HELLO is part of the commitment: a relay cannot swap it on the way."""
    pk = key_factory()
    nonce = b"\x04" * 32
    own_role = "friend" if claimed == "helper" else "helper"
    listener = Handshake("L", Identity(own_role, key_factory(), "bob", True))
    listener.start()
    feed(listener, {"t": "HELLO", "v": VERSION, "role": claimed,
                    "commit": commit_hex(pk, "alice", False, "helper", nonce)})  # fmt: skip
    reveal = {"t": "REVEAL", "pk": pk, "user": "alice", "has_sshd": False, "nonce": nonce.hex()}
    if claimed == "helper":
        feed(listener, reveal)  # the role it committed to: accepted
        assert listener.peer is not None and listener.peer.role == "helper"
    else:
        with pytest.raises(ProtocolError, match="check failed"):
            feed(listener, reveal)


def test_echoed_key_is_refused(pair_factory: PairFactory) -> None:
    """A peer that commits to and reveals L's own key is refused."""
    pair = pair_factory()
    pk = pair.l.me.public_key
    nonce = b"\x05" * 32
    pair.l.start()
    feed(pair.l, {"t": "HELLO", "v": VERSION, "role": "friend",
                  "commit": commit_hex(pk, "alice", False, "friend", nonce)})  # fmt: skip
    with pytest.raises(ProtocolError, match="own key"):
        feed(pair.l, {"t": "REVEAL", "pk": pk, "user": "alice", "has_sshd": False,
                      "nonce": nonce.hex()})  # fmt: skip
    assert pair.l.state is State.ABORTED


def test_c_refuses_its_own_key_in_reveal2(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pk = pair.c.me.public_key
    nonce = b"\x05" * 32
    pair.c.start()
    feed(pair.c, {"t": "HELLO2", "v": VERSION, "role": "helper",
                  "commit": commit_hex(pk, "bob", True, "helper", nonce, side="L")})  # fmt: skip
    with pytest.raises(ProtocolError, match="own key"):
        feed(pair.c, {"t": "REVEAL2", "pk": pk, "user": "bob", "has_sshd": True,
                      "nonce": nonce.hex()})  # fmt: skip
    assert pair.c.state is State.ABORTED


def test_l_says_nothing_about_itself_before_open(pair_factory: PairFactory) -> None:
    """The listener's key, user name, nonce and code stay off the wire until its person is
    shown the words (open): HELLO2 carries only a commitment, and REVEAL sends nothing."""
    pair = pair_factory()
    drive(pair, "L", State.READY)
    assert pair.l.code is not None
    (hello2,) = pair.to_c.sent
    me = pair.l.me
    for secret in (me.public_key.split()[1], me.user, pair.l._nonce.hex()):
        assert secret not in hello2[4:].decode()
    assert set(frames.decode_body(hello2[4:])) == {"t", "v", "role", "commit"}
    assert pair.c.code is None and pair.c.peer is None
    opening = pair.l.open()
    assert me.user in opening[4:].decode() and pair.l.state is State.COMPARING


def test_l_opens_once_and_only_when_ready(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    pair.deliver_to_l()
    with pytest.raises(ValueError):
        pair.l.open()  # C has not revealed yet: there is no code to show
    assert pair.l.state is State.WAIT_REVEAL
    pair = pair_factory()
    pair.run()
    with pytest.raises(ValueError):
        pair.l.open()
    with pytest.raises(ValueError):
        pair.c.open()  # only the listener opens


def test_c_reveals_nothing_before_hello2(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    hello = pair.c.start()
    text = hello.decode()
    assert pair.c.me.public_key.split()[1] not in text
    assert pair.c.me.user not in text
    assert pair.c._nonce.hex() not in text


# -- errors leave the handshake dead ----------------------------------------------------


@pytest.mark.parametrize("case", ["out-of-order", "same-role", "commit-mismatch", "echoed-key"])
def test_these_errors_leave_the_handshake_aborted(case: str, pair_factory: PairFactory) -> None:
    pair = pair_factory("friend", "friend" if case == "same-role" else "helper")
    if case == "out-of-order":
        pair.start()
        with pytest.raises(ProtocolError):
            feed(pair.c, {"t": "CONFIRM"})
        me = pair.c
    elif case == "same-role":
        pair.start()
        with pytest.raises(ProtocolError):
            pair.deliver_to_l()
        me = pair.l
    elif case == "commit-mismatch":
        reveal = forge_reveal_case(pair, "nonce")
        with pytest.raises(ProtocolError):
            feed(pair.l, reveal)
        me = pair.l
    else:
        pk = pair.l.me.public_key
        pair.l.start()
        feed(pair.l, {"t": "HELLO", "v": VERSION, "role": "friend",
                      "commit": commit_hex(pk, "a", False, "friend", bytes(32))})  # fmt: skip
        with pytest.raises(ProtocolError):
            feed(pair.l, {"t": "REVEAL", "pk": pk, "user": "a", "has_sshd": False,
                          "nonce": bytes(32).hex()})  # fmt: skip
        me = pair.l
    assert me.state is State.ABORTED
    with pytest.raises(ValueError):
        me.confirm()


@pytest.mark.parametrize(
    ("to", "field", "value"),
    [
        ("C", "pk", "ssh-rsa AAAA"),
        ("C", "user", "Root"),
        ("C", "nonce", "zz"),
        ("C", "commit", "zz"),
        ("L", "pk", "ssh-rsa AAAA"),
        ("L", "user", "Root"),
        ("L", "nonce", "zz"),
        ("L", "commit", "zz"),
    ],
)
def test_content_errors_leave_the_handshake_aborted(
    to: str, field: str, value: str, pair_factory: PairFactory
) -> None:
    pair = pair_factory()
    pair.start()
    if to == "C" and field == "commit":
        me = pair.c
        pair.deliver_to_l()
        _, message = pair.to_c.read_frame()
    elif to == "C":
        me = pair.c
        pair.deliver_to_l()
        pair.deliver_to_c()
        pair.deliver_to_l()
        _, message = _frame(pair.l.open())
    elif field == "commit":
        me = pair.l
        _, message = pair.to_l.read_frame()
    else:
        me = pair.l
        pair.deliver_to_l()
        pair.deliver_to_c()
        _, message = pair.to_l.read_frame()
    with pytest.raises(ProtocolError):
        feed(me, message | {field: value})
    assert me.state is State.ABORTED
    with pytest.raises(ValueError):
        me.confirm()


# -- aborts ------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", sorted(ABORT_REASONS))
def test_peer_abort_carries_the_reason(reason: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    pair.abort("L", reason)
    with pytest.raises(PeerAborted) as info:
        pair.deliver_to_c()
    assert info.value.reason == reason
    assert pair.c.state is State.ABORTED


def test_abort_reasons_are_the_documented_ones() -> None:
    assert frozenset({"cancelled", "mismatch", "refused", "busy", "same-role", "no-sshd",
                      "locked", "timeout", "error", "back"}) == ABORT_REASONS  # fmt: skip


def test_l_busy_before_hello2(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.start()
    pair.abort("L", "busy")
    with pytest.raises(PeerAborted, match="busy"):
        pair.deliver_to_c()


def test_c_aborts_after_the_friend_typed_a_wrong_code(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    pair.confirm("L")  # the helper pressed Y ...
    pair.abort("C", "mismatch")  # ... but the friend's typed code did not match
    with pytest.raises(PeerAborted, match="mismatch"):
        pair.deliver_to_l()
    assert not pair.l.verified


@pytest.mark.parametrize(
    "reason", ["bogus", "", "CANCELLED", "cancelled ", "abort", "pwned\x1b]0;x\x07", "é"]
)
def test_unknown_abort_reasons_are_refused(reason: str, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    with pytest.raises(ProtocolError, match="reason") as info:
        feed(pair.c, {"t": "ABORT", "reason": reason})
    assert not isinstance(info.value, PeerAborted)
    with pytest.raises(ValueError):
        pair.l.abort(reason)
    assert pair.l.state is State.COMPARING


@pytest.mark.parametrize("reason", [None, 1, True, ["cancelled"]])
def test_abort_reason_must_be_a_string(reason: Any, pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    with pytest.raises(ProtocolError):
        feed(pair.c, {"t": "ABORT", "reason": reason})


# -- code and transcript -----------------------------------------------------------------


def test_both_sides_derive_the_same_code_and_transcript(pair_factory: PairFactory) -> None:
    pair = pair_factory()
    pair.run()
    hello, reveal = pair.to_l.sent
    hello2, reveal2 = pair.to_c.sent
    expected = sas.hash_parts(b"rh-transcript-v2", hello, hello2, reveal, reveal2)
    assert pair.c.transcript == pair.l.transcript == expected
    assert pair.c.code == pair.l.code == sas.derive_code(expected)
    assert pair.c.code is not None and re.fullmatch(r"[A-Z2-7]{5}", pair.c.code)
    assert pair.c.peer == pair.l.me
    assert pair.l.peer == pair.c.me


def test_many_runs(pair_factory: PairFactory) -> None:
    rng = random.Random(8)
    codes = set()
    for _ in range(300):
        pair = pair_factory(rng=rng)
        pair.run()
        assert pair.c.code == pair.l.code
        assert pair.c.transcript == pair.l.transcript
        assert pair.c.code is not None and re.fullmatch(r"[A-Z2-7]{5}", pair.c.code)
        assert all(symbol in sas.ALPHABET for symbol in pair.c.code)
        codes.add(pair.c.code)
        pair.confirm("C")
        pair.confirm("L")
        pair.deliver_to_c()
        pair.deliver_to_l()
        assert pair.c.verified and pair.l.verified
    assert len(codes) >= 298


def test_code_bits(pair_factory: PairFactory) -> None:
    pair = pair_factory(code_bits=8)
    pair.run()
    assert pair.c.code == pair.l.code
    assert pair.c.code is not None and len(pair.c.code) == 2
    assert pair.c.transcript is not None
    assert pair.c.code == sas.derive_code(pair.c.transcript, 8)


def test_fresh_nonces_give_fresh_codes(identity_factory: IdentityFactory) -> None:
    c_id = identity_factory("friend", "alice")
    l_id = identity_factory("helper", "bob")
    transcripts = set()
    for _ in range(20):
        c, l = Handshake("C", c_id), Handshake("L", l_id)  # noqa: E741
        l.start()
        out = l.receive(*_frame(c.start()))
        l.receive(*_frame(c.receive(*_frame(out))))
        transcripts.add(l.transcript)
    assert len(transcripts) == 20


def _frame(raw: bytes) -> tuple[bytes, dict[str, Any]]:
    return raw, frames.decode_body(raw[4:])


def run_tampered(
    index: int, position: int, mask: int, pair_factory: PairFactory, seed: int
) -> tuple[str, Pair]:
    """Run a handshake with byte ``position`` of frame ``index`` XORed with ``mask`` on the
    wire. Returns 'refused' or 'completed'."""
    pair = pair_factory(rng=random.Random(seed))
    wires = [pair.to_l, pair.to_c, pair.to_l, pair.to_c]
    steps = [pair.deliver_to_l, pair.deliver_to_c, pair.deliver_to_l, pair.deliver_to_c]
    pair.start()
    try:
        for step, (wire, deliver) in enumerate(zip(wires, steps, strict=True)):
            if step == 3:
                wire.send(pair.l.open())
            if step == index:
                assert len(wire.buffer) > position
                wire.buffer[position] ^= mask
            deliver()
    except (ProtocolError, pair.to_l.Stalled):
        return "refused", pair
    assert pair.c.state is pair.l.state is State.COMPARING
    return "completed", pair


def test_changing_any_byte_of_any_frame_changes_the_transcript(
    pair_factory: PairFactory,
) -> None:
    seed = 9
    honest = pair_factory(rng=random.Random(seed))
    honest.run()
    sent = [honest.to_l.sent[0], honest.to_c.sent[0], honest.to_l.sent[1], honest.to_c.sent[1]]
    outcomes = {"refused": 0, "completed": 0}
    for index, frame in enumerate(sent):
        for position in range(len(frame)):
            for mask in (0x01, 0x40):
                # The transcript of the changed frames differs ...
                changed = list(sent)
                altered = bytearray(frame)
                altered[position] ^= mask
                changed[index] = bytes(altered)
                assert sas.hash_parts(b"rh-transcript-v2", *changed) != honest.c.transcript
                # ... and on the wire the change is refused or the two sides disagree.
                outcome, pair = run_tampered(index, position, mask, pair_factory, seed)
                outcomes[outcome] += 1
                if outcome == "completed":
                    assert pair.c.transcript != pair.l.transcript
                    assert pair.c.code != pair.l.code
    # Both sides commit before either reveals, so every change that survives parsing (a
    # nonce digit, a key byte) breaks a commitment: nothing tampered ever completes.
    assert outcomes["refused"] > 0 and outcomes["completed"] == 0


# -- a man in the middle -----------------------------------------------------------------


class Relay:
    """A man in the middle with two real handshakes of his own (M_L facing C, M_C facing L)
    between a real C and a real L, using 8-bit codes so that wins are frequent enough to
    count. He may grind candidates for one leg, but C's and L's nonces stay unknown to him
    until they are sent (unless ``peek`` gives him an oracle, as a contrast)."""

    def __init__(self, rng: random.Random, wire_factory: Callable[[], Wire]) -> None:
        self.rng = rng
        self.wire = wire_factory

    def identity(self, role: str, user: str, has_sshd: bool) -> tuple[Identity, bytes]:
        key = key_of(self.rng.randbytes(32))
        return Identity(role, key, user, has_sshd), self.rng.randbytes(32)

    @staticmethod
    def hello2(me: Identity, nonce: bytes) -> bytes:
        return frames.encode({"t": "HELLO2", "v": VERSION, "role": me.role,
                              "commit": commitment(me, nonce, "L").hex()})  # fmt: skip

    @staticmethod
    def reveal2(me: Identity, nonce: bytes) -> bytes:
        return frames.encode({"t": "REVEAL2", "pk": me.public_key, "user": me.user,
                              "has_sshd": me.has_sshd, "nonce": nonce.hex()})  # fmt: skip

    @staticmethod
    def reveal(me: Identity, nonce: bytes) -> bytes:
        return frames.encode({"t": "REVEAL", "pk": me.public_key, "user": me.user,
                              "has_sshd": me.has_sshd, "nonce": nonce.hex()})  # fmt: skip

    @staticmethod
    def hello(me: Identity, nonce: bytes) -> bytes:
        return frames.encode({"t": "HELLO", "v": VERSION, "role": me.role,
                              "commit": commitment(me, nonce).hex()})  # fmt: skip

    def trial(
        self, victims: random.Random, grind: int, strategy: str, peek: bool
    ) -> tuple[bool, bool]:
        """One relayed handshake: (the two codes match, the grinder predicted a match)."""
        bits = 8
        found = False
        c_id = Identity("friend", key_of(victims.randbytes(32)), "alice", False)
        l_id = Identity("helper", key_of(victims.randbytes(32)), "bob", True)
        c_nonce, l_nonce = victims.randbytes(32), victims.randbytes(32)
        c = Handshake("C", c_id, nonce=c_nonce, code_bits=bits)
        l = Handshake("L", l_id, nonce=l_nonce, code_bits=bits)  # noqa: E741
        c_to_m, m_to_c, m_to_l, l_to_m = self.wire(), self.wire(), self.wire(), self.wire()
        l.start()
        c_to_m.send(c.start())
        hello_c = c_to_m.read_frame()

        def leg_l(m_c: Handshake) -> None:
            m_to_l.send(m_c.start())
            l_to_m.send(l.receive(*m_to_l.read_frame()))
            m_to_l.send(m_c.receive(*l_to_m.read_frame()))
            l.receive(*m_to_l.read_frame())
            l_to_m.send(l.open())
            m_c.receive(*l_to_m.read_frame())
            assert m_c.code == l.code

        def leg_c(m_l: Handshake) -> None:
            m_l.start()
            m_to_c.send(m_l.receive(*hello_c))
            c_to_m.send(c.receive(*m_to_c.read_frame()))
            m_l.receive(*c_to_m.read_frame())
            m_to_c.send(m_l.open())
            c.receive(*m_to_c.read_frame())
            assert m_l.code == c.code

        if strategy == "L-first":
            # Finish with L: its code is then known. Grind M_L's key and nonce (its HELLO2
            # and REVEAL2) so that the code C would see matches, guessing C's REVEAL (C's
            # key and nonce are hidden behind the commitment in HELLO).
            m_c_id, m_c_nonce = self.identity("friend", "alice", False)
            leg_l(Handshake("C", m_c_id, nonce=m_c_nonce, code_bits=bits))
            target = l.code
            if peek:
                guess = self.reveal(c_id, c_nonce)
            else:
                guess_id, guess_nonce = self.identity("friend", "alice", False)
                guess = self.reveal(guess_id, guess_nonce)
            chosen = self.identity("helper", "bob", True)
            for _ in range(grind):
                candidate = self.identity("helper", "bob", True)
                transcript = sas.hash_parts(
                    b"rh-transcript-v2", hello_c[0], self.hello2(*candidate), guess,
                    self.reveal2(*candidate),
                )
                if sas.derive_code(transcript, bits) == target:
                    chosen, found = candidate, True
                    break
            leg_c(Handshake("L", chosen[0], nonce=chosen[1], code_bits=bits))
        else:
            # Finish with C first: its code is then known. Grind M_C's commitment so that the
            # code L would see matches, guessing L's HELLO2 and REVEAL2 (L's key and nonce
            # are sent only after M_C revealed).
            m_l_id, m_l_nonce = self.identity("helper", "bob", True)
            leg_c(Handshake("L", m_l_id, nonce=m_l_nonce, code_bits=bits))
            target = c.code
            if peek:
                guess_id, guess_nonce = l_id, l_nonce
            else:
                guess_id, guess_nonce = self.identity("helper", "bob", True)
            guess2 = self.hello2(guess_id, guess_nonce), self.reveal2(guess_id, guess_nonce)
            chosen = self.identity("friend", "alice", False)
            for _ in range(grind):
                candidate = self.identity("friend", "alice", False)
                transcript = sas.hash_parts(
                    b"rh-transcript-v2", self.hello(*candidate), guess2[0],
                    self.reveal(*candidate), guess2[1],
                )
                if sas.derive_code(transcript, bits) == target:
                    chosen, found = candidate, True
                    break
            leg_l(Handshake("C", chosen[0], nonce=chosen[1], code_bits=bits))
        assert c.state is l.state is State.COMPARING
        return c.code == l.code, found


def test_man_in_the_middle_matches_8_bit_codes_at_about_1_in_256(
    wire_factory: Callable[[], Wire],
) -> None:
    trials = 20000
    relay = Relay(random.Random(10), wire_factory)
    victims = random.Random(11)
    results = [
        relay.trial(victims, grind=12, strategy=("L-first", "C-first")[i % 2], peek=False)
        for i in range(trials)
    ]
    wins = sum(win for win, _ in results)
    # The grinder did work: it predicted a match in about 12/256 of the trials ...
    assert sum(found for _, found in results) > trials * 12 / 256 / 2
    p = 1 / 256
    mean = trials * p
    sigma = math.sqrt(trials * p * (1 - p))
    assert wins <= mean + 3 * sigma, (wins, mean, sigma)
    assert abs(wins - mean) <= 3 * sigma, (wins, mean, sigma)
    # ... but its predictions were worthless: a predicted match won no more often.
    predicted = [win for win, found in results if found]
    assert sum(predicted) <= len(predicted) * p + 3 * math.sqrt(len(predicted) * p) + 1


def test_contrast_the_same_grinder_wins_often_if_it_could_see_the_nonce(
    wire_factory: Callable[[], Wire],
) -> None:
    """Shows the grinder above is a real threat: given the nonce it must not know, it wins
    about 1 - (255/256)^12, i.e. 12 times as often as without."""
    trials = 2000
    relay = Relay(random.Random(12), wire_factory)
    victims = random.Random(13)
    results = [
        relay.trial(victims, grind=12, strategy=("L-first", "C-first")[i % 2], peek=True)
        for i in range(trials)
    ]
    wins = sum(win for win, _ in results)
    assert all(win for win, found in results if found)  # a predicted match always wins
    p = 1 - (255 / 256) ** 12 + (255 / 256) ** 12 / 256
    mean = trials * p
    sigma = math.sqrt(trials * p * (1 - p))
    assert abs(wins - mean) <= 4 * sigma, (wins, mean)
    assert wins > 4 * trials / 256


def fingerprint8(public_key: str) -> str:
    """A key fingerprint truncated to 8 bits, shown as 2 symbols like the short code."""
    blob = base64.b64decode(public_key.split(" ")[1])
    return sas.derive_code(hashlib.sha256(blob).digest(), 8)


def test_contrast_grinding_beats_an_8_bit_truncated_fingerprint(key_factory: KeyFactory) -> None:
    """Comparing a truncated key fingerprint instead of a commit/reveal code: the man in the
    middle knows L's key before he must show his own, so he grinds keys until the truncated
    fingerprints agree. With 4096 tries (milliseconds) he almost always wins."""
    rng = random.Random(14)
    trials = 300
    wins = 0
    tries_total = 0
    for _ in range(trials):
        honest = key_factory(rng)
        target = fingerprint8(honest)
        for tries in range(1, 4097):
            forged = key_factory(rng)
            if fingerprint8(forged) == target:
                assert forged != honest
                wins += 1
                tries_total += tries
                break
    assert wins >= 0.99 * trials
    assert 128 < tries_total / wins < 512  # about 256 tries each
