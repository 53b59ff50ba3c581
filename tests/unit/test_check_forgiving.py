"""Issue 11, the check of the five words: two journeys (a helper and a friend) check a real
code over a real socket pair, each with a front end that records what it is shown.

A mismatch is typed again on the same code (STOP after the third); a peer that leaves after
its CONFIRM is seen at once, and no byte meant for SSH is taken; the lockout counts only
what nobody at this computer caused, whatever the other side says.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from remote_help import aio, lockout, settings
from remote_help.net.pairing import Pairing
from remote_help.proto import frames, sas
from remote_help.proto.handshake import Handshake, Identity, PeerAborted
from remote_help.roles import AbortReason, Role, Side
from remote_help.sentences import Say, text
from remote_help.wizard import controller
from remote_help.wizard import status as st
from remote_help.wizard.controller import Failure, Journey, LeftEarly
from remote_help.wizard.flow import Event, Step
from remote_help.wizard.options import Options
from tests.unit import test_journey

PREFIX = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2\r\n"


def key() -> str:
    return "ssh-ed25519 " + base64.b64encode(PREFIX + os.urandom(32)).decode()


class Recorder(test_journey.Recorder):
    """The journey tests' front end, which also wakes a test waiting for a status."""

    async def next(self, kind: type[st.Status], count: int = 1) -> st.Status:
        """The ``count``-th status of ``kind`` shown, once it is."""
        while len(found := [s for s in self.shown if isinstance(s, kind)]) < count:
            self.changed.clear()
            await aio.wait_for(self.changed.wait(), 5)
        return found[count - 1]


class Person:
    """One side: its journey at step 5, its pairing, its lockout log."""

    def __init__(self, role: Role, pairing: Pairing, log: Path, *, forgiving: bool) -> None:
        self.front = Recorder()
        self.journey = Journey(self.front, Options(role=role), settings.Settings())
        self.journey.flow.step = Step.WAIT
        self.role = role
        self.pairing = pairing
        self.checks = lockout.CheckLog(log)
        self.log = log
        self.forgiving = forgiving
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        details = st.Details(key(), key(), "bob", "192.0.2.1")
        self.task = asyncio.ensure_future(self.journey._verify(  # noqa: TID251
            self.role, self.pairing, details, self.checks, forgiving=self.forgiving))

    def answer(self, value: bool | str) -> None:
        self.journey.answer(st.Answer(Step.VERIFY, value=value))

    async def outcome(self) -> BaseException | None:
        """What the check ended with (None: verified)."""
        assert self.task is not None
        try:
            await aio.wait_for(asyncio.shield(self.task), 5)
        except (Failure, LeftEarly, asyncio.CancelledError) as exc:
            return exc
        return None

    @property
    def counted(self) -> int:
        return len(json.loads(self.log.read_text())) if self.log.exists() else 0


async def paired(tmp_path: Path, *, reverse: bool = False
                 ) -> tuple[Person, Person, socket.socket, socket.socket]:
    """A friend who connected and a helper who listened (``reverse``: the other way),
    through the real handshake up to the code; returns them and their two sockets."""
    one, two = socket.socketpair()
    for sock in (one, two):
        sock.setblocking(False)
    caller_role, listener_role = (Role.HELPER, Role.FRIEND) if reverse else (
        Role.FRIEND, Role.HELPER)
    caller = Pairing(one, Handshake(Side.CONNECTED, Identity(caller_role, key(), "ann", True)),
                     "192.0.2.2")
    listener = Pairing(two, Handshake(Side.LISTENED,
                                      Identity(listener_role, key(), "bob", True)),
                       "192.0.2.2")
    exchange = asyncio.ensure_future(caller.exchange())  # noqa: TID251
    await listener.exchange()
    await listener.open()
    await exchange
    people = {caller_role: Person(caller_role, caller, tmp_path / f"{caller_role}.json",
                                  forgiving=False),
              listener_role: Person(listener_role, listener,
                                    tmp_path / f"{listener_role}.json", forgiving=True)}
    for person in people.values():
        person.start()
    return people[Role.HELPER], people[Role.FRIEND], one, two


def run(body: Callable[[Path], Awaitable[None]], tmp_path: Path) -> None:
    asyncio.run(body(tmp_path))


def wrong(code: str) -> str:
    return ("B" if code[0] != "B" else "C") + code[1:]


# -- a mismatch is typed again, on the same code ------------------------------------------


def test_a_typo_then_the_right_words_is_verified_and_counts_nothing(tmp_path: Path) -> None:
    async def body(tmp_path: Path) -> None:
        helper, friend, _, _ = await paired(tmp_path)
        first = await friend.front.next(st.CodeReady)
        assert isinstance(first, st.CodeReady)
        assert (first.mismatches, first.tries_left) == (0, controller.TRIES)
        friend.answer(wrong(first.code))
        again = await friend.front.next(st.CodeReady, 2)
        assert isinstance(again, st.CodeReady)
        assert again.code == first.code  # the same words, read again
        assert (again.mismatches, again.tries_left) == (1, controller.TRIES - 1)
        assert not any(isinstance(s, st.Checked) for s in friend.front.shown)
        friend.answer(" ".join(sas.words(first.code)).lower())  # whole words, this time
        checked = await friend.front.next(st.Checked)
        assert isinstance(checked, st.Checked) and checked.correct
        await helper.front.next(st.CodeReady)
        helper.answer(True)
        assert await helper.outcome() is None and await friend.outcome() is None
        assert helper.pairing.handshake.verified and friend.pairing.handshake.verified
        assert helper.counted == friend.counted == 0

    run(body, tmp_path)


def test_the_third_mismatch_says_stop_and_counts(tmp_path: Path) -> None:
    async def body(tmp_path: Path) -> None:
        helper, friend, _, _ = await paired(tmp_path)
        for count in range(1, controller.TRIES + 1):
            code = await friend.front.next(st.CodeReady, count)
            assert isinstance(code, st.CodeReady)
            friend.answer(wrong(code.code))
        checked = await friend.front.next(st.Checked)
        assert isinstance(checked, st.Checked) and not checked.correct
        stop = await friend.outcome()
        assert isinstance(stop, Failure) and str(stop) == text(Say.WIZARD_REFUSED, Role.FRIEND)
        assert friend.journey.stopped_at_check
        told = await helper.outcome()  # the listening helper: the caller said STOP
        assert isinstance(told, LeftEarly) and isinstance(told.cause, PeerAborted)
        assert told.cause.reason is AbortReason.MISMATCH
        assert friend.counted == 1  # the STOP is the sign of a man in the middle
        assert helper.counted == 0  # counted per source there (the caller may be anyone)

    run(body, tmp_path)


def test_the_helpers_no_says_stop_and_counts(tmp_path: Path) -> None:
    async def body(tmp_path: Path) -> None:
        helper, friend, _, _ = await paired(tmp_path, reverse=True)  # the helper called
        await helper.front.next(st.CodeReady)
        helper.answer(False)
        refused = await helper.outcome()
        assert isinstance(refused, Failure)
        told = await friend.outcome()  # the friend listened: left before it answered
        assert isinstance(told, LeftEarly)
        assert helper.counted == 1

    run(body, tmp_path)


# -- a peer that leaves after its CONFIRM --------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True], ids=["helper-listens", "helper-calls"])
def test_a_friend_who_quits_on_correct_is_seen_at_once(tmp_path: Path, reverse: bool) -> None:
    """The known bug: the helper's question stayed for ever. Now the helper's check ends at
    once, and the friend's own stop counts nowhere (the helper's only when it called: a
    listener counts per source)."""
    async def body(tmp_path: Path) -> None:
        helper, friend, _, _ = await paired(tmp_path, reverse=reverse)
        code = await friend.front.next(st.CodeReady)
        assert isinstance(code, st.CodeReady)
        friend.answer(code.code)
        await friend.front.next(st.WaitingForPeer)  # CORRECT, waiting for the helper
        await asyncio.sleep(0.05)
        assert friend.task is not None
        friend.journey.signalled()  # a closed window: what cli's signal handler tells it
        friend.task.cancel()  # (Q and Ctrl+Alt+C come as a Cancel answer instead)
        assert isinstance(await friend.outcome(), asyncio.CancelledError)
        told = await helper.outcome()  # within the 5 s of outcome(): at once
        if reverse:
            assert isinstance(told, Failure)
            assert str(told) == text(Say.CHECK_PEER_CLOSED, Role.HELPER)
            assert helper.counted == 1  # what the friend's computer says exempts nothing
        else:
            assert isinstance(told, LeftEarly) and isinstance(told.cause, PeerAborted)
            assert told.cause.reason is AbortReason.CANCELLED
            assert helper.counted == 0
        assert friend.counted == 0
        assert not helper.pairing.handshake.verified

    run(body, tmp_path)


def test_back_is_said_as_such_and_counts_nowhere_here(tmp_path: Path) -> None:
    async def body(tmp_path: Path) -> None:
        helper, friend, _, _ = await paired(tmp_path, reverse=True)
        await helper.front.next(st.CodeReady)
        await friend.front.next(st.CodeReady)
        friend.journey._stopped_by = Event.BACK  # what Journey.answer sets for Back
        assert friend.task is not None
        friend.task.cancel()
        await friend.outcome()
        told = await helper.outcome()
        assert isinstance(told, Failure)
        assert str(told) == text(Say.CHECK_PEER_WENT_BACK, Role.HELPER)
        assert friend.counted == 0 and helper.counted == 1

    run(body, tmp_path)


def test_no_byte_meant_for_ssh_is_taken(tmp_path: Path) -> None:
    """The friend confirmed first; the helper watched its connection while its person
    looked; after both confirmed, the friend's first SSH bytes are still all there."""
    async def body(tmp_path: Path) -> None:
        helper, friend, _, helper_sock = await paired(tmp_path)
        code = await friend.front.next(st.CodeReady)
        assert isinstance(code, st.CodeReady)
        friend.answer(code.code)
        await friend.front.next(st.WaitingForPeer)
        await asyncio.sleep(0.1)  # the helper is watching now
        helper.answer(True)
        assert await helper.outcome() is None and await friend.outcome() is None
        friend.pairing.sock.send(SSH_BANNER)
        loop = asyncio.get_running_loop()
        got = await aio.wait_for(loop.sock_recv(helper_sock, 100), 2)
        assert got == SSH_BANNER

    run(body, tmp_path)


@pytest.mark.parametrize("after", [
    frames.encode({"t": "ABORT", "reason": "cancelled"}),
    frames.encode({"t": "ABORT", "reason": "refused"}),
    frames.encode({"t": "CONFIRM"}),
    SSH_BANNER,  # SSH before reading our CONFIRM: never taken for a confirmation
    b"",  # the connection's end
], ids=["abort", "abort-refused", "confirm-again", "ssh-early", "eof"])
def test_whatever_comes_after_the_peers_confirm_ends_the_check(tmp_path: Path,
                                                              after: bytes) -> None:
    """A scripted peer (the listening helper's caller here, but a real helper who called
    cannot be fooled either: it watches the same way) confirms, then at once sends
    something or closes: this side never confirms, never verifies, and does not hang."""
    asyncio.run(_scripted_peer(tmp_path, after))


async def _scripted_peer(tmp_path: Path, after: bytes) -> None:
    one, two = socket.socketpair()
    for sock in (one, two):
        sock.setblocking(False)
    script = Handshake(Side.CONNECTED, Identity(Role.FRIEND, key(), "ann", True))
    helper_pairing = Pairing(two, Handshake(Side.LISTENED,
                                            Identity(Role.HELPER, key(), "bob", True)),
                             "192.0.2.2")
    loop = asyncio.get_running_loop()
    reader = frames.FrameReader()

    async def read_frame() -> tuple[bytes, dict[str, Any]]:
        while want := reader.wanted():
            reader.feed(await loop.sock_recv(one, want))
        return reader.take()

    await loop.sock_sendall(one, script.start())
    exchange = asyncio.ensure_future(helper_pairing.exchange())  # noqa: TID251
    await loop.sock_sendall(one, script.receive(*await read_frame()))  # HELLO2 -> REVEAL
    await exchange
    await helper_pairing.open()
    script.receive(*await read_frame())  # REVEAL2: the script knows the code
    # Not forgiving: the person's side as when it called (a listener says "left early").
    helper = Person(Role.HELPER, helper_pairing, tmp_path / "helper.json", forgiving=False)
    helper.start()
    await helper.front.next(st.CodeReady)
    await loop.sock_sendall(one, script.confirm())
    await asyncio.sleep(0.05)
    if after:
        await loop.sock_sendall(one, after)
    else:
        one.shutdown(socket.SHUT_WR)
    ended = await helper.outcome()  # within 5 s, with no answer from the person
    assert isinstance(ended, Failure)
    assert not helper_pairing.handshake.verified
    helper.answer(True)  # too late: nothing more happens
    await asyncio.sleep(0.05)
    one.setblocking(True)
    one.settimeout(2)
    rest = b""
    with pytest.raises((OSError, EOFError)):
        while chunk := one.recv(100):
            rest += chunk
        raise EOFError
    assert b"CONFIRM" not in rest  # this side never confirmed
    assert helper.counted == 1
    one.close()
