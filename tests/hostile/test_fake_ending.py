"""A fake ending in line mode (issue 9, weakness 9): the other side prints a perfect copy of
the real ending, and what the person types next would go to it.

In line mode the other side's output reaches this terminal (filtered, but text is text), so
every word of the real ending can be printed from the shared shell: the mode resets,
"Your friend ended the session.", even what follows the program. The real ending carries
the one thing the other side cannot know: the end word, chosen at random on this computer,
shown here while the code is checked (before the other side can write anything on this
terminal, and while the person looks at it for seconds) and never sent. These tests print a
perfect copy of a real ending from the shared shell and compare, as the person sees them,
the fake and the real endings.
"""

from __future__ import annotations

import re
import time

import pytest

from remote_help.plain.frontend import sign_off_line
from remote_help.plain.terminal import RESET_MODES
from remote_help.session.mux import Ending
from remote_help.wizard.messages import ending_text
from tests import support
from tests.e2e.test_ui import launch
from tests.tui import Pane, Tmux

END_WORD = re.compile(r"Your end word for this session is:\s+([a-z]+ [a-z]+)\s")
ENDED = "Your friend ended the session."
SIGN_OFF = re.compile(r'End word: "([a-z]+ [a-z]+)"\. This is really the end of the session\.')


def helper_in_tmux(tmux: Tmux, world: support.World) -> tuple[Pane, support.Program, str]:
    """A helper in line mode in a tmux pane (its screen read as a person sees it), a friend
    in line mode, through the journey to the shared shell; and the helper's end word."""
    port = support.free_port()
    world.ports.append(port)
    helper = launch(tmux, world, world.account(), "helper", "--port", str(port), "--bind",
                    "127.0.0.1", "--plain", term="xterm-256color", lang="C.UTF-8")
    helper.wait_for("Waiting for your friend")
    friend = world.start(world.account(), "friend", "127.0.0.1", "--port", str(port))
    friend.expect("Continue\\?")
    friend.sendline("y")
    words = helper.wait_for(support.CODE_LINE.pattern.replace(r"\r?\n", r"\s")).group(1)
    friend.expect("Type the five letters")
    friend.sendline(support.first_letters(words.split()))
    friend.expect("CORRECT")
    helper.wait_for(r"\[y/n\]")
    # shown while the code is checked: nothing from the friend can be on this screen yet
    word = helper.wait_for(END_WORD).group(1)
    helper.type("y")
    helper.send("Enter")
    helper.wait_for(r"To end the session, press Ctrl\+Alt\+C or F10", timeout=30)
    friend.expect("To end help, press Ctrl\\+Alt\\+C", timeout=30)
    time.sleep(0.5)  # the shell's prompt first
    friend.send("echo $((6*7))\r")
    friend.expect(support.ANSWER_42)
    helper.wait_for(r"(?m)^42$")
    return helper, friend, word


def last_ending(lines: list[str]) -> list[str]:
    """The lines from the last "Your friend ended the session." to the end of the screen."""
    start = max(i for i, line in enumerate(lines) if line == ENDED)
    block = lines[start:]
    while block and not block[-1].strip():
        block.pop()
    return block


@pytest.mark.root
def test_a_perfect_fake_ending_lacks_the_helpers_end_word(world: support.World) -> None:
    with Tmux(width=100, height=40) as tmux:
        # A real ending, as the friend can see it for themselves in a session of their own.
        helper, friend, first_word = helper_in_tmux(tmux, world)
        friend.send("\x1b\x03")  # Ctrl+Alt+C
        assert friend.wait_exit() == 0
        helper.wait_for("EXITED 0")
        real_before = last_ending(helper.lines())
        assert real_before[:2] == [ENDED, sign_off_line(first_word)], real_before
        assert first_word not in friend.output  # never sent

        # The session that matters: the friend's shell prints that ending, perfectly.
        helper, friend, word = helper_in_tmux(tmux, world)
        fake = world.base / "fake-ending.bin"
        fake.write_bytes(b"\x1b[1A\r\x1b[2K$ " + RESET_MODES + b"\r\n\r\n"
                         + "\r\n".join(real_before).encode() + b"\r\n")
        fake.chmod(0o644)
        friend.send(f"stty -echo; cat {fake}; cat >/dev/null\r")
        helper.wait_for("EXITED 0")
        seen_fake = last_ending(helper.lines())
        assert seen_fake == real_before  # every word the friend can print: perfect

        # The helper, believing it over, types a password: it goes to the friend.
        helper.type("my-secret-password")
        helper.send("Enter")
        friend.expect("Your helper typed: my-secret-password\\[Enter\\]")

        # The real end: only it says the word shown to the helper at the start.
        friend.send("\x1b\x03")
        assert friend.wait_exit() == 0
        helper.wait_for("EXITED 0[\\s\\S]*EXITED 0")
        seen_real = last_ending(helper.lines())
        assert seen_real[0] == ENDED and len(seen_real) == len(seen_fake)
        differ = [i for i, (a, b) in enumerate(zip(seen_fake, seen_real, strict=True))
                  if a != b]
        assert differ == [1], (seen_fake, seen_real)  # the end word's line, and only it
        assert first_word != word, "the friend's guess was right: 1 in 16,256"
        assert SIGN_OFF.fullmatch(seen_real[1]).group(1) == word  # type: ignore[union-attr]
        assert word not in "\n".join(seen_fake)
        assert word not in friend.output  # never sent


@pytest.mark.root
def test_a_fake_ending_from_the_helper_lacks_the_friends_end_word(
        world: support.World) -> None:
    """The same the other way: a hostile helper prints the friend's ending, with a guess
    at the word, and listens to what the friend types next."""
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    shown = END_WORD.search(friend.output)  # with the code: the helper cannot write yet
    assert shown is not None
    assert shown.start() < friend.output.index("Setting up the shared terminal")
    word = shown.group(1)
    support.run_in_shared_shell(helper, friend)
    guess = "tiger lemon" if word != "tiger lemon" else "zebra apple"
    real_text = ending_text("friend", Ending("helper-ended", True))
    fake = ("\r\n" + RESET_MODES.decode() + "\r\n\r\n" + real_text + "\r\n"
            + sign_off_line(guess) + "\r\n")
    octal = "".join(f"\\{byte:03o}" for byte in fake.encode())
    loot = world.base / "what-the-friend-typed"
    helper.send(f"clear; stty -echo; printf '{octal}'; cat > {loot}\r")
    friend.expect(re.escape(sign_off_line(guess)))
    after_fake = friend.output.rsplit(real_text, 1)[1]
    assert word not in after_fake  # the helper could only guess
    # The friend, believing help over, types: it goes to the helper's program.
    friend.send("my-secret-password\r")
    deadline = time.monotonic() + 20
    while "my-secret-password" not in (loot.read_text() if loot.exists() else ""):
        assert time.monotonic() < deadline, "the friend's keys did not reach the shell"
        time.sleep(0.1)
    # The friend was told: the word is missing, so press Ctrl+Alt+C. The real end says it.
    friend.send("\x1b\x03")
    friend.expect(re.escape(sign_off_line(word)))
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0
    assert word not in helper.output  # never sent
