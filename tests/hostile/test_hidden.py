"""Nothing behind the friend's back (issue 8, weaknesses 1 and 2), against a hostile helper.

The helper's program is the real one with its session driven by a script
(``hostile_helper.py``); the friend's program is unmodified, in line mode under pexpect,
which reads the friend's screen as fast as it comes unless a test stalls it on purpose.
Each scenario was a way to run a command the friend never saw: the friend's side stopped
reading the shell whenever the helper's stream was full, and Linux discards unread
terminal output on an interrupt (Ctrl+C).
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from tests import support

HOSTILE = Path(__file__).with_name("hostile_helper.py")
NO_SSHD = "/nonexistent/sshd"
WINDOW = 4096  # pexpect searches this much of the newest output, not megabytes of flood
FLOOD = "head -c 8000000 /dev/zero | tr '\\0' y; "  # more than every buffer on the way
HELPER_ENDED = "Your helper ended the session"
LOST = "The connection was lost, so the session has ended"
ORIENTATIONS = [
    pytest.param(server, reverse, id=f"{server}-sshd-{'reverse' if reverse else 'direct'}")
    for server in ("helper", "friend") for reverse in (False, True)
]


def hostile_session(world: support.World, steps: list[list[Any]], *, server: str = "helper",
                    reverse: bool = False) -> tuple[support.Program, support.Program]:
    """A root helper playing ``steps`` against a non-root friend, up to the live session."""
    script = world.base / f"script-{secrets.token_hex(3)}.json"
    script.write_text(json.dumps(steps))
    script.chmod(0o644)
    helper_args = ("--sshd", NO_SSHD) if server == "friend" else ()
    friend_args = ("--sshd", NO_SSHD) if server == "helper" else ()
    helper, friend = support.walk_to_session(
        world, world.account(), world.account(world.user()), reverse=reverse,
        helper_args=helper_args, friend_args=friend_args,
        helper_wrapper=(sys.executable, str(HOSTILE), str(script)))
    for program in (helper, friend):
        program.child.maxread = 65536
    return helper, friend


def read_until(program: support.Program, pattern: str, timeout: float = 60) -> re.Match[str]:
    """Read the program's screen until ``pattern`` (kept whole in ``program.output``)."""
    program.child.expect(pattern, timeout=timeout, searchwindowsize=WINDOW)
    match = program.child.match
    assert isinstance(match, re.Match)
    return match


def mark(world: support.World) -> Path:
    """A file the helper's hidden command creates: proof that it ran."""
    path = Path("/tmp") / f"rh-hidden-{secrets.token_hex(4)}"
    world.cleanups.append(lambda: path.unlink(missing_ok=True))
    return path


def finish(helper: support.Program, friend: support.Program) -> None:
    """The hostile helper ends the session. A helper that stopped reading may lose its own
    goodbye (its ssh gives up writing to it and closes first; seen once under load): then
    the friend is told the connection was lost. Either way the friend is told it ended."""
    ended = read_until(friend, f"({HELPER_ENDED}|{LOST})").group(1)
    assert friend.wait_exit(timeout=30) == (0 if ended == HELPER_ENDED else 1)
    helper.child.expect(pexpect.EOF, timeout=30, searchwindowsize=WINDOW)
    helper.child.close()


def friend_ends_within_a_second(helper: support.Program, friend: support.Program) -> None:
    """The friend presses Ctrl+Alt+C: "Help has ended" within a second, both exit."""
    started = time.monotonic()
    friend.send("\x1b\x03")  # Ctrl+Alt+C
    read_until(friend, support.ENDED_BY_FRIEND, timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed <= 1.0, f"Ctrl+Alt+C took {elapsed:.2f} s"
    assert friend.wait_exit() == 0
    helper.child.expect(pexpect.EOF, timeout=30, searchwindowsize=WINDOW)
    helper.child.close()


def seen(program: support.Program, text: str) -> bool:
    """``text`` reached the person's screen (in line mode: the terminal's stream)."""
    return text in program.output


@pytest.mark.root
@pytest.mark.parametrize(("server", "reverse"), ORIENTATIONS)
def test_a_command_behind_a_flood_and_two_interrupts_is_seen(
        world: support.World, server: str, reverse: bool) -> None:
    """Stop reading, flood, Ctrl+C, type a command, Ctrl+C, flood again, end."""
    proof = mark(world)
    command = f"touch {proof}; echo HIDDEN-$((6*7))"
    steps = [["sleep", 1], ["stall", None], ["keys", FLOOD + "sleep 1000\r"], ["sleep", 4],
             ["keys", "\x03"], ["sleep", 0.5], ["keys", command + "\r"], ["sleep", 0.5],
             ["keys", "\x03"], ["sleep", 0.3], ["keys", FLOOD + "sleep 1000\r"], ["sleep", 2],
             ["end", None]]
    helper, friend = hostile_session(world, steps, server=server, reverse=reverse)
    finish(helper, friend)
    assert proof.exists(), "the helper's command did not run: the scenario did not happen"
    assert seen(friend, command), "the friend never saw the helper's command"
    assert seen(friend, "HIDDEN-42\r\n"), "the friend never saw what it printed"


@pytest.mark.root
@pytest.mark.parametrize(("server", "reverse"), ORIENTATIONS)
def test_ending_while_output_is_unread_shows_it_first(
        world: support.World, server: str, reverse: bool) -> None:
    """The command runs while the friend's side (before: not reading) holds its output,
    then the helper ends the session at once."""
    proof = mark(world)
    command = f"touch {proof}; echo UNREAD-$((6*7))"
    steps = [["sleep", 1], ["stall", None], ["keys", FLOOD + "sleep 1000\r"], ["sleep", 4],
             ["keys", "\x03"], ["sleep", 0.5], ["keys", command + "\r"], ["sleep", 0.5],
             ["end", None]]
    helper, friend = hostile_session(world, steps, server=server, reverse=reverse)
    finish(helper, friend)
    assert proof.exists()
    assert seen(friend, command)
    assert seen(friend, "UNREAD-42\r\n")


@pytest.mark.root
def test_ending_right_after_the_keys_leaves_nothing_unseen(world: support.World) -> None:
    """The goodbye follows the command's keys at once, or a moment later: either the
    command never ran, or the friend saw it and what it printed; never a command that ran
    unseen. The later goodbyes make sure the command does run some of the time."""
    ran = 0
    for delay in (0, 0.02, 0.1, 0.3):
        proof = mark(world)
        # The output comes first: if the file exists, "RACE-42" was printed before.
        command = f"echo RACE-$((6*7)); touch {proof}"
        steps = [["sleep", 1], ["keys", command + "\r"], ["sleep", delay], ["end", None]]
        helper, friend = hostile_session(world, steps)
        finish(helper, friend)
        time.sleep(0.5)  # anything still running was ended with the session
        if proof.exists():
            ran += 1
            assert seen(friend, command)
            assert seen(friend, "RACE-42\r\n")
    assert ran, "the command never ran: the test proved nothing"


@pytest.mark.root
@pytest.mark.parametrize(("server", "reverse"), ORIENTATIONS)
def test_keys_faster_than_the_friends_terminal_can_draw(world: support.World, server: str,
                                                        reverse: bool) -> None:
    """The friend's own terminal falls behind (here: nobody reads it for 4 s) while the
    helper floods, interrupts and runs a command: the helper's keys wait for the friend's
    screen (they are not lost), and the friend sees the command and what it printed."""
    proof = mark(world)
    command = f"touch {proof}; echo FAST-$((6*7))"
    steps = [["sleep", 1], ["keys", "head -c 3000000 /dev/zero | tr '\\0' y; sleep 1000\r"],
             ["sleep", 0.2], ["keys", "\x03"], ["keys", command + "\r"], ["sleep", 8],
             ["end", None]]
    helper, friend = hostile_session(world, steps, server=server, reverse=reverse)
    time.sleep(4)  # the friend's terminal is not read: its program must not read the shell
    finish(helper, friend)
    assert proof.exists(), "the helper's keys were lost"
    assert seen(friend, command)
    assert seen(friend, "FAST-42\r\n")


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize(("server", "reverse"), ORIENTATIONS)
def test_a_helper_that_stops_reading_never_freezes_the_friend(world: support.World, server: str,
                                                              reverse: bool) -> None:
    """The helper stops reading for 60 s after a flood: a clock in the shell keeps ticking
    on the friend's screen, and the friend's Ctrl+Alt+C still ends it within a second."""
    clock = "while :; do date +tick-%s; sleep 1; done"
    steps = [["sleep", 1], ["stall", None], ["keys", FLOOD + clock + "\r"], ["sleep", 1000]]
    helper, friend = hostile_session(world, steps, server=server, reverse=reverse)
    first = int(read_until(friend, r"tick-(\d+)\r\n").group(1))
    latest = first
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        latest = int(read_until(friend, r"tick-(\d+)\r\n", timeout=5).group(1))
    assert latest - first >= 55, "the friend's screen stopped updating"
    friend_ends_within_a_second(helper, friend)


@pytest.mark.root
@pytest.mark.parametrize(("server", "reverse"), ORIENTATIONS)
def test_keys_the_shell_does_not_echo_are_shown(world: support.World, server: str,
                                                reverse: bool) -> None:
    """After a visible ``stty -echo`` the helper's keys are still on the friend's screen."""
    proof = mark(world)
    steps = [["sleep", 1], ["keys", "stty -echo; cat | sh\r"], ["sleep", 0.5],
             ["keys", f"touch {proof}\r"], ["sleep", 1], ["keys", "\x04"], ["sleep", 0.5],
             ["keys", "stty echo\r"], ["sleep", 0.5], ["end", None]]
    helper, friend = hostile_session(world, steps, server=server, reverse=reverse)
    finish(helper, friend)
    assert proof.exists()
    assert seen(friend, f"[remote-help] Your helper typed: touch {proof}[Enter]")


@pytest.mark.root
def test_keys_echoed_inside_an_unended_string_are_shown(world: support.World) -> None:
    """An unended OSC string swallows what follows on the way to the friend's terminal,
    the echo of the helper's next keys included: those keys are shown on their own line."""
    proof = mark(world)
    steps = [["sleep", 1], ["keys", "printf '\\033]'; cat | sh\r"], ["sleep", 0.5],
             ["keys", f"touch {proof}\r"], ["sleep", 1], ["keys", "\x04"], ["sleep", 0.5],
             ["end", None]]
    helper, friend = hostile_session(world, steps)
    finish(helper, friend)
    assert proof.exists()
    assert seen(friend, f"[remote-help] Your helper typed: touch {proof}[Enter]")


@pytest.mark.root
def test_the_friends_password_is_shown_to_nobody(world: support.World) -> None:
    """At a prompt that does not echo, what the friend types appears on neither screen;
    what the helper types there is shown to the friend."""
    steps = [["sleep", 1], ["keys", "read -s PW; echo got-${#PW}\r"], ["sleep", 30]]
    helper, friend = hostile_session(world, steps)
    time.sleep(1.5)
    friend.send("hunter2\r")
    read_until(friend, "got-7\r\n")
    helper.child.expect("got-7\r\n", timeout=20)
    friend.send("\x1b\x03")
    read_until(friend, support.ENDED_BY_FRIEND)
    assert friend.wait_exit() == 0
    helper.child.expect(pexpect.EOF, timeout=30)
    helper.child.close()
    assert "hunter2" not in friend.output
    assert "hunter2" not in helper.output


@pytest.mark.root
def test_a_helper_that_fell_behind_is_sent_the_current_screen(world: support.World) -> None:
    """Once it reads again, a helper that fell behind gets the friend's screen as it is
    now (not the megabytes it missed), and is told that output was skipped."""
    steps = [["sleep", 1], ["stall", None],
             ["keys", FLOOD + "clear; echo CURRENT-$((6*7)); sleep 1000\r"], ["sleep", 6],
             ["read", None], ["sleep", 4], ["end", None]]
    helper, friend = hostile_session(world, steps)
    read_until(friend, "CURRENT-42\r\n")
    helper.child.expect("some of your friend's output was skipped", timeout=30,
                        searchwindowsize=WINDOW)
    helper.child.expect("CURRENT-42", timeout=10, searchwindowsize=WINDOW)
    finish(helper, friend)
    skipped = helper.output.count("y")
    assert skipped < 7_000_000, "the helper was sent the whole backlog"


@pytest.mark.root
def test_keys_sent_before_the_shell_starts_wait_for_it(world: support.World) -> None:
    """Keys that arrive with the greeting, before the friend's shell runs, are typed
    into it once it does (and seen), not dropped."""
    steps = [["keys", "echo EARLY-$((6*7))\r"], ["sleep", 3], ["end", None]]
    helper, friend = hostile_session(world, steps)
    read_until(friend, "EARLY-42\r\n", timeout=20)
    finish(helper, friend)


@pytest.mark.timed
@pytest.mark.root
def test_a_storm_of_interrupt_keys_does_not_hold_up_the_end(world: support.World) -> None:
    """64 KiB of Ctrl+C in one message: each is written alone after reading the pty, a
    few at a time, so the friend's Ctrl+Alt+C still ends it within a second."""
    steps = [["sleep", 1], ["keys", "\x03" * 65536], ["sleep", 60]]
    helper, friend = hostile_session(world, steps)
    time.sleep(2)
    friend_ends_within_a_second(helper, friend)
