"""Where full screen cannot work, the program says why in one line and asks line by line."""

from __future__ import annotations

import re

import pytest

from tests import support


@pytest.mark.parametrize(("term", "reason"), [
    ("dumb", "this terminal is too simple for it"),
    ("no-such-terminal-here", "this computer does not know this kind of terminal, "
                              "'no-such-terminal-here'"),
])
def test_unusable_terminal_falls_back_to_plain(world: support.World, term: str,
                                               reason: str) -> None:
    program = world.start(world.account(), "friend", plain=False, cols=60,
                          extra_env={"TERM": term})
    words = (f"remote-help: full screen is not possible ({reason}), so the questions come "
             "one line at a time.")
    # Broken between words at the terminal's width (60 here), never in the middle of one.
    program.expect(r"\s+".join(re.escape(word) for word in words.split()))
    lines = program.output.replace("\r", "").split("\n")
    assert all(len(line) <= 60 for line in lines), lines
    program.expect("Continue\\?")
    program.sendline("n")
    program.expect("Cancelled. Nothing was shared.")
    assert program.wait_exit() == 1
    assert "Traceback" not in program.output


def test_plain_forces_line_mode_without_a_word_about_it(world: support.World) -> None:
    program = world.start(world.account(), "friend", "--plain")
    program.expect("Continue\\?")
    assert "full screen" not in program.output
    program.sendline("n")
    assert program.wait_exit() == 1


def test_a_real_terminal_gets_full_screen(world: support.World) -> None:
    program = world.start(world.account(), "friend", plain=False, cols=80, rows=24)
    program.expect("Step 1 of 7")
    program.expect("Only continue if YOU phoned someone you know.")
    program.send("q")
    program.expect("Cancelled. Nothing was shared.")
    assert program.wait_exit() == 1
    assert "Traceback" not in program.output
