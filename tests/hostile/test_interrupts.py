"""Broken, dropped, refused and interrupted checks (DESIGN 1 and 4, T3).

Every step before the people talk has a deadline; a wrong code, a refused confirmation, a
broken or interrupted handshake ends with a clear sentence on both sides, a non-zero exit
status and nothing left behind; three interrupted checks within 15 minutes pause checking
for 15 minutes, with the reason shown.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from remote_help import lockout
from remote_help.net import pairing
from remote_help.proto import frames, sas
from remote_help.proto.handshake import Handshake, Identity
from tests import support
from tests.hostile import fakes

INTERRUPTED = "The check was interrupted. If this happens again, someone may be interfering: "
HELPER_INTERRUPTED = INTERRUPTED + "call your friend back on a number you know."
FRIEND_INTERRUPTED = INTERRUPTED + "hang up and call your helper back on a number you know."
PAUSED = (support.said("For your safety, checking is paused until") + r"\s+(\d\d:\d\d):\s+"
          + support.said("the last three checks were interrupted. If that was not you, "
                         "someone may be interfering."))
CANCELLED = "Cancelled. Nothing was shared."
DID_NOT_WORK = "The connection did not work: "
EOF_SENTENCE = r"(The other computer closed the connection|The connection was broken)\."
CLOSED = "The connection from 127.0.0.1 was closed: "
FRIEND_STOP = "The words did not match, so nothing was shared."  # after "STOP"
HELPER_TOLD_STOP = "Your friend's screen said STOP: the words did not match"
LEFT_EARLY = "left before you answered: forget those words, nothing was shared."
LEFT_CLOSED = "left before you answered: it says your friend closed remote-help."
FRIEND_TOLD_CLOSED = "Your helper closed remote-help, says their computer. Nothing was shared."
NO_MATCH = "That does not match. Ask your helper to read the words again, slowly."
STILL_WAITING = "Still waiting for your {}."


def interruptions(account: support.Account) -> int:
    """How many unfinished checks this computer recorded (for the lockout)."""
    path = account.state / "remote-help" / "checks.json"
    return len(json.loads(path.read_text())) if path.exists() else 0


def keeps_waiting(program: support.Program, other: str, said: str = LEFT_EARLY) -> None:
    """A caller left before this person answered: said so, not counted, still waiting;
    then the person stops waiting (Ctrl+C)."""
    program.expect(support.said(said))
    program.expect(support.said(STILL_WAITING.format(other)))
    assert program.child.isalive()
    program.send("\x03")
    program.expect(support.said(CANCELLED))
    assert program.wait_exit() != 0


def start_helper(world: support.World, account: support.Account | None = None,
                 port: int | None = None) -> tuple[support.Program, int]:
    port = port or support.free_port()
    world.ports.append(port)
    helper = world.start(account or world.account(), "helper", "--port", str(port),
                         "--bind", "127.0.0.1")
    return helper, port


def start_friend(world: support.World, port: int, account: support.Account | None = None,
                 *args: str) -> support.Program:
    friend = world.start(account or world.account(), "friend", "127.0.0.1", "--port", str(port),
                         *args)
    friend.expect("Continue\\?")
    friend.sendline("y")
    return friend


def to_the_code(world: support.World, helper_account: support.Account | None = None,
                friend_account: support.Account | None = None,
                ) -> tuple[support.Program, support.Program, str]:
    """Both programs up to the code: the helper at y/n, the friend asked for the letters."""
    helper, port = start_helper(world, helper_account)
    helper.expect("Waiting for your friend")
    friend = start_friend(world, port, friend_account)
    match = helper.expect(support.CODE_LINE)
    assert match is not None
    helper.expect(r"\[y/n\]")
    friend.expect("Type the five letters")
    return helper, friend, match.group(1)


def sweep_with_a_new_start(world: support.World, account: support.Account) -> None:
    """A killed program leaves its session directory; its next start removes it."""
    dead = support.free_port()
    friend = start_friend(world, dead, account, "--connect-timeout", "1")
    friend.expect("Nothing was waiting at 127.0.0.1")  # issue 11: a refusal says so
    assert friend.wait_exit() != 0


# -- killed peers and the lockout ------------------------------------------------------------

@pytest.mark.root
def test_three_refused_checks_pause_checking(world: support.World) -> None:
    """The helper's person answered n three times (the people saw the words differ)."""
    helper_account = world.account()
    killed_at = time.time()
    for _ in range(3):
        helper, friend, _words = to_the_code(world, helper_account)
        killed_at = time.time()
        helper.sendline("n")
        assert helper.wait_exit() != 0
        assert friend.wait_exit() != 0
        fakes.assert_no_crash(helper, friend)
    assert interruptions(helper_account) == 3

    helper, port = start_helper(world, helper_account)
    match = helper.expect(PAUSED)
    assert match is not None
    assert helper.wait_exit() != 0
    assert fakes.refused(port), "a paused helper must not listen"
    assert "Waiting for your friend" not in helper.output
    allowed = {time.strftime("%H:%M", time.localtime(killed_at + lockout.LOCK + delta))
               for delta in (-60, 0, 60)}
    assert match.group(1) in allowed
    fakes.assert_no_crash(helper)


@pytest.mark.root
def test_killed_friends_do_not_pause_the_waiting_helper(world: support.World) -> None:
    """A caller killed at the code left before the helper answered: the helper says so
    and keeps waiting, counting nothing (a stranger could do the same; weakness 6)."""
    helper_account, friend_account = world.account(), world.account()
    helper, port = start_helper(world, helper_account)
    helper.expect("Waiting for your friend")
    for _ in range(2):
        friend = start_friend(world, port, friend_account)
        helper.expect(support.CODE_LINE)
        friend.expect("Type the five letters")
        friend.child.kill(signal.SIGKILL)
        assert friend.wait_exit() == 128 + signal.SIGKILL
        helper.expect(support.said(LEFT_EARLY))
        helper.expect(support.said(STILL_WAITING.format("friend")))
        assert helper.child.isalive()
    # The real friend still gets through: the third try is checked.
    friend = start_friend(world, port)
    match = helper.expect(support.CODE_LINE)
    assert match is not None
    friend.expect("Type the five letters")
    friend.sendline(support.first_letters(match.group(1).split()))
    friend.expect("CORRECT")
    helper.sendline("y")
    helper.expect("To end the session, press Ctrl\\+Alt\\+C or F10", timeout=30)
    support.friend_ends_session(helper, friend)
    assert interruptions(helper_account) == 0
    fakes.assert_no_crash(helper)
    # The killed friend could not clean up; its next start does.
    assert list(friend_account.runtime.rglob("session-*"))
    sweep_with_a_new_start(world, friend_account)


@pytest.mark.root
def test_killed_helper_is_an_interrupted_check_for_the_friend(world: support.World) -> None:
    helper_account = world.account()
    helper, friend, _words = to_the_code(world, helper_account)
    helper.child.kill(signal.SIGKILL)
    assert helper.wait_exit() == 128 + signal.SIGKILL
    friend.expect(support.said(FRIEND_INTERRUPTED))
    assert friend.wait_exit() != 0
    fakes.assert_no_crash(friend)
    # The killed helper's next start cleans up after it.
    again, _port = start_helper(world, helper_account)
    again.expect("Waiting for your friend")
    again.send("\x03")
    again.expect(support.said(CANCELLED))
    assert again.wait_exit() != 0


# -- drops at every handshake step -----------------------------------------------------------

@pytest.mark.root
def test_drops_at_each_step_against_the_waiting_helper(world: support.World) -> None:
    """Before the code exists a drop is shown and the helper keeps waiting; after it, the
    check was interrupted."""
    helper, port = start_helper(world)
    helper.expect("Waiting for your friend")

    def after_connect(caller: fakes.FakeCaller) -> None:
        pass

    def after_hello(caller: fakes.FakeCaller) -> None:
        caller.hello()

    def after_hello2(caller: fakes.FakeCaller) -> None:
        caller.hello()
        assert caller.read()["t"] == "HELLO2"

    cases = [(step, fault) for step in (after_connect, after_hello, after_hello2)
             for fault in ("close", "reset", "half-close")]
    for step, fault in cases:
        caller = fakes.FakeCaller(port)
        step(caller)
        if fault == "close":
            caller.close()
        elif fault == "reset":
            fakes.reset(caller.sock)
        else:
            caller.sock.shutdown(socket.SHUT_WR)
        helper.expect(support.said(CLOSED) + EOF_SENTENCE, timeout=5)
        if fault == "half-close":
            assert fakes.closed_by_peer(caller.sock, 3)
            caller.close()
        assert helper.child.isalive(), f"{step.__name__}/{fault} made the helper exit"

    caller = fakes.FakeCaller(port)
    caller.hello()
    assert caller.read()["t"] == "HELLO2"
    caller.reveal()
    helper.expect(support.CODE_LINE)
    assert caller.read()["t"] == "REVEAL2"
    caller.close()  # dropped while the people compare, before the helper answered
    keeps_waiting(helper, "friend")
    assert interruptions(helper.account) == 0
    fakes.assert_no_crash(helper)


def start_connecting(world: support.World, role: str, port: int) -> support.Program:
    """The side that connects: the friend normally, the helper with --reverse."""
    if role == "friend":
        return start_friend(world, port)
    return world.start(world.account(), "helper", "--reverse", "127.0.0.1", "--port", str(port))


@pytest.mark.root
@pytest.mark.parametrize("role", ["friend", "helper"])
@pytest.mark.parametrize("step", ["connect", "HELLO", "HELLO2", "REVEAL", "REVEAL2"])
def test_drop_at_each_step_against_the_connecting_side(world: support.World, step: str,
                                                       role: str) -> None:
    """The real program connected (friend, or helper with --reverse); the fake listener
    drops it after each step."""
    fake = fakes.FakeListener()
    world.ports.append(fake.port)
    other = "helper" if role == "friend" else "friend"
    try:
        program = start_connecting(world, role, fake.port)
        sock = fake.accept()
        listener = Handshake("L", Identity(other, fakes.random_key(), "bob", True))
        listener.start()
        if step != "connect":
            raw, hello = fakes.read_frame(sock)
            assert hello["t"] == "HELLO" and hello["role"] == role
            hello2 = listener.receive(raw, hello)
        if step in ("HELLO2", "REVEAL", "REVEAL2"):
            sock.sendall(hello2)
        if step in ("REVEAL", "REVEAL2"):
            raw, reveal = fakes.read_frame(sock)
            assert reveal["t"] == "REVEAL"
            listener.receive(raw, reveal)
        if step == "REVEAL2":
            sock.sendall(listener.open())
        sock.close()
    finally:
        fake.close()
    if step != "REVEAL2":  # the program does not know a code yet: nothing was checked
        program.expect(support.said(DID_NOT_WORK) + EOF_SENTENCE)
    else:  # the program already knows a code: the check was interrupted
        program.expect(support.said(FRIEND_INTERRUPTED if role == "friend"
                                 else HELPER_INTERRUPTED))
    assert program.wait_exit() != 0
    fakes.assert_no_crash(program)


EARLY_ABORTS = {
    "busy": "The other computer is busy with someone else. Check the address with your "
    "helper and try again.",
    "locked": "The other computer has paused checking for a while. Try again later.",
    "cancelled": "The other side stopped before the check could start.",
    "timeout": "The other side stopped before the check could start.",
    "same-role": "Both of you gave the same answer to 'Who are you?'.",
}


@pytest.mark.root
@pytest.mark.parametrize("reason", sorted(EARLY_ABORTS))
def test_the_friend_is_told_why_the_other_side_stopped_early(world: support.World,
                                                            reason: str) -> None:
    fake = fakes.FakeListener()
    world.ports.append(fake.port)
    try:
        friend = start_friend(world, fake.port)
        sock = fake.accept()
        _raw, hello = fakes.read_frame(sock)
        assert hello["t"] == "HELLO"
        sock.sendall(fakes.frame({"t": "ABORT", "reason": reason}))
        friend.expect(support.said(EARLY_ABORTS[reason]))
        assert fakes.closed_by_peer(sock, 3)
        sock.close()
    finally:
        fake.close()
    assert friend.wait_exit() != 0
    assert "Type the five letters" not in friend.output
    fakes.assert_no_crash(friend)


@pytest.mark.root
def test_drops_against_the_waiting_friend_in_reverse_mode(world: support.World) -> None:
    """The friend waits (--reverse): a drop before the code is shown and the friend keeps
    waiting; a drop after the code is an interrupted check."""
    port = support.free_port()
    world.ports.append(port)
    friend = world.start(world.account(), "friend", "--reverse", "--port", str(port),
                         "--bind", "127.0.0.1")
    friend.expect("Continue\\?")
    friend.sendline("y")
    friend.expect("Waiting for your helper")
    for reveal in (False, True):
        caller = fakes.FakeCaller(port, role="helper")
        caller.hello()
        assert caller.read()["t"] == "HELLO2"
        if reveal:
            caller.reveal()
            friend.expect("Type the five letters")
        caller.close()
        if not reveal:
            friend.expect(support.said(CLOSED) + EOF_SENTENCE, timeout=5)
            assert friend.child.isalive()
    # Left before the friend answered: a stranger could do that, so it is not counted.
    keeps_waiting(friend, "helper")
    assert interruptions(friend.account) == 0
    fakes.assert_no_crash(friend)


@pytest.mark.root
def test_a_paused_friend_neither_connects_nor_waits(world: support.World) -> None:
    """Three recent interruptions recorded on the friend's computer pause it too, before
    any connection is made or accepted."""
    account = world.account()
    state = account.state / "remote-help"
    state.mkdir(mode=0o700)
    now = time.time()
    (state / "checks.json").write_text(json.dumps([now - 120, now - 60, now - 1]))
    fake = fakes.FakeListener()
    world.ports.append(fake.port)
    try:
        friend = start_friend(world, fake.port, account)
        friend.expect(PAUSED)
        assert friend.wait_exit() != 0
        fake.server.settimeout(0.5)
        with pytest.raises(TimeoutError):
            fake.accept()  # the paused friend never connected
    finally:
        fake.close()
    port = support.free_port()
    world.ports.append(port)
    waiting = world.start(account, "friend", "--reverse", "--port", str(port), "--bind",
                          "127.0.0.1")
    waiting.expect("Continue\\?")
    waiting.sendline("y")
    waiting.expect(PAUSED)
    assert waiting.wait_exit() != 0
    assert fakes.refused(port)
    fakes.assert_no_crash(friend, waiting)


@pytest.mark.timed
@pytest.mark.root
def test_every_step_before_the_people_talk_has_a_deadline(world: support.World) -> None:
    """A peer that stalls (silent, or one byte at a time) is cut off at the step deadline
    on both sides; nobody waits for ever."""
    fake = fakes.FakeListener()
    world.ports.append(fake.port)
    helper, port = start_helper(world)
    helper.expect("Waiting for your friend")
    friend = start_friend(world, fake.port)
    stalled = fake.accept()  # accepts the friend's connection and never answers
    fake.close()
    started = time.monotonic()

    silent = fakes.connect(port)
    trickle = fakes.FakeCaller(port)
    hello = fakes.frame({"t": "HELLO", "v": 1, "role": "friend", "commit": trickle.commit()})
    stop = threading.Event()

    def drip() -> None:
        for byte in hello:
            if stop.wait(0.5):
                return
            try:
                trickle.sock.sendall(bytes([byte]))
            except OSError:
                return

    dripper = threading.Thread(target=drip, daemon=True)
    dripper.start()
    try:
        friend.expect(support.said(DID_NOT_WORK + "The other computer took too long to answer."),
                      timeout=20)
        assert friend.wait_exit() != 0
        for _ in range(2):
            helper.expect(support.said(CLOSED + "The other computer took too long to answer."),
                          timeout=20)
        assert fakes.closed_by_peer(silent, 5)
        assert fakes.closed_by_peer(trickle.sock, 5)
        elapsed = time.monotonic() - started
        assert 8 < elapsed < 16, elapsed
        assert helper.child.isalive(), "stalled callers made the helper exit"
    finally:
        stop.set()
        dripper.join(5)
        for sock in (stalled, silent, trickle.sock):
            sock.close()
    helper.send("\x03")
    helper.expect(support.said(CANCELLED))
    assert helper.wait_exit() != 0
    fakes.assert_no_crash(helper, friend)


# -- the people stop it ----------------------------------------------------------------------

@pytest.mark.root
def test_ctrl_c_while_waiting(world: support.World) -> None:
    helper, _port = start_helper(world)
    helper.expect("Waiting for your friend")
    nobody = support.free_port()
    friend = start_friend(world, nobody)  # keeps trying: nobody listens there
    friend.expect("Nothing is waiting at 127.0.0.1")  # refused: said as such (issue 11)
    reverse_port = support.free_port()
    world.ports.append(reverse_port)
    waiting_friend = world.start(world.account(), "friend", "--reverse", "--port",
                                 str(reverse_port), "--bind", "127.0.0.1")
    waiting_friend.expect("Continue\\?")
    waiting_friend.sendline("y")
    waiting_friend.expect("Waiting for your helper")
    for program in (helper, friend, waiting_friend):
        program.send("\x03")
    for program in (helper, friend, waiting_friend):
        program.expect(support.said(CANCELLED))
        assert program.wait_exit() != 0
    fakes.assert_no_crash(helper, friend, waiting_friend)


@pytest.mark.root
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_terminated_while_waiting(world: support.World, signum: int) -> None:
    """The terminal window closed (SIGHUP) or the system shuts down (SIGTERM)."""
    helper, port = start_helper(world)
    helper.expect("Waiting for your friend")
    os.kill(helper.child.pid, signum)
    helper.expect(support.said(CANCELLED))
    assert helper.wait_exit() != 0
    assert fakes.refused(port)
    fakes.assert_no_crash(helper)


@pytest.mark.root
def test_ctrl_c_at_the_question_interrupts_the_check_on_both_sides(
        world: support.World) -> None:
    """Issue 11: the friend is told the helper closed it (as its computer says); the
    helper's own stop does not count on the helper's computer, the friend's does."""
    helper, friend, _words = to_the_code(world)
    helper.send("\x03")
    helper.expect(support.said(CANCELLED))
    friend.expect(support.said(FRIEND_TOLD_CLOSED))
    assert helper.wait_exit() != 0
    assert friend.wait_exit() != 0
    assert interruptions(helper.account) == 0
    assert interruptions(friend.account) == 1  # what the other side says exempts nothing
    fakes.assert_no_crash(helper, friend)


@pytest.mark.root
def test_ctrl_c_while_the_friend_types_interrupts_the_check(world: support.World) -> None:
    helper, friend, _words = to_the_code(world)
    friend.send("\x03")
    friend.expect(support.said(CANCELLED))
    assert friend.wait_exit() != 0
    # Issue 11: the friend's own stop is not counted there; the helper's person had not
    # answered yet (the caller may be anyone): counted per source only.
    assert interruptions(friend.account) == 0
    keeps_waiting(helper, "friend", LEFT_CLOSED)
    assert interruptions(helper.account) == 0
    fakes.assert_no_crash(helper, friend)


@pytest.mark.root
def test_wrong_code_says_stop_on_both_sides(world: support.World) -> None:
    helper, friend, words = to_the_code(world)
    letters = support.first_letters(words.split())
    wrong = ("B" if letters[0] != "B" else "C") + letters[1:]  # one word misheard
    for _ in range(2):  # issue 11: the same words may be typed again, three times in all
        friend.sendline(wrong)
        friend.expect(support.said(NO_MATCH))
        assert helper.child.isalive() and "STOP" not in friend.output
    friend.sendline(wrong)
    friend.expect("STOP")
    friend.expect(support.said(FRIEND_STOP))
    assert friend.wait_exit() != 0
    # The helper is told, keeps waiting (the caller's word only), and stops: that counts.
    keeps_waiting(helper, "friend", HELPER_TOLD_STOP)
    assert interruptions(helper.account) == interruptions(friend.account) == 1
    assert "CORRECT" not in friend.output
    fakes.assert_no_crash(helper, friend)


@pytest.mark.root
def test_nobody_listening_gives_up_after_the_connect_timeout(world: support.World) -> None:
    port = support.free_port()
    world.ports.append(port)
    friend = world.start(world.account(), "friend", "127.0.0.1", "--port", str(port),
                         "--connect-timeout", "2")
    friend.expect("Continue\\?")
    started = time.monotonic()
    friend.sendline("y")
    # Issue 11: nothing listening there (refused) is said as such, not blamed on the address.
    friend.expect(support.said(f"Nothing was waiting at 127.0.0.1 port {port}."), timeout=10)
    assert friend.wait_exit() != 0
    assert time.monotonic() - started < 6
    fakes.assert_no_crash(friend)


# -- after both confirmed: a peer that never speaks SSH ----------------------------------------

# What the design keeps off the friend's screen ("no socket, SSH, fingerprint, port").
TECH_WORDS = re.compile(r"\b(ssh\S*|port|socket|kex\S*|banner|debug\d?)\b", re.IGNORECASE)
# SSH failed, or (issue 11) the helper closed the connection under it, as a person leaving does
NOT_SET_UP = (f"({support.said('The secure connection could not be set up')}|"
              + support.said("The connection closed before the shared terminal started: "
                             "your helper closed remote-help, or the network dropped") + ")")
ORIENTATIONS = {"friend dials": True, "friend serves": False}  # the fake helper's has_sshd


def confirmed_with_a_fake_helper(world: support.World, has_sshd: bool,
                                 ) -> tuple[support.Program, socket.socket]:
    """A real friend and a fake helper that runs the real handshake and confirms; the
    friend typed the right code. Returns the friend and the fake's connection."""
    fake = fakes.FakeListener()
    world.ports.append(fake.port)
    try:
        friend = start_friend(world, fake.port)
        sock = fake.accept()
    finally:
        fake.close()
    handshake = Handshake("L", Identity("helper", fakes.random_key(), "bob", has_sshd))
    handshake.start()
    reader = frames.FrameReader()
    sock.sendall(handshake.receive(*fakes.read_frame(sock, reader)))
    handshake.receive(*fakes.read_frame(sock, reader))
    sock.sendall(handshake.open())
    assert handshake.code is not None
    friend.expect("Type the five letters")
    friend.sendline(support.first_letters(sas.words(handshake.code)))
    friend.expect("CORRECT")
    handshake.receive(*fakes.read_frame(sock, reader))  # the friend's CONFIRM
    sock.sendall(handshake.confirm())
    assert handshake.verified
    return friend, sock


def break_ssh(sock: socket.socket, fault: str) -> None:
    if fault == "garbage":
        sock.sendall(b"this is not SSH\r\n" * 8)
        time.sleep(0.3)
    sock.close()


@pytest.mark.root
@pytest.mark.parametrize("fault", ["garbage", "close"])
@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
def test_a_peer_that_confirms_but_never_speaks_ssh(world: support.World, orientation: str,
                                                  fault: str) -> None:
    """The SSH step after the check: the friend ends with a sentence, non-zero, promptly,
    and nothing is left behind (no ssh, no sshd)."""
    friend, sock = confirmed_with_a_fake_helper(world, ORIENTATIONS[orientation])
    started = time.monotonic()
    break_ssh(sock, fault)
    friend.expect(NOT_SET_UP)
    assert friend.wait_exit() != 0
    assert time.monotonic() - started < 10
    fakes.assert_no_crash(friend)


@pytest.mark.root
def test_the_friend_is_not_told_connected_before_the_connection_exists(
        world: support.World) -> None:
    friend, sock = confirmed_with_a_fake_helper(world, has_sshd=True)
    break_ssh(sock, "close")
    friend.expect(NOT_SET_UP)
    assert friend.wait_exit() != 0
    assert "You are now connected" not in friend.output
    assert "can see this terminal" not in friend.output


@pytest.mark.root
@pytest.mark.parametrize("fault", ["garbage", "close"])
@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
def test_the_friend_never_reads_ssh_jargon(world: support.World, orientation: str,
                                          fault: str) -> None:
    friend, sock = confirmed_with_a_fake_helper(world, ORIENTATIONS[orientation])
    break_ssh(sock, fault)
    friend.expect(NOT_SET_UP)
    assert friend.wait_exit() != 0
    after_the_check = friend.output.split("CORRECT", 1)[1]
    assert not TECH_WORDS.search(after_the_check), TECH_WORDS.findall(after_the_check)


@pytest.mark.root
def test_a_silent_peer_after_the_check_is_explained_plainly(world: support.World) -> None:
    friend, sock = confirmed_with_a_fake_helper(world, has_sshd=False)  # the friend serves
    try:
        friend.expect(NOT_SET_UP, timeout=40)  # sshd's LoginGraceTime is 20 s
        assert friend.wait_exit() != 0
    finally:
        sock.close()
    after_the_check = friend.output.split("CORRECT", 1)[1]
    assert not TECH_WORDS.search(after_the_check), TECH_WORDS.findall(after_the_check)


# -- the interrupted-check log itself --------------------------------------------------------

T0 = 1_700_000_000.0
MINUTE = 60.0
NOBODY = 65534


def test_three_interruptions_within_15_minutes_lock_for_15_minutes(tmp_path: Path) -> None:
    log = lockout.CheckLog(tmp_path / "checks.json")
    assert log.locked_until(T0) is None
    log.record_interrupted(T0)
    log.record_interrupted(T0 + 5 * MINUTE)
    assert log.locked_until(T0 + 6 * MINUTE) is None  # two are not enough
    log.record_interrupted(T0 + 14 * MINUTE)
    third = T0 + 14 * MINUTE
    assert log.locked_until(third) == third + 15 * MINUTE
    assert log.locked_until(third + 14 * MINUTE) == third + 15 * MINUTE
    assert log.locked_until(third + 15 * MINUTE) is None  # the lock expires
    assert log.locked_until(third + 60 * MINUTE) is None
    # A fresh CheckLog on the same file (the next start of the program) sees the same.
    assert lockout.CheckLog(tmp_path / "checks.json").locked_until(third + MINUTE) is not None


def test_exactly_15_minutes_apart_still_locks(tmp_path: Path) -> None:
    log = lockout.CheckLog(tmp_path / "checks.json")
    for offset in (0, 7.5, 15):
        log.record_interrupted(T0 + offset * MINUTE)
    assert log.locked_until(T0 + 15 * MINUTE) == T0 + 30 * MINUTE


def test_three_interruptions_spread_over_more_than_15_minutes_do_not_lock(
        tmp_path: Path) -> None:
    log = lockout.CheckLog(tmp_path / "checks.json")
    for offset in (0, 8, 16):
        log.record_interrupted(T0 + offset * MINUTE)
        assert log.locked_until(T0 + offset * MINUTE) is None
    log.record_interrupted(T0 + 32 * MINUTE)  # 16, 32: still never three within 15
    assert log.locked_until(T0 + 32 * MINUTE) is None
    log.record_interrupted(T0 + 33 * MINUTE)  # 32 and 33 with 16? no: 16..33 is 17 min
    assert log.locked_until(T0 + 33 * MINUTE) is None
    log.record_interrupted(T0 + 34 * MINUTE)  # 32, 33, 34: locked
    assert log.locked_until(T0 + 34 * MINUTE) == T0 + 49 * MINUTE


def test_many_old_interruptions_are_forgotten(tmp_path: Path) -> None:
    log = lockout.CheckLog(tmp_path / "checks.json")
    for i in range(30):
        log.record_interrupted(T0 + i)
    assert log.locked_until(T0 + 30) is not None
    later = T0 + 29 + 15 * MINUTE
    assert log.locked_until(later) is None
    log.record_interrupted(later + 2 * 60 * MINUTE)
    assert log.locked_until(later + 2 * 60 * MINUTE) is None
    assert len(json.loads((tmp_path / "checks.json").read_text())) <= 20


def test_the_lock_runs_from_the_last_interruption(tmp_path: Path) -> None:
    log = lockout.CheckLog(tmp_path / "checks.json")
    for offset in (0, 1, 2, 3):  # e.g. two programs were checking at the same time
        log.record_interrupted(T0 + offset * MINUTE)
    assert log.locked_until(T0 + 3 * MINUTE) == T0 + 18 * MINUTE


CORRUPT = [b"", b"not json", b"{}", b'{"a": 1}', b'[1, 2, "x", null, true]', b"\xff\xfe\x00",
           b"1e999", b"[1e999, -1e999]", b'["NaN"]', b"[NaN, Infinity]", b'[[1], {"a": 2}]',
           b"[" + b"1," * 10_000 + b"1]"]
CORRUPT_DEEP = [b"[" * 100_000, b"[" + b"9" * 400 + b"]"]  # once crashed the program


@pytest.mark.parametrize("content", [*CORRUPT, *CORRUPT_DEEP])
def test_a_corrupt_file_does_not_break_it(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "checks.json"
    path.write_bytes(content)
    log = lockout.CheckLog(path)
    log.locked_until(T0)  # whatever it decides, it must not raise
    for offset in (0, 1, 2):
        log.record_interrupted(T0 + offset * MINUTE)
    assert log.locked_until(T0 + 3 * MINUTE) == T0 + 2 * MINUTE + 15 * MINUTE


@pytest.mark.root
def test_a_corrupt_check_log_does_not_stop_the_program(world: support.World) -> None:
    account = world.account()
    (account.state / "remote-help").mkdir(mode=0o700)
    (account.state / "remote-help" / "checks.json").write_bytes(b"[" * 100_000)
    helper, _port = start_helper(world, account)
    helper.expect("Waiting for your friend")
    helper.send("\x03")
    helper.expect(support.said(CANCELLED))
    assert helper.wait_exit() != 0
    fakes.assert_no_crash(helper)


def test_an_unreadable_file_does_not_break_it(tmp_path: Path) -> None:
    path = tmp_path / "checks.json"
    path.mkdir()  # a directory where the file should be: reading and replacing both fail
    log = lockout.CheckLog(path)
    assert log.locked_until(T0) is None
    log.record_interrupted(T0)
    assert log.locked_until(T0) is None


def test_a_failed_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "checks.json"
    path.mkdir()
    lockout.CheckLog(path).record_interrupted(T0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checks.json"]


def as_nobody(action: Callable[[], None]) -> None:
    """Run ``action`` as an unprivileged user (root ignores file modes)."""
    if os.geteuid() != 0:
        action()
        return
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit status
        code = 1
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            action()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the check failed as an ordinary user"


def test_a_read_only_directory_does_not_break_it() -> None:
    base = Path(tempfile.mkdtemp(prefix="rh-ro-", dir="/tmp"))  # reachable by nobody
    try:
        base.chmod(0o755)
        directory = base / "state"
        directory.mkdir()
        path = directory / "checks.json"
        lockout.CheckLog(path).record_interrupted(T0)
        if os.geteuid() == 0:
            os.chown(directory, NOBODY, NOBODY)
            os.chown(path, NOBODY, NOBODY)
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR)
        path.chmod(stat.S_IRUSR)

        def check() -> None:
            log = lockout.CheckLog(path)
            for offset in (1, 2, 3):
                log.record_interrupted(T0 + offset * MINUTE)  # cannot save: must not raise
            assert log.locked_until(T0 + 4 * MINUTE) is None  # only the saved one counts
            assert json.loads(path.read_text()) == [T0]
            assert sorted(p.name for p in directory.iterdir()) == ["checks.json"]

        as_nobody(check)
    finally:
        (base / "state").chmod(stat.S_IRWXU)
        shutil.rmtree(base, ignore_errors=True)


def test_no_state_directory_means_no_lock() -> None:
    log = lockout.CheckLog(None)
    for offset in (0, 1, 2):
        log.record_interrupted(T0 + offset)
    assert log.locked_until(T0 + 3) is None


# -- checks a caller broke off before the waiting person answered ------------------------------

def test_left_early_is_counted_per_source_and_per_wait() -> None:
    left = lockout.LeftEarly()
    for _ in range(lockout.LEFT_EARLY_PER_SOURCE - 1):
        left.record("192.0.2.7")
    assert not left.barred("192.0.2.7")
    left.record("192.0.2.7")
    assert left.barred("192.0.2.7") and not left.barred("192.0.2.8")
    assert not left.exhausted
    sources = [f"198.51.100.{i}" for i in range(lockout.LEFT_EARLY_PER_WAIT)]
    for source in sources:
        left.record(source)
        # A man in the middle with many addresses still gets a bounded number of codes.
        assert left.exhausted is (left.total >= lockout.LEFT_EARLY_PER_WAIT)
    assert left.exhausted
    assert lockout.LEFT_EARLY_PER_WAIT > lockout.LEFT_EARLY_PER_SOURCE * 3, \
        "three stranger addresses must not be able to end a wait"


@pytest.mark.parametrize(("address", "source"), [
    ("192.0.2.7", "192.0.2.7"),
    ("127.0.0.21", "127.0.0.21"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
    ("fe80::1%eth0", "fe80::/64"),
    ("not an address", "not an address"),
])
def test_a_source_is_an_ipv4_address_or_an_ipv6_64(address: str, source: str) -> None:
    assert pairing.source_of(address) == source
    assert pairing.source_of(pairing.describe(("::ffff:192.0.2.7", 1, 0, 0))) == "192.0.2.7"
