"""The whole journey in the full-screen UI: the real helper and friend programs in two tmux
panes on loopback, driven only by keystrokes, read only from their screens."""

from __future__ import annotations

import os
import re
import sys

import pytest

from tests import support
from tests.tui import Pane, Tmux

CODE = re.compile(r"Read these five words to your friend, slowly:\s+((?:[A-Z]+ +){4}[A-Z]+)")
ANSWER = re.compile(r"^42\s*$", re.MULTILINE)
# After the program exits, the pane says whether the terminal modes are as they were.
WRAPPER = ('before=$(stty -g); "$@"; status=$?; after=$(stty -g); '
           'if [ "$before" = "$after" ]; then echo "MODES RESTORED"; '
           'else echo "MODES CHANGED"; fi; echo "EXITED $status"; exec sleep 600')


def launch(tmux: Tmux, world: support.World, account: support.Account, *args: str,
           term: str, lang: str) -> Pane:
    env = account.env(PYTHONPATH=str(support.program_source()), LANG=lang, TERM=term)
    # The second CI leg runs the programs on urwid 5 too, from its own venv.
    python = os.environ.get("REMOTE_HELP_TEST_PYTHON") or (
        support.SYSTEM_PYTHON if account.as_other_user else sys.executable)
    argv = [python, "-m", "remote_help", *args]
    if account.as_other_user:
        argv = ["runuser", "-u", account.name, "--", "env", "-i",
                *(f"{k}={v}" for k, v in env.items()), *argv]
    pane = tmux.pane(["sh", "-c", WRAPPER, "sh", *argv], env, term=term, name=account.name)
    world.other_sessions.add(pane.pid())
    return pane


def journey(world: support.World, term: str, lang: str) -> None:
    port = support.free_port()
    world.ports.append(port)
    with Tmux(width=80, height=24) as tmux:
        helper = launch(tmux, world, world.account(), "helper", "--port", str(port),
                        "--bind", "127.0.0.1", term=term, lang=lang)
        friend = launch(tmux, world, world.account(world.user()), "--port", str(port),
                        term=term, lang=lang)
        # Helper: the welcome, then what the friend must know, then waiting.
        helper.wait_for("Step 1 of 7")
        helper.send("c")
        helper.wait_for("What your friend must know")
        helper.send("Enter")
        helper.wait_for("Waiting for your friend to connect")
        # Friend: the warning, the role, the helper's address.
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Who are you?")
        friend.send("n")
        friend.wait_for("Address:")
        friend.type("127.0.0.1")
        friend.wait_for("Address: +127.0.0.1_")
        friend.send("Enter")
        # The code: read from the helper's screen, typed on the friend's.
        words = helper.wait_for(CODE).group(1).split()
        friend.wait_for("Type the first letter of each word you hear.")
        friend.type(support.first_letters(words).lower())
        friend.send("Enter")
        friend.wait_for("CORRECT")
        helper.send("y")
        # Connected: both status lines say how to end it.
        friend.wait_for(r"To end help, press Ctrl\+Alt\+C\.", timeout=30)
        helper.wait_for(r"Ctrl\+Alt\+C or F10 ends the session", timeout=30)
        friend.wait_for(r"\$ ?$|# ?$|\$ ", timeout=15)  # the shell's prompt
        helper.type("echo $((6*7))")
        helper.send("Enter")
        helper.wait_for(ANSWER)
        friend.wait_for(ANSWER)
        # The friend ends it: both are told at once; the friend's shell is gone.
        friend.send("M-C-c")
        friend.wait_for("Help has ended: you ended it.", timeout=5)
        helper.wait_for("Your friend ended the session.", timeout=5)
        friend.send("q")
        helper.send("q")
        for pane in (friend, helper):
            pane.wait_for("EXITED 0")
            pane.wait_for("MODES RESTORED")
        assert "Traceback" not in friend.screen() + helper.screen()


@pytest.mark.root
def test_full_journey_in_two_tmux_panes(world: support.World) -> None:
    journey(world, term="xterm-256color", lang="C.UTF-8")


@pytest.mark.root
def test_full_journey_on_a_linux_console_in_the_c_locale(world: support.World) -> None:
    journey(world, term="linux", lang="C")
