"""The full-screen UI when things go wrong around it: a closed window, a tiny window."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests import support


def wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"{pid} still runs")


def helper_waiting(world: support.World) -> tuple[int, support.Program]:
    """A full-screen helper walked to step 4, waiting on loopback."""
    port = support.free_port()
    world.ports.append(port)
    program = world.start(world.account(), "helper", "--port", str(port), "--bind",
                          "127.0.0.1", plain=False, cols=80, rows=24)
    program.expect("Step 1 of 7")
    program.send("c")
    program.expect("What your friend must know")
    program.send("\r")
    program.expect("Waiting for your friend to connect")
    return port, program


@pytest.mark.parametrize("how", ["close", "sighup"])
def test_closing_the_window_while_waiting_leaves_nothing(world: support.World,
                                                        how: str) -> None:
    _, program = helper_waiting(world)
    pid = program.child.pid
    if how == "close":
        program.child.close(force=False)  # the terminal window goes away
    else:
        os.kill(pid, signal.SIGHUP)
        program.expect("Cancelled. Nothing was shared.")
        assert program.wait_exit() == 1
    wait_gone(pid)
    # the fixture checks: no process, no listening port, no session directory


def test_a_tiny_window_asks_to_be_bigger_then_carries_on(world: support.World) -> None:
    program = world.start(world.account(), "friend", plain=False, cols=40, rows=12)
    program.expect("Please make this window bigger.")
    program.child.setwinsize(24, 80)
    program.expect("Only continue if YOU phoned someone you know.")
    program.send("q")
    program.expect("Cancelled. Nothing was shared.")
    assert program.wait_exit() == 1


def test_back_from_waiting_closes_everything_and_the_details_come_back(
        world: support.World) -> None:
    port, program = helper_waiting(world)
    assert support._listening(port)
    program.send("b")
    program.expect("What your friend must know")
    deadline = time.monotonic() + 5
    while support._listening(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not support._listening(port)  # stepping back closed the door
    program.send("q")
    program.expect("Cancelled. Nothing was shared.")
    assert program.wait_exit() == 1
