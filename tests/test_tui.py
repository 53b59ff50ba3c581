"""The tmux harness delivers keys and sizes as a terminal would."""

from __future__ import annotations

import re

import pytest

from tests.tui import Tmux

SHOW = ("import os, sys, termios, tty; tty.setraw(0); "
        "print(os.environ['TERM'], os.get_terminal_size(), end='\\r\\n', flush=True); "
        "print(os.read(0, 100), end='\\r\\n', flush=True)")


@pytest.mark.parametrize(("keys", "literal", "expected"), [
    (("M-C-c",), False, rb"b'\x1b\x03'"),
    (("F10",), False, rb"b'\x1b[21~'"),
    (("Enter",), False, rb"b'\r'"),
    ((), True, rb"b'caf\xc3\xa9'"),
])
@pytest.mark.parametrize("term", ["xterm-256color", "linux"])
def test_keys_arrive_as_bytes(term: str, keys: tuple[str, ...], literal: bool,
                              expected: bytes) -> None:
    with Tmux(width=80, height=24) as tmux:
        pane = tmux.pane(["/usr/bin/python3", "-c", SHOW], {"LANG": "C.UTF-8",
                                                           "PATH": "/usr/bin:/bin"},
                         term=term)
        pane.wait_for(re.escape(f"{term} os.terminal_size(columns=80, lines=24)"))
        if literal:
            pane.type("café")
        else:
            pane.send(*keys)
        pane.wait_for(re.escape(expected.decode()))
        assert pane.flags()["alternate_on"] == "0"


def test_the_server_is_gone_after_close() -> None:
    tmux = Tmux()
    with tmux:
        tmux.pane(["sleep", "100"], {"PATH": "/usr/bin:/bin"})
    assert tmux.run("list-sessions", check=False) == ""


def test_two_panes_each_have_the_size_asked_for() -> None:
    with Tmux(width=80, height=24) as tmux:
        first = tmux.pane(["sh", "-c", "stty size; sleep 30"], {"PATH": "/usr/bin:/bin"})
        second = tmux.pane(["sh", "-c", "stty size; sleep 30"], {"PATH": "/usr/bin:/bin"})
        first.wait_for("24 80")
        second.wait_for("24 80")
