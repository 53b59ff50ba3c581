"""Issue 11, "Every screen readable everywhere": the real programs in tmux panes, read from
their screens as a person reads them (one test per row of the issue's section)."""

from __future__ import annotations

import re
import time

import pytest

from tests import support
from tests.e2e.test_ui import CODE, PROMPT, launch
from tests.tui import Pane, Tmux

LANG = "C.UTF-8"
SGR = re.compile(r"\x1b\[([0-9;]*)m")
# The shell's prompt: a line ending in $ or #, not one of the big letters' rows.
SHELL = re.compile(r"^(?![#\s]*$).*[$#] *$", re.MULTILINE)


def _port(world: support.World) -> int:
    port = support.free_port()
    world.ports.append(port)
    return port


def attributes_at(escaped_line: str, index: int) -> set[str]:
    """The SGR parameters in force at ``index`` of a ``capture-pane -e`` line."""
    params: set[str] = set()
    for match in SGR.finditer(escaped_line[:index]):
        codes = match.group(1).split(";") if match.group(1) else ["0"]
        for code in codes:
            if code in ("", "0"):
                params.clear()
            else:
                params.add(code)
    return params


def escaped(pane: Pane) -> list[str]:
    return pane.tmux.run("capture-pane", "-p", "-e", "-t", pane.target).split("\n")


def background(params: set[str]) -> bool:
    """Whether one of ours: a background colour of its own (40-47), or reverse video."""
    return any(p in {*(str(n) for n in range(40, 48)), "7"} for p in params)


# -- row 1: the scam warning and the key letters have a background of their own ---------


@pytest.mark.root
@pytest.mark.parametrize("term", ["xterm-256color", "linux"])
def test_the_warning_and_the_keys_carry_their_own_background(world: support.World,
                                                              term: str) -> None:
    """On a white terminal, text in a colour on the terminal's own background was yellow on
    white; each coloured part now says its background too (the contrast of every style
    is computed in tests/ui/test_contrast.py)."""
    with Tmux(width=80, height=24) as tmux:
        friend = launch(tmux, world, world.account(), "friend", "127.0.0.1", term=term,
                        lang=LANG)
        friend.wait_for("Only continue if YOU phoned someone you know.")
        lines = escaped(friend)
        for words in ("Only continue if YOU phoned", "Banks, Microsoft"):
            line = next(line for line in lines if words in line)
            assert background(attributes_at(line, line.index(words))), repr(line)
        press = next(line for line in lines if "to continue, or" in line)
        key = re.search(r"Press (?:\x1b\[[0-9;]*m)+C", press)
        assert key is not None, repr(press)
        assert background(attributes_at(press, key.end() - 1)), repr(press)
        friend.send("q")
        friend.wait_for("EXITED 1")


# -- row 2: line mode fits the real width, warning first ---------------------------------


def joined_lines(pane: Pane) -> list[str]:
    """Everything the pane showed (its history too), with the lines the terminal itself
    wrapped joined again: a line longer than the pane was broken by the terminal."""
    out = pane.tmux.run("capture-pane", "-p", "-J", "-S", "-", "-t", pane.target)
    return [line.rstrip() for line in out.split("\n")]


@pytest.mark.root
@pytest.mark.parametrize("width", [80, 60])
def test_line_mode_breaks_lines_between_words_at_the_real_width(world: support.World,
                                                                width: int) -> None:
    port = _port(world)
    with Tmux(width=width, height=60) as tmux:
        helper = launch(tmux, world, world.account(), "helper", "--port", str(port), "--bind",
                        "127.0.0.1", "--plain", term="xterm-256color", lang=LANG)
        friend = launch(tmux, world, world.account(), "--port", str(port), "--plain",
                        term="xterm-256color", lang=LANG)
        helper.wait_for("Waiting for your friend to connect")
        friend.wait_for(r"Continue\? Type y")
        assert "Who are you?" not in friend.screen()  # the warning comes first
        friend.type("y")
        friend.send("Enter")
        friend.wait_for("Type 1 or 2")
        friend.type("1")
        friend.send("Enter")
        friend.wait_for("Type your helper's address")
        friend.type("127.0.0.1")
        friend.send("Enter")
        words = re.search(r"Read these words to your friend:\s+((?:[A-Z]+\s+){4}[A-Z]+)",
                          "\n".join(joined_lines(helper)))
        for _ in range(200):
            if words is not None:
                break
            time.sleep(0.1)
            words = re.search(r"Read these words to your friend:\s+((?:[A-Z]+\s+){4}[A-Z]+)",
                              "\n".join(joined_lines(helper)))
        assert words is not None, helper.describe()
        friend.wait_for("Type the five letters")
        friend.type(support.first_letters(words.group(1).split()).lower())
        friend.send("Enter")
        friend.wait_for("CORRECT")
        helper.wait_for(r"\[y/n\]")
        helper.type("y")
        helper.send("Enter")
        friend.wait_for(r"To end help, press Ctrl\+Alt\+C\.", timeout=30)
        helper.wait_for(r"press Ctrl\+Alt\+C or F10", timeout=30)
        helper.type("echo $((6*7))")
        helper.send("Enter")
        friend.wait_for(re.compile(r"^42\s*$", re.M))
        friend.send("M-C-c")
        friend.wait_for("EXITED 0", timeout=15)
        helper.wait_for("EXITED 0", timeout=15)
        for pane in (friend, helper):
            lines = joined_lines(pane)
            text = "\n".join(lines)
            too_long = [line for line in lines if len(line) > width]
            assert not too_long, f"{pane.name}: longer than {width}:\n" + "\n".join(too_long)
            assert "This is really the end of the session." in " ".join(text.split())
            assert "terminal type" not in text
        friend_text = "\n".join(joined_lines(friend))
        assert friend_text.index("Only continue if YOU phoned") < friend_text.index(
            "Who are you?")
        # Whole words: the sentences that used to be cut by the terminal's edge.
        flat = " ".join(friend_text.split())
        assert "by pressing Ctrl+Alt+C." in flat
        assert "then press Enter:" in flat
        assert "can no longer see or use this computer." in flat


# -- row 3: equal windows, friend in line mode ---------------------------------------------


@pytest.mark.root
def test_a_helper_as_big_as_a_line_mode_friend_is_not_asked_for_a_bigger_window(
        world: support.World) -> None:
    port = _port(world)
    with Tmux(width=80, height=24) as tmux:
        helper = launch(tmux, world, world.account(), "helper", "--port", str(port), "--bind",
                        "127.0.0.1", term="xterm-256color", lang=LANG)
        friend = launch(tmux, world, world.account(), "friend", "127.0.0.1", "--port",
                        str(port), "--plain", term="xterm-256color", lang=LANG)
        helper.wait_for("Step 1 of 7")
        helper.send("c")
        helper.wait_for("What your friend must know")
        helper.send("Enter")
        friend.wait_for(r"Continue\?")
        friend.type("y")
        friend.send("Enter")
        words = helper.wait_for(CODE).group(1).split()
        friend.wait_for("Type the five letters")
        friend.type(support.first_letters(words).lower())
        friend.send("Enter")
        friend.wait_for("CORRECT")
        helper.send("y")
        helper.wait_for(r"Ctrl\+Alt\+C or F10 ends the session", timeout=30)
        helper.wait_for(PROMPT, timeout=15)
        helper.type("echo $((6*7))")
        helper.send("Enter")
        helper.wait_for(re.compile(r"^42\s*$", re.M))
        time.sleep(1)  # a size notice would have come with the friend's first grid
        screen = helper.screen()
        assert "bigger" not in screen, helper.describe()
        friend.send("M-C-c")
        helper.wait_for("Your friend ended the session.")
        helper.send("q")
        helper.wait_for("EXITED 0")
        friend.wait_for("EXITED 0")


# -- row 4: the step 5 title whole; the Details view scrolls and says how to close ------


@pytest.mark.root
@pytest.mark.parametrize(("width", "height"), [(60, 20), (80, 24)])
def test_the_details_view_scrolls_and_says_how_to_close(world: support.World, width: int,
                                                         height: int) -> None:
    port = _port(world)
    with Tmux(width=width, height=height) as tmux:
        helper = launch(tmux, world, world.account(), "helper", "--port", str(port), "--bind",
                        "127.0.0.1", term="xterm-256color", lang=LANG)
        friend = launch(tmux, world, world.account(), "friend", "127.0.0.1", "--port",
                        str(port), term="xterm-256color", lang=LANG)
        helper.wait_for("Step 1 of 7")
        helper.send("c")
        helper.wait_for("What your friend must know")
        helper.send("Enter")
        friend.wait_for("Only continue if YOU phoned")
        friend.send("c")  # the address came with the command: not asked again
        words = helper.wait_for(CODE).group(1).split()
        # The title of step 5, whole on its line.
        assert "Step 5 of 7: Check that nobody is listening in" in helper.lines()[0]
        friend.wait_for("Type the first letter of each word you hear.")
        friend.type(support.first_letters(words).lower())
        friend.send("Enter")
        friend.wait_for("CORRECT")
        for pane in (helper, friend):
            pane.send("d")
            pane.wait_for("Details for technical people")
            close = "Press D to close."
            assert close in pane.lines()[-3], pane.describe()  # above the key lines
            for _ in range(12):
                pane.send("PageDown")
            pane.wait_gone("Details for technical people")  # scrolled away
            if pane is friend:  # down to its last part
                pane.wait_for("When help ends:")
            assert close in pane.screen()
            pane.send("Home")
            pane.wait_for("This computer:")
            assert close in pane.screen()
            pane.send("d")
            pane.wait_gone("Details for technical people")
        helper.send("y")
        friend.wait_for(SHELL, timeout=30)
        friend.send("M-C-c")
        friend.wait_for("Help has ended")
        for pane in (friend, helper):
            pane.wait_for("Press Q to close")
            pane.send("q")
            pane.wait_for("EXITED 0")


# -- row 5: progress between CORRECT and the shell -----------------------------------------


def watch_until_prompt(pane: Pane, status: str, timeout: float = 30) -> tuple[float, int, int]:
    """Seconds from now until the shell's prompt shows on ``pane``; how many looks showed
    the shared screen (its status line) with nothing else, and how many the progress."""
    started = time.monotonic()
    empty = progress = 0
    while time.monotonic() - started < timeout:
        screen = pane.screen()
        if SHELL.search(screen):
            return time.monotonic() - started, empty, progress
        if status in screen:
            body = [line for line in screen.splitlines()[1:] if line.strip()]
            if "Starting the secure connection" in screen:
                progress += 1
            elif not body:
                empty += 1
        time.sleep(0.02)
    raise AssertionError(f"no prompt on {pane.name}:\n{pane.describe()}")


@pytest.mark.root
def test_after_correct_a_moving_line_says_the_connection_starts(world: support.World) -> None:
    port = _port(world)
    with Tmux(width=80, height=24) as tmux:
        helper = launch(tmux, world, world.account(), "helper", "--port", str(port), "--bind",
                        "127.0.0.1", term="xterm-256color", lang=LANG)
        friend = launch(tmux, world, world.account(), "friend", "127.0.0.1", "--port",
                        str(port), term="xterm-256color", lang=LANG)
        helper.wait_for("Step 1 of 7")
        helper.send("c")
        helper.wait_for("What your friend must know")
        helper.send("Enter")
        friend.wait_for("Only continue if YOU phoned")
        friend.send("c")  # the address came with the command: not asked again
        words = helper.wait_for(CODE).group(1).split()
        friend.wait_for("Type the first letter of each word you hear.")
        friend.type(support.first_letters(words).lower())
        friend.send("Enter")
        friend.wait_for("CORRECT")
        helper.send("y")
        gap, empty, progress = watch_until_prompt(friend, "To end help, press Ctrl+Alt+C.")
        print(f"from the helper's Y to the friend's prompt: {gap:.2f} s; looks at an empty "
              f"shared screen: {empty}, at the progress line: {progress}")
        assert empty == 0, "the friend saw an empty shared screen"
        assert progress > 0 or gap < 0.3, "no progress was shown while SSH started"
        helper.wait_for(PROMPT, timeout=15)
        friend.send("M-C-c")
        friend.wait_for("Help has ended")
        for pane in (friend, helper):
            pane.wait_for("Press Q to close")
            pane.send("q")
            pane.wait_for("EXITED 0")


# -- row 6: the window title ----------------------------------------------------------------


def title(pane: Pane) -> str:
    return pane.tmux.run("display-message", "-p", "-t", pane.target, "#{pane_title}").strip()


@pytest.mark.root
def test_the_window_title_names_remote_help_and_is_put_back(world: support.World) -> None:
    with Tmux(width=80, height=24) as tmux:
        helper = launch(tmux, world, world.account(), "helper", "--port",
                        str(_port(world)), "--bind", "127.0.0.1", term="xterm-256color",
                        lang=LANG)
        friend = launch(tmux, world, world.account(), "friend", "127.0.0.1",
                        term="xterm-256color", lang=LANG)
        console = launch(tmux, world, world.account(), "friend", "127.0.0.1", term="linux",
                         lang="C")
        for pane in (helper, friend, console):
            pane.wait_for("Step 1 of 7")
        before = title(console)
        assert title(helper) == "remote-help: helping a friend"
        assert title(friend) == "remote-help: getting help"
        assert "remote-help" not in before  # the Linux console has no title: none is sent
        for pane in (helper, friend, console):
            pane.send("q")
            pane.wait_for("EXITED 1")
        for pane in (helper, friend):
            assert title(pane) == before  # the title the window had, put back
        assert title(console) == before
