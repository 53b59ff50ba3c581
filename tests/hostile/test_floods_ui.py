"""Floods of costly output against both full-screen programs (issue 9, weaknesses 4 and 10):
whatever the shell prints, the emulator works in short turns, so the end keys, F10 and
the signals that close a window act within a second, at 250x80.

The friend types the flood into the shared shell (the shell is the friend's own; a
hostile helper could type the same). Each flood costs the emulator far more per byte than
text: a clear screen touches every cell (20 000 here) for 4 bytes.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests import support, tui
from tests.e2e.test_ui import connect
from tests.tui import Pane, Tmux

tmux = tui.tmux

SIZE = {"width": 250, "height": 80}
FLOODS = {
    "clear-screen": "while :; do printf '\\e[2J\\e[H'; done",
    "insert-line": "while :; do printf '\\e[2;79r\\e[3H\\e[999L\\e[999M\\e[999S'; done",
    "align-and-reset": "while :; do printf '\\e#8\\ec'; done",
    "colour": ("while :; do printf '\\e[38;5;%dm\\e[48;5;%dm#\\e[38;2;%d;%d;%dmX' "
               "$((RANDOM%256)) $((RANDOM%256)) $((RANDOM%256)) $((RANDOM%256)) "
               "$((RANDOM%256)); done"),
}
FLOODING = 4.0  # seconds the flood runs before the key: every buffer on the way is full
BOUND = 1.0  # seconds: the bound for the end key under any output


def flood(friend: Pane, command: str) -> None:
    """The friend starts ``command`` in the shared shell and lets it run a while."""
    friend.type(command)
    friend.wait_for("done", timeout=15)
    friend.send("Enter")
    time.sleep(FLOODING)


def timed(pane: Pane, key: str, pattern: str) -> float:
    started = time.monotonic()
    pane.send(key)
    pane.wait_for(pattern, timeout=30)
    return time.monotonic() - started


def _processes() -> dict[int, tuple[int, int, int]]:
    """Every process: (parent, terminal, user id)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
                found[int(entry.name)] = (int(fields[1]), int(fields[4]), entry.stat().st_uid)
            except (OSError, IndexError, ValueError):
                continue
    return found


def program_pid(pane: Pane) -> int:
    """The remote-help process under the pane's wrapper (and runuser, for the friend)."""
    processes = _processes()
    found = []
    todo = [pane.pid()]
    while todo:
        pid = todo.pop()
        for child, (parent, _, _) in processes.items():
            if parent == pid:
                todo.append(child)
                try:
                    cmdline = (Path("/proc") / str(child) / "cmdline").read_bytes()
                except OSError:
                    continue
                if b"remote_help" in cmdline and b"runuser" not in cmdline:
                    found.append(child)
    assert len(found) >= 1, f"no remote-help process under pane {pane.name}"
    return min(found)


def shared_shell(program: int) -> set[int]:
    """The friend's processes on a terminal other than the program's own: the shared
    shell and what it runs (the friend is a throwaway user)."""
    processes = _processes()
    _, terminal, user = processes[program]
    return {pid for pid, (_, tty, uid) in processes.items()
            if uid == user and tty not in (0, terminal)}


def close(pane: Pane, status: str = "EXITED") -> None:
    """Q on the ending page closes the program: pressed once. The page shows at once,
    while the program still closes its connection (up to 3 s when a flood fills it); a Q
    pressed meanwhile is kept until then."""
    pane.send("q")
    pane.wait_for(status, timeout=10)


def close_helper(helper: Pane) -> None:
    """The friend ended it. A helper far behind a flood (its reading paused while its
    view catches up) may not have read the friend's goodbye yet: it ends its side."""
    try:
        helper.wait_for("Your friend ended the session.", timeout=10)
    except AssertionError:
        helper.send("F10")
        helper.wait_for("ended the session|The connection was lost", timeout=10)
    close(helper)




@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("tmux", [SIZE], indirect=True)
@pytest.mark.parametrize("kind", FLOODS)
def test_ctrl_alt_c_ends_it_within_a_second_under_a_flood(
        world: support.World, tmux: Tmux, kind: str) -> None:
    helper, friend = connect(tmux, world, "xterm-256color", "C.UTF-8")
    flood(friend, FLOODS[kind])
    elapsed = timed(friend, "M-C-c", "Help has ended: you ended it.")
    assert elapsed <= BOUND, f"Ctrl+Alt+C took {elapsed:.2f} s under the {kind} flood"
    print(f"MEASURED friend Ctrl+Alt+C {kind} {SIZE['width']}x{SIZE['height']}: "
          f"{elapsed:.3f} s")
    close(friend, "EXITED 0")
    close_helper(helper)


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("tmux", [SIZE], indirect=True)
@pytest.mark.parametrize("kind", ["clear-screen", "insert-line"])
def test_the_helpers_f10_ends_it_within_a_second_while_the_friend_floods(
        world: support.World, tmux: Tmux, kind: str) -> None:
    """The friend's output reaches the helper's emulator too (and, once the helper falls
    behind, catch-up snapshots with whatever is not parsed yet)."""
    helper, friend = connect(tmux, world, "xterm-256color", "C.UTF-8")
    flood(friend, FLOODS[kind])
    elapsed = timed(helper, "F10", "You ended the session.")
    friend.wait_for("Your helper ended the session.", timeout=30)
    assert elapsed <= BOUND, f"F10 took {elapsed:.2f} s under the {kind} flood"
    print(f"MEASURED helper F10 {kind} {SIZE['width']}x{SIZE['height']}: {elapsed:.3f} s")
    close(helper, "EXITED 0")
    close(friend, "EXITED 0")


@pytest.mark.root
@pytest.mark.parametrize("tmux", [SIZE], indirect=True)
@pytest.mark.parametrize(("side", "signum"), [("friend", signal.SIGTERM),
                                              ("friend", signal.SIGHUP),
                                              ("helper", signal.SIGTERM),
                                              ("helper", signal.SIGHUP)])
@pytest.mark.timed
def test_a_signal_stops_it_within_a_second_under_a_flood(
        world: support.World, tmux: Tmux, side: str, signum: int) -> None:
    """The window closed (SIGHUP) or the system shuts down (SIGTERM) while the shell
    floods: within a second, the friend's shell is ended (the friend's side) or the
    program has stopped (the helper's, which has no shell). The friend's program then
    lets its channel drain for a moment (up to 3 s, as at any end) before it exits."""
    helper, friend = connect(tmux, world, "xterm-256color", "C.UTF-8")
    pane = friend if side == "friend" else helper
    pid = program_pid(pane)
    flood(friend, FLOODS["clear-screen"])
    shell = shared_shell(program_pid(friend))
    assert shell, "the shared shell was not found"
    name = signal.Signals(signum).name
    started = time.monotonic()
    os.kill(pid, signum)
    if side == "friend":
        while shell & set(_processes()) and time.monotonic() - started < 30:
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        assert not shell & set(_processes()), "the shared shell outlived the program"
    pane.wait_for("remote-help was stopped, so the session has ended.", timeout=30)
    stopped = time.monotonic() - started
    if side == "helper":
        elapsed = stopped
    pane.wait_for("EXITED 1")
    assert elapsed <= BOUND, f"{name} took {elapsed:.2f} s to act"
    print(f"MEASURED {side} {name} clear-screen: acted {elapsed:.3f} s, stopped "
          f"{stopped:.3f} s")
    other = helper if side == "friend" else friend
    if other is helper:
        close_helper(helper)
    else:
        other.wait_for("ended the session|The connection was lost", timeout=30)
        close(other)
