"""Issue 11: a scripted peer that confirms and at once sends something else (an ABORT, SSH
bytes too early, a second CONFIRM) or closes, while this side's person still looks at the
words. The real program must neither start SSH nor hang: its person is told at once.

Against the real helper (which listens) the script is a caller; against the real friend
(which connects) it is a listener built from the project's own handshake.
"""

from __future__ import annotations

import socket
import time

import pytest

from remote_help.proto import frames, sas
from remote_help.proto.handshake import Handshake, Identity
from tests import support
from tests.hostile import fakes

AFTER = {
    "abort": fakes.frame({"t": "ABORT", "reason": "cancelled"}),
    "abort-back": fakes.frame({"t": "ABORT", "reason": "back"}),
    "ssh-early": b"SSH-2.0-OpenSSH_9.2\r\n",
    "confirm-again": fakes.frame({"t": "CONFIRM"}),
    "eof": b"",
}
HELPER_TOLD = {
    "abort": "it says your friend closed remote-help",
    "abort-back": "it says your friend went back to start again",
}
pytestmark = pytest.mark.timed  # the other person is told within TOLD_WITHIN

TOLD_WITHIN = 3.0


def send_after(sock: socket.socket, what: str) -> None:
    if AFTER[what]:
        sock.sendall(AFTER[what])
    else:
        sock.shutdown(socket.SHUT_WR)


@pytest.mark.root
@pytest.mark.parametrize("what", sorted(AFTER))
def test_a_caller_that_confirms_then_leaves_cannot_start_ssh(world: support.World,
                                                            what: str) -> None:
    port = support.free_port()
    world.ports.append(port)
    helper = world.start(world.account(), "helper", "--port", str(port), "--bind",
                         "127.0.0.1")
    helper.expect("Waiting for your friend")
    caller = fakes.FakeCaller(port)
    try:
        caller.hello()
        assert caller.read()["t"] == "HELLO2"
        caller.reveal()
        assert caller.read()["t"] == "REVEAL2"
        helper.expect(support.CODE_LINE)
        helper.expect(r"\[y/n\]")
        caller.sock.sendall(fakes.frame({"t": "CONFIRM"}))
        time.sleep(0.3)
        started = time.monotonic()
        send_after(caller.sock, what)
        helper.expect(support.said(HELPER_TOLD.get(what, "left before you answered")))
        assert time.monotonic() - started < TOLD_WITHIN
        helper.expect(support.said("Still waiting for your friend."))
        helper.sendline("y")  # a late yes: its question is gone
        assert fakes.closed_by_peer(caller.sock, 5)  # nothing more; the helper closed it
    finally:
        caller.close()
    time.sleep(0.5)
    assert "Setting up" not in helper.output
    assert helper.child.isalive()
    helper.send("\x03")
    assert helper.wait_exit() != 0
    fakes.assert_no_crash(helper)


@pytest.mark.root
@pytest.mark.parametrize("what", sorted(AFTER))
def test_a_helper_that_confirms_then_leaves_cannot_start_ssh(world: support.World,
                                                            what: str) -> None:
    """The friend still types when the script confirms and leaves: told at once, and the
    right words typed afterwards start nothing."""
    fake = fakes.FakeListener()
    world.ports.append(fake.port)
    friend = world.start(world.account(), "friend", "127.0.0.1", "--port", str(fake.port))
    friend.expect("Continue\\?")
    friend.sendline("y")
    try:
        sock = fake.accept()
    finally:
        fake.close()
    try:
        script = Handshake("L", Identity("helper", fakes.random_key(), "bob", True))
        script.start()
        reader = frames.FrameReader()
        sock.sendall(script.receive(*fakes.read_frame(sock, reader)))
        script.receive(*fakes.read_frame(sock, reader))
        sock.sendall(script.open())
        assert script.code is not None
        friend.expect("Type the five letters")
        sock.sendall(script.confirm())
        time.sleep(0.3)
        started = time.monotonic()
        send_after(sock, what)
        friend.expect(r"Your helper|The check was interrupted|did not work")
        assert time.monotonic() - started < TOLD_WITHIN
        friend.sendline(support.first_letters(sas.words(script.code)))
        assert friend.wait_exit() != 0
        assert "CORRECT" not in friend.output
        assert "Setting up" not in friend.output
    finally:
        sock.close()
    fakes.assert_no_crash(friend)
