"""Nothing behind the friend's back, with the friend in the full-screen UI (tmux) and a
hostile helper (the real program, its session driven by a script: hostile_helper.py)."""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from tests import support, tui
from tests.e2e.test_ui import connect
from tests.hostile.test_hidden import FLOOD, HOSTILE, mark
from tests.tui import Pane, Tmux

tmux = tui.tmux


def hostile_panes(tmux: Tmux, world: support.World,
                  steps: list[list[Any]]) -> tuple[Pane, Pane]:
    script = world.base / f"script-{secrets.token_hex(3)}.json"
    script.write_text(json.dumps(steps))
    script.chmod(0o644)
    return connect(tmux, world, "xterm-256color", "C.UTF-8",
                   helper_program=(str(HOSTILE), str(script)))


def both_close(helper: Pane, friend: Pane) -> None:
    """After the helper ended it: both people press Q, and both programs exit."""
    friend.send("q")
    helper.send("q")
    friend.wait_for("EXITED 0")
    helper.wait_for("EXITED")


@pytest.mark.root
@pytest.mark.parametrize("tmux", [{"width": 100, "height": 30}], indirect=True)
def test_a_command_behind_a_flood_and_two_interrupts_is_on_the_friends_screen(
        world: support.World, tmux: Tmux) -> None:
    proof: Path = mark(world)
    command = f"touch {proof}; echo HIDDEN-$((6*7))"
    steps = [["sleep", 2], ["stall", None], ["keys", FLOOD + "sleep 1000\r"], ["sleep", 5],
             ["keys", "\x03"], ["sleep", 0.5], ["keys", command + "\r"], ["sleep", 0.5],
             ["keys", "\x03"], ["sleep", 8], ["end", None]]
    helper, friend = hostile_panes(tmux, world, steps)
    friend.wait_for(command.replace("$", r"\$").replace("(", r"\(").replace(")", r"\)")
                    .replace("*", r"\*"), timeout=30)
    friend.wait_for(re.compile(r"^HIDDEN-42\s*$", re.MULTILINE), timeout=10)
    # The status line (which the shell cannot reach) showed the helper's keys too.
    friend.wait_for(r"Your helper typed: .*\[Ctrl\+C\]", timeout=5)
    friend.wait_for("Your helper ended the session", timeout=30)
    # What happened just before the end stays in view: what the helper typed, and the
    # shared terminal's last rows.
    friend.wait_for("The last things your helper typed:")
    friend.wait_for(re.escape(f"[Ctrl+C]{command}[Enter]"))
    friend.wait_for(re.compile(r"The shared terminal when help ended:(.|\n)*HIDDEN-42"))
    assert proof.exists()
    both_close(helper, friend)


@pytest.mark.root
def test_keys_the_shell_does_not_echo_are_on_the_friends_status_line(
        world: support.World, tmux: Tmux) -> None:
    proof = mark(world)
    steps = [["sleep", 2], ["keys", "stty -echo; cat | sh\r"], ["sleep", 0.5],
             ["keys", f"touch {proof}\r"], ["sleep", 6], ["keys", "\x04"], ["sleep", 0.5],
             ["end", None]]
    helper, friend = hostile_panes(tmux, world, steps)
    friend.wait_for(rf"Your helper typed: .*{proof.name}\[Enter\]", timeout=30)
    friend.wait_for("Your helper ended the session", timeout=30)
    assert proof.exists()
    both_close(helper, friend)


@pytest.mark.timed
@pytest.mark.root
def test_a_storm_of_interrupt_keys_does_not_hold_up_the_full_screen_end(
        world: support.World, tmux: Tmux) -> None:
    """64 KiB of Ctrl+C in one message held the friend's loop for seconds (each key redrew
    the status line); the friend's Ctrl+Alt+C must still end it within about a second."""
    steps = [["sleep", 2], ["keys", "\x03" * 65536], ["sleep", 60]]
    helper, friend = hostile_panes(tmux, world, steps)
    friend.wait_for(r"Your helper typed: .*\[Ctrl\+C\]", timeout=30)
    started = time.monotonic()
    friend.send("M-C-c")
    friend.wait_for("Help has ended", timeout=30)
    elapsed = time.monotonic() - started
    assert elapsed <= 1.5, f"Ctrl+Alt+C took {elapsed:.2f} s"  # tmux's polling included
    friend.send("q")
    helper.wait_for("Your friend ended the session", timeout=30)
    helper.send("q")
    friend.wait_for("EXITED 0")
    helper.wait_for("EXITED")
