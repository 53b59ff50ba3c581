"""The tmux harness: the exact bytes a program gets for each key, pane sizes, environments,
exits, failure messages, and no server left behind."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import tui
from tests.tui import Pane, Tmux

tmux = tui.tmux  # the fixture; an imported name would trip ruff's F811 on every test

PATH = {"PATH": "/usr/bin:/bin"}
END = ("C-g", "C-g")  # what the reader stops at
# Reads the keyboard in raw mode until Ctrl+G twice; writes what arrived, and what it was
# given (its environment exactly as exec passed it, before Python's C-locale coercion).
READER = r"""
import json, os, subprocess, sys, termios, tty
out, mode = sys.argv[1], sys.argv[2]
raw = open("/proc/self/environ", "rb").read().split(b"\0")[:-1]
env = dict(item.decode().split("=", 1) for item in raw)
charmap = subprocess.run(["locale", "charmap"], env=env, capture_output=True, text=True)
size = os.get_terminal_size(0)
info = {"env": env, "size": [size.columns, size.lines], "pid": os.getpid(),
        "charmap": charmap.stdout.strip()}
with open(out + ".json", "w") as f:
    json.dump(info, f)
tty.setraw(0)
if mode == "app":  # application cursor keys and bracketed paste, as full-screen programs ask
    os.write(1, b"\x1b[?1h\x1b[?2004h")
os.write(1, b"READY\r\n")
data = b""
while not data.endswith(b"\x07\x07"):
    data += os.read(0, 65536)
with open(out, "wb") as f:
    f.write(data[:-2])
os.write(1, b"DONE\r\n")
"""


class Reader:
    """A pane whose program records the exact bytes its keyboard delivers."""

    def __init__(self, tmux: Tmux, tmp_path: Path, *, term: str = "xterm-256color",
                 env: dict[str, str] | None = None, mode: str = "plain") -> None:
        self.out = tmp_path / f"keys-{len(tmux.panes)}"
        self.pane = tmux.pane([sys.executable, "-c", READER, str(self.out), mode],
                              env if env is not None else PATH, term=term, name="reader")
        self.pane.wait_for("READY")

    def info(self) -> dict[str, object]:
        result: dict[str, object] = json.loads(self.out.with_suffix(".json").read_text())
        return result

    def received(self) -> bytes:
        self.pane.send(*END)
        self.pane.wait_for("DONE")
        return self.out.read_bytes()


# -- keys -----------------------------------------------------------------------------------

NAMED_KEYS = [
    ("Enter", b"\r"), ("Escape", b"\x1b"), ("Tab", b"\t"), ("BTab", b"\x1b[Z"),
    ("BSpace", b"\x7f"), ("Space", b" "), ("C-c", b"\x03"), ("^C", b"\x03"),
    ("C-Space", b"\x00"), ("C-@", b"\x00"), ("C-?", b"\x7f"), ("C-\\", b"\x1c"),
    ("M-C-c", b"\x1b\x03"), ("C-M-c", b"\x1b\x03"), ("M-a", b"\x1ba"), ("M-Enter", b"\x1b\r"),
    ("Up", b"\x1b[A"), ("Down", b"\x1b[B"), ("Right", b"\x1b[C"), ("Left", b"\x1b[D"),
    ("Home", b"\x1b[1~"), ("End", b"\x1b[4~"), ("IC", b"\x1b[2~"), ("DC", b"\x1b[3~"),
    ("PPage", b"\x1b[5~"), ("NPage", b"\x1b[6~"), ("S-Up", b"\x1b[1;2A"),
    ("C-Up", b"\x1b[1;5A"),
    ("F1", b"\x1bOP"), ("F2", b"\x1bOQ"), ("F3", b"\x1bOR"), ("F4", b"\x1bOS"),
    ("F5", b"\x1b[15~"), ("F9", b"\x1b[20~"), ("F10", b"\x1b[21~"), ("F12", b"\x1b[24~"),
    ("M-F10", b"\x1b[21;3~"), ("y", b"y"), ("Y", b"Y"), (";", b";"), ("-", b"-"),
]


@pytest.mark.parametrize("term", ["xterm-256color", "linux"])
def test_each_named_key_arrives_as_these_bytes(tmux: Tmux, tmp_path: Path, term: str) -> None:
    """The same bytes whatever TERM says: tmux encodes keys as xterm does (F1 under a real
    Linux console would be ESC [ [ A)."""
    reader = Reader(tmux, tmp_path, term=term)
    for name, _ in NAMED_KEYS:
        reader.pane.send(name)
    assert reader.received() == b"".join(sent for _, sent in NAMED_KEYS)


def test_several_keys_in_one_send(tmux: Tmux, tmp_path: Path) -> None:
    reader = Reader(tmux, tmp_path)
    reader.pane.send("y", "Enter", "M-C-c", "F10")
    assert reader.received() == b"y\r\x1b\x03\x1b[21~"


TEXTS = ["127.0.0.1", "café ✓ 日本", ";", "a;", "a\\;", "\\", "-x", "--", "-l", "{", "}",
         "#{pane_id}", "$HOME", "'\"`", "~", "a b\tc\nd\re", "\x1b\x03", "Enter", "C-c"]


@pytest.mark.parametrize("term", ["xterm-256color", "linux"])
def test_typed_text_arrives_byte_for_byte(tmux: Tmux, tmp_path: Path, term: str) -> None:
    """Including what tmux's own command parser would otherwise take: a trailing ";",
    a leading "-", and key names."""
    reader = Reader(tmux, tmp_path, term=term)
    for text in TEXTS:
        reader.pane.type(text)
    assert reader.received() == "".join(TEXTS).encode()


def test_a_long_paste_arrives_whole(tmux: Tmux, tmp_path: Path) -> None:
    """Longer than tmux takes in one command (about 16 KiB), and split mid-way in UTF-8."""
    text = ("0123456789abcdéf✓" * 3000)[:40_001]
    reader = Reader(tmux, tmp_path)
    reader.pane.type(text)
    assert reader.received() == text.encode()


def test_paste_is_bracketed_only_when_asked_and_newlines_become_returns(
        tmux: Tmux, tmp_path: Path) -> None:
    plain = Reader(tmux, tmp_path)
    plain.pane.paste("one\ntwo")
    assert plain.received() == b"one\rtwo"
    asking = Reader(tmux, tmp_path, mode="app")
    asking.pane.paste("one\ntwo")
    assert asking.received() == b"\x1b[200~one\rtwo\x1b[201~"


def test_application_cursor_keys_when_the_program_asks(tmux: Tmux, tmp_path: Path) -> None:
    reader = Reader(tmux, tmp_path, term="linux", mode="app")
    reader.pane.send("Up", "Down", "Home", "F10", "M-C-c")
    assert reader.received() == b"\x1bOA\x1bOB\x1b[1~\x1b[21~\x1b\x03"


@pytest.mark.parametrize("key", ["S-Tab", "S-Enter", "S-a", "C-Enter", "C-Tab", "C-1",
                                 "C-é", "Enterr", "hello", "C-", "F13", ""])
def test_keys_tmux_would_type_as_text_or_drop_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="would not send"):
        tui._check_key(key)


def test_a_nul_cannot_be_typed() -> None:
    pane = Pane(Tmux(), "%0", "nobody")
    with pytest.raises(ValueError, match="C-Space"):
        pane.type("a\0b")


# -- what the program is given ------------------------------------------------------------

@pytest.mark.parametrize(("term", "lang", "charmap"), [
    ("xterm-256color", "C.UTF-8", "UTF-8"),
    ("linux", "C", "ANSI_X3.4-1968"),
])
def test_the_program_gets_exactly_its_environment_and_size(
        tmux: Tmux, tmp_path: Path, term: str, lang: str, charmap: str) -> None:
    env = {**PATH, "LANG": lang, "HOME": str(tmp_path), "WITH SPACE": "a b=c"}
    reader = Reader(tmux, tmp_path, term=term, env=env)
    info = reader.info()
    assert info["env"] == {**env, "TERM": term}  # nothing of tmux's (TMUX, TMUX_PANE...)
    assert info["size"] == [80, 24]
    assert info["charmap"] == charmap
    assert info["pid"] == reader.pane.pid()
    assert tmux.run("show-options", "-gv", "default-terminal").strip() == term


def test_the_environment_must_be_unambiguous() -> None:
    server = Tmux()
    with pytest.raises(ValueError, match="TERM"):
        server.pane(["true"], {"TERM": "xterm"}, term="linux")
    with pytest.raises(ValueError, match="environment"):
        server.pane(["true"], {"A=B": "c"})
    with pytest.raises(ValueError, match="env"):
        server.pane(["X=1"], PATH)
    assert not server.panes
    server.close()


WINCH_COUNTER = r"""
import os, signal, sys, time
signal.signal(signal.SIGWINCH, lambda *_: print("WINCH", os.get_terminal_size(), flush=True))
print("SIZE", *os.get_terminal_size(), flush=True)
time.sleep(60)
"""


def test_every_pane_has_the_size_and_adding_one_resizes_no_other(tmux: Tmux) -> None:
    first = tmux.pane([sys.executable, "-c", WINCH_COUNTER], PATH, name="first")
    first.wait_for("SIZE 80 24")
    others = [tmux.pane(["sh", "-c", "stty size; exec sleep 60"], PATH)
              for _ in range(tui.MAX_PANES - 1)]
    for pane in others:
        pane.wait_for("24 80")
        assert pane.size() == (80, 24)
    assert first.size() == (80, 24)
    time.sleep(0.3)
    assert "WINCH" not in first.screen()
    with pytest.raises(RuntimeError, match="at most"):
        tmux.pane(["true"], PATH)


@pytest.mark.parametrize("tmux", [{"width": 100, "height": 30}, {"width": 40, "height": 12}],
                         indirect=True)
def test_other_sizes_through_the_fixture(tmux: Tmux) -> None:
    one = tmux.pane(["sh", "-c", "stty size; exec sleep 60"], PATH)
    two = tmux.pane(["sh", "-c", "stty size; exec sleep 60"], PATH)
    for pane in (one, two):
        pane.wait_for(f"{tmux.height} {tmux.width}")
        assert len(pane.lines()) == tmux.height


# -- programs that end, and failures that explain themselves -------------------------------

def test_an_ended_program_keeps_its_screen_and_status(tmux: Tmux) -> None:
    done = tmux.pane(["sh", "-c", "echo bye; exit 3"], PATH)
    killed = tmux.pane(["sh", "-c", "echo ouch; kill -TERM $$"], PATH)
    running = tmux.pane(["sleep", "60"], PATH)
    assert done.wait_dead() == 3
    assert killed.wait_dead() == 128 + 15
    assert done.dead() and killed.dead()
    # tmux may notice the end before it has read the last output (seen under load in CI):
    # wait_for allows the same grace that every test's look at an ended program has.
    done.wait_for(re.compile(r"\Abye$", re.MULTILINE))
    killed.wait_for(re.compile(r"\Aouch$", re.MULTILINE))
    assert done.lines()[0] == "bye" and killed.lines()[0] == "ouch"
    assert not running.dead() and running.exit_status() is None


FULL_SCREEN = "i=1; while [ $i -lt 24 ]; do echo line $i; i=$((i+1)); done; printf 'line 24'"


@pytest.mark.parametrize("ending", ["exit 5", "sleep 0.2; exit 5", "(sleep 0.3 &); exit 5",
                                    "exec 1>&-; sleep 0.2; exit 5"])
def test_the_last_screen_is_the_one_the_program_left(tmux: Tmux, ending: str) -> None:
    """Whichever tmux notices first, the exit or the end of the output (which decides
    whether it scrolls the screen to write its message), the screen reads the same."""
    panes = [tmux.pane(["sh", "-c", f"{FULL_SCREEN}; {ending}"], PATH)
             for _ in range(tui.MAX_PANES)]
    for pane in panes:
        assert pane.wait_dead() == 5
        pane.wait_for("line 24")
        time.sleep(0.3)
        assert pane.lines() == [f"line {n}" for n in range(1, 25)], pane.describe()


def test_wait_for_fails_showing_the_screen(tmux: Tmux) -> None:
    pane = tmux.pane(["sh", "-c", "echo 'Step 1 of 7'; exec sleep 60"], PATH, name="friend")
    assert pane.wait_for(r"Step (\d) of 7").group(1) == "1"
    with pytest.raises(AssertionError) as failure:
        pane.wait_for("Step 2 of 7", timeout=0.3)
    message = str(failure.value)
    assert "'Step 2 of 7' did not appear on friend's screen: 0.3 s passed" in message
    assert "friend (running):" in message
    assert "|Step 1 of 7" + " " * 69 + "|" in message  # the whole screen, framed
    assert message.count("\n|") == 24


def test_wait_for_gives_up_as_soon_as_the_program_has_ended(tmux: Tmux) -> None:
    pane = tmux.pane(["sh", "-c", "echo almost; exit 1"], PATH)
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"the program ended(.|\n)*exit status 1"):
        pane.wait_for("never", timeout=20)
    assert time.monotonic() - started < 5
    assert pane.wait_for("almost")  # what is on the last screen is still found


def test_wait_gone(tmux: Tmux) -> None:
    pane = tmux.pane(["sh", "-c", "echo busy; sleep 0.5; clear; echo ready; exec sleep 60"],
                     PATH)
    pane.wait_for("busy")
    pane.wait_gone("busy", timeout=5)
    with pytest.raises(AssertionError, match="'ready' still on"):
        pane.wait_gone("ready", timeout=0.2)


# -- no server left behind ----------------------------------------------------------------

def server_alive(server: Tmux) -> bool:
    return subprocess.run([*server.command, "list-sessions"], capture_output=True,
                          check=False).returncode == 0


def test_close_ends_the_server_its_programs_and_its_socket() -> None:
    server = Tmux()
    with server:
        pid = server.pane(["sleep", "60"], PATH).pid()
        assert server_alive(server)
        assert os.path.exists(server.socket_path)
    assert not server_alive(server)
    assert not os.path.exists(server.socket_path)
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{pid}")
    server.close()  # again: nothing happens


def test_a_failing_block_ends_the_server_and_shows_the_screens(
        capsys: pytest.CaptureFixture[str]) -> None:
    server = Tmux()
    with pytest.raises(ZeroDivisionError), server:
        server.pane(["sh", "-c", "echo helper screen; exec sleep 60"], PATH, name="helper")
        server.panes[0].wait_for("helper screen")
        _ = 1 / 0
    assert not server_alive(server)
    assert re.search(r"helper \(running\):\n\+-+\+\n\|helper screen", capsys.readouterr().out)


def test_a_failed_start_leaves_no_server() -> None:
    server = Tmux(width=80, height=24)
    with pytest.raises(RuntimeError), server:
        server.run("no-such-command")
    assert not server_alive(server)
    with server:
        server.pane(["sleep", "60"], PATH)
    assert not server_alive(server)
