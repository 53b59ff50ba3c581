"""A man in the middle who swaps both keys is caught by the short code (DESIGN 4, T1).

The relay sits between the two real programs: the friend connects to it, it connects to
the helper, runs the handshake with each using keys of its own, then forwards every later
byte blindly. The two people then see different codes, the friend's screen says STOP, and
no SSH byte ever crosses the relay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from remote_help.proto import sas
from tests import support
from tests.hostile import fakes

FRIEND_STOP = "The words did not match, so nothing was shared."  # after "STOP"
HELPER_TOLD_STOP = "Your friend's screen said STOP: the words did not match"
HELPER_REFUSED = "You said your friend's screen did not say CORRECT, so nothing was shared."
FRIEND_TOLD_REFUSED = "Your helper stopped the connection, so nothing was shared."


@pytest.fixture
def relays() -> Iterator[list[fakes.Relay]]:
    """Relays made by a test, shut down before the invariant check (even on failure)."""
    made: list[fakes.Relay] = []
    yield made
    for relay in made:
        relay.close()


def start_behind_relay(world: support.World, relays: list[fakes.Relay], *,
                       transparent: bool = False,
                       ) -> tuple[support.Program, support.Program, fakes.Relay, str]:
    """Helper listening, relay in front of it, friend connected to the relay; returns the
    code words the helper's screen shows."""
    helper_account, friend_account = world.account(), world.account()
    port = support.free_port()
    world.ports.append(port)
    helper = world.start(helper_account, "helper", "--port", str(port), "--bind", "127.0.0.1")
    helper.expect("Waiting for your friend")
    relay = fakes.Relay(port, friend_user=friend_account.name, transparent=transparent)
    relays.append(relay)
    world.ports.append(relay.port)
    relay.start()
    friend = world.start(friend_account, "friend", "127.0.0.1", "--port", str(relay.port))
    friend.expect("Continue\\?")
    friend.sendline("y")
    match = helper.expect(support.CODE_LINE)
    assert match is not None
    helper.expect(r"\[y/n\]")
    friend.expect("Type the five letters")
    return helper, friend, relay, match.group(1)


def assert_codes_differ(relay: fakes.Relay, helper_words: str) -> None:
    assert relay.helper_code is not None and relay.friend_code is not None
    # The helper reads the code of the relay-helper leg ...
    assert helper_words == sas.spoken(relay.helper_code)
    # ... while the friend's program computed the code of the friend-relay leg.
    assert relay.friend_code != relay.helper_code


def interruptions(program: support.Program) -> int:
    """How many unfinished checks this program's computer has recorded (for the lockout)."""
    path = program.account.state / "remote-help" / "checks.json"
    return len(json.loads(path.read_text())) if path.exists() else 0


def assert_no_ssh_crossed(relay: fakes.Relay) -> None:
    for leg, data in relay.forwarded.items():
        assert b"SSH-" not in data, f"an SSH byte went {leg}"
    for leg, data in relay.handshake_bytes.items():
        assert b"SSH-" not in data, f"an SSH byte went {leg}"


@pytest.mark.root
def test_relay_swapping_keys_makes_the_friend_see_stop(world: support.World,
                                                       relays: list[fakes.Relay]) -> None:
    helper, friend, relay, words = start_behind_relay(world, relays)
    assert_codes_differ(relay, words)

    # Each side's Details view shows the relay's key, not the real peer's.
    assert relay.with_friend is not None
    helper.sendline("d")
    helper.expect(support.said(f"key {relay.with_helper.me.public_key}"))
    helper.expect(r"\[y/n\]")
    friend.sendline("d")
    friend.expect(support.said(f"key {relay.with_friend.me.public_key}"))
    friend.expect("Type the five letters")

    for _ in range(2):  # issue 11: typed again on the same code, which stays different
        friend.sendline(support.first_letters(words.split()))  # what the friend hears
        friend.expect("That does not match")
    friend.sendline(support.first_letters(words.split()))
    friend.expect("STOP")
    friend.expect(support.said(FRIEND_STOP))
    helper.expect(support.said(HELPER_TOLD_STOP))
    # Only the caller's word: the helper keeps waiting until its person stops it, which
    # counts (a stranger could claim STOP too, and must not lock the helper out).
    helper.expect("Still waiting for your friend")
    helper.send("\x03")
    assert friend.wait_exit() != 0
    assert helper.wait_exit() != 0
    relay.stop()

    # The only thing that crossed after the handshake: the friend's ABORT "mismatch".
    assert fakes.parse_frames(bytes(relay.forwarded["to helper"])) == [
        {"t": "ABORT", "reason": "mismatch"}]
    assert relay.forwarded["to friend"] == b""
    assert_no_ssh_crossed(relay)
    # The attempt counts towards the lockout on both computers.
    assert interruptions(helper) == interruptions(friend) == 1
    assert "CORRECT" not in friend.output
    assert "connected to your" not in helper.output + friend.output
    fakes.assert_no_crash(helper, friend)


@pytest.mark.root
def test_relay_swapping_keys_helper_refuses(world: support.World,
                                            relays: list[fakes.Relay]) -> None:
    helper, friend, relay, words = start_behind_relay(world, relays)
    assert_codes_differ(relay, words)

    # The helper does not hear "CORRECT" on the phone and presses n.
    helper.sendline("n")
    helper.expect(support.said(HELPER_REFUSED))
    friend.expect(support.said(FRIEND_TOLD_REFUSED))
    assert helper.wait_exit() != 0
    assert friend.wait_exit() != 0
    relay.stop()

    assert fakes.parse_frames(bytes(relay.forwarded["to friend"])) == [
        {"t": "ABORT", "reason": "refused"}]
    assert relay.forwarded["to helper"] == b""
    assert_no_ssh_crossed(relay)
    assert interruptions(helper) == interruptions(friend) == 1
    assert "connected to your" not in helper.output + friend.output
    fakes.assert_no_crash(helper, friend)


@pytest.mark.root
def test_control_a_relay_that_changes_nothing_lets_the_session_through(
        world: support.World, relays: list[fakes.Relay]) -> None:
    """The same relay forwarding every byte untouched: the codes match, and SSH bytes cross
    only after both CONFIRM frames did. So STOP above comes from the swapped keys, and the
    relay itself would have seen SSH had the people confirmed."""
    helper, friend, relay, words = start_behind_relay(world, relays, transparent=True)
    friend.sendline(support.first_letters(words.split()))
    friend.expect("CORRECT")
    helper.sendline("y")
    helper.expect("To end the session, press Ctrl\\+Alt\\+C or F10", timeout=30)
    friend.expect("To end help, press Ctrl\\+Alt\\+C", timeout=30)
    support.run_in_shared_shell(helper, friend)
    friend.send("\x1b\x03")  # Ctrl+Alt+C
    friend.expect(support.ENDED_BY_FRIEND)
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0
    relay.stop()

    to_helper, ssh_to_helper = fakes.split_frames(bytes(relay.forwarded["to helper"]))
    to_friend, ssh_to_friend = fakes.split_frames(bytes(relay.forwarded["to friend"]))
    assert [m["t"] for m in to_helper] == ["HELLO", "REVEAL", "CONFIRM"]
    assert [m["t"] for m in to_friend] == ["HELLO2", "REVEAL2", "CONFIRM"]
    assert ssh_to_helper.startswith(b"SSH-") and ssh_to_friend.startswith(b"SSH-")
    # In time: the first SSH byte either way crossed after the last CONFIRM either way.
    confirms = [when for when, _leg, data in relay.chunks if b'"CONFIRM"' in data]
    first_ssh = min(when for when, _leg, data in relay.chunks if b"SSH-" in data)
    assert len(confirms) == 2 and first_ssh >= max(confirms)
    assert interruptions(helper) == interruptions(friend) == 0
    fakes.assert_no_crash(helper, friend)
