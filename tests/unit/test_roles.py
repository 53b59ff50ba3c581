"""The vocabulary enums: equal to their wire strings, written as them, checked on the way in."""

from __future__ import annotations

import json

import pytest

from remote_help.proto import frames
from remote_help.proto import session as sp
from remote_help.proto.errors import ProtocolError
from remote_help.proto.handshake import ABORT_REASONS, Identity, validate
from remote_help.roles import BYE_REASONS, AbortReason, EndReason, Role, Side


@pytest.mark.parametrize("member", [*Role, *Side, *EndReason, *AbortReason])
def test_a_member_is_its_string(member: Role | Side | EndReason | AbortReason) -> None:
    value = member.value
    assert member == value and hash(member) == hash(value)
    assert str(member) == value and f"{member}" == value and f"{member:>20}" == f"{value:>20}"
    assert "%s" % member == value  # noqa: UP031 (the old formatting too)
    assert json.dumps({"x": member}) == json.dumps({"x": value})
    assert {value: 1}[member] == 1  # dicts keyed by the strings find the member
    assert type(member)(value) is member  # and the string turns into the member


def test_roles() -> None:
    assert [r.value for r in Role] == ["helper", "friend"]
    assert Role.HELPER.other is Role.FRIEND and Role.FRIEND.other is Role.HELPER
    with pytest.raises(ValueError):
        Role("admin")


@pytest.mark.parametrize(("role", "reverse", "listens"), [
    (Role.HELPER, False, True), (Role.HELPER, True, False),
    (Role.FRIEND, False, False), (Role.FRIEND, True, True),
])
def test_who_listens(role: Role, reverse: bool, listens: bool) -> None:
    assert role.listens(reverse) is listens
    assert Side.of(role, reverse) is (Side.LISTENED if listens else Side.CONNECTED)
    # The other person takes the other side.
    assert Side.of(role.other, reverse) is Side.of(role, reverse).other


def test_sides() -> None:
    assert (Side.CONNECTED.value, Side.LISTENED.value) == ("C", "L")
    assert Side.CONNECTED.other is Side.LISTENED and Side.LISTENED.other is Side.CONNECTED


def test_end_reasons() -> None:
    assert {r.value for r in EndReason} == {
        "friend-ended", "helper-ended", "shell-exited", "error", "lost", "setup-failed",
        "closed-early"}
    assert EndReason.ended_by(Role.FRIEND) is EndReason.FRIEND_ENDED
    assert EndReason.ended_by(Role.HELPER) is EndReason.HELPER_ENDED
    assert {r for r in EndReason if r.normal} == {
        EndReason.FRIEND_ENDED, EndReason.HELPER_ENDED, EndReason.SHELL_EXITED}
    assert {"friend-ended", "helper-ended", "shell-exited", "error"} == BYE_REASONS
    assert sp.BYE_REASONS is BYE_REASONS


def test_abort_reasons_are_the_handshakes() -> None:
    assert frozenset(AbortReason) == ABORT_REASONS


def test_decoded_values_are_members() -> None:
    """What comes from the other computer is a member past the decoder, not a string."""
    hello = sp.encode(sp.Hello(Role.HELPER, "bob", 80, 24))
    (decoded,) = sp.Decoder().feed(hello)
    assert isinstance(decoded, sp.Hello) and decoded.role is Role.HELPER
    (bye,) = sp.Decoder().feed(sp.encode(sp.Bye(EndReason.SHELL_EXITED)))
    assert isinstance(bye, sp.Bye) and bye.reason is EndReason.SHELL_EXITED
    assert b'"role": "helper"' in hello  # the wire carries the string


def test_the_handshake_writes_the_very_bytes_of_the_strings() -> None:
    """The five words are made from the frames' bytes: a member must be written exactly as
    its string, or two programs (or two Pythons) would read different words."""
    for role in Role:
        as_member = frames.encode({"t": "HELLO", "v": 2, "role": role, "commit": "00" * 32})
        as_string = frames.encode({"t": "HELLO", "v": 2, "role": role.value,
                                   "commit": "00" * 32})
        assert as_member == as_string
    for reason in AbortReason:
        assert (frames.encode({"t": "ABORT", "reason": reason})
                == frames.encode({"t": "ABORT", "reason": reason.value}))
    for ending in BYE_REASONS:
        assert sp.encode(sp.Bye(ending)) == sp.encode(sp.Bye(ending.value))  # type: ignore[arg-type]


@pytest.mark.parametrize("local_only", ["lost", "setup-failed", "Lost", "friend-ended "])
def test_the_other_side_cannot_end_with_a_reason_of_ours(local_only: str) -> None:
    """"lost" and "setup-failed" are said by this computer about itself; the other side
    sending them (or a near spelling) is a protocol error, not an ending."""
    with pytest.raises(ProtocolError):
        sp.Decoder().feed(sp.encode(sp.Bye(local_only)))  # type: ignore[arg-type]


def test_bad_values_are_the_same_protocol_errors() -> None:
    with pytest.raises(ProtocolError):
        sp.Decoder().feed(sp.encode(sp.Bye("lost")))  # type: ignore[arg-type]
    with pytest.raises(ProtocolError):
        validate({"t": "ABORT", "reason": "bored"})
    with pytest.raises(ProtocolError):
        validate({"t": "HELLO", "v": 2, "role": "admin", "commit": "00" * 32})


def test_identity_takes_a_roles_string() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    assert Identity("friend", key, "alice", False).role is Role.FRIEND
    with pytest.raises(ValueError):
        Identity("admin", key, "alice", False)
