"""Issue 11, "The address and the connection", end to end: the real programs in tmux,
driven by keystrokes only, read only from their screens.

One test for each row: an IPv6 address typed, a port typed, a refusal said within seconds
(and the friend connected once the helper starts), no network said as such (inside a
network namespace the test makes, never on the host's network), Enter keeping the
remembered role, an address from the command line not asked again, and no option that
does not work yet on the friend's screens or in F1.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from remote_help import settings
from tests import support
from tests.e2e.test_ui import CODE, WRAPPER
from tests.tui import Pane, Tmux

NOT_YET = re.compile(r"not in this version|firewall|Share my screen", re.IGNORECASE)


class Counted:
    """A pane whose keys are counted: every key sent, every character typed."""

    def __init__(self, pane: Pane) -> None:
        self.pane = pane
        self.keys = 0

    def send(self, *keys: str) -> None:
        self.keys += len(keys)
        self.pane.send(*keys)

    def type(self, text: str) -> None:
        self.keys += len(text)
        self.pane.type(text)

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 20.0) -> re.Match[str]:
        return self.pane.wait_for(pattern, timeout)

    def screen(self) -> str:
        return self.pane.screen()


def start(tmux: Tmux, world: support.World, account: support.Account, *args: str,
          prefix: tuple[str, ...] = (), name: str = "") -> Pane:
    """``remote-help ARGS`` as ``account`` in a new pane, full screen, behind ``prefix``
    (``ip netns exec NAME``: inside a network namespace)."""
    env = account.env(PYTHONPATH=str(support.program_source()), LANG="C.UTF-8",
                      TERM="xterm-256color")
    python = support.SYSTEM_PYTHON if account.as_other_user else sys.executable
    argv = [python, "-m", "remote_help", *args]
    if account.as_other_user:
        argv = ["runuser", "-u", account.name, "--", "env", "-i",
                *(f"{k}={v}" for k, v in env.items()), *argv]
    pane = tmux.pane(["sh", "-c", WRAPPER, "sh", *prefix, *argv], env,
                     term="xterm-256color", name=name or account.name)
    world.other_sessions.add(pane.pid())
    return pane


def helper_waits(helper: Pane) -> None:
    helper.wait_for("Step 1 of 7")
    helper.send("c")
    helper.wait_for("What your friend must know")
    helper.send("Enter")
    helper.wait_for("Waiting for your friend to connect")


def both_see_the_check(helper: Pane, friend: Pane | Counted, timeout: float = 20) -> list[str]:
    """Connected: the helper reads the words, the friend is asked to type them."""
    words = helper.wait_for(CODE, timeout).group(1).split()
    friend.wait_for("Type the first letter of each word you hear.")
    return words


def stop_both(helper: Pane, friend: Pane) -> None:
    """The friend stops at once (Ctrl+Alt+C); the helper is told and closes."""
    friend.send("M-C-c")
    friend.wait_for(r"EXITED \d")
    helper.wait_for("left before you answered|Your friend", timeout=15)  # told at once
    helper.send("q")  # waiting again for the next caller: the helper stops too
    helper.wait_for(r"EXITED \d")
    assert "Traceback" not in friend.screen() + helper.screen()


@contextlib.contextmanager
def namespace(world: support.World) -> Iterator[str]:
    """A network namespace of this test's own, with only its loopback up: the host's
    network is never touched."""
    name = f"rh-addr-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", name], check=True)

    def remove() -> None:
        subprocess.run(["ip", "netns", "del", name], check=False)

    world.cleanups.append(remove)
    subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
    yield name


@pytest.mark.root
def test_an_ipv6_address_is_typed_and_connects(world: support.World) -> None:
    if not _has_ipv6_loopback():
        pytest.skip("this machine has no IPv6 loopback")
    port = support.free_port()
    world.ports.append(port)
    with Tmux(width=80, height=24) as tmux:
        helper = start(tmux, world, world.account(), "helper", "--port", str(port),
                       "--bind", "::1", name="helper")
        friend = start(tmux, world, world.account(), "--port", str(port), name="friend")
        helper_waits(helper)
        helper.wait_for("colon colon one")  # the address as read aloud
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Who are you?")
        friend.send("n")
        friend.wait_for("Address:")
        friend.type("::1")
        friend.wait_for("Address: +::1_")
        friend.send("Enter")
        both_see_the_check(helper, friend)
        stop_both(helper, friend)


@pytest.mark.root
def test_a_port_is_typed_after_the_address(world: support.World) -> None:
    port = support.free_port()
    world.ports.append(port)
    spoken = " ".join(["zero", "one", "two", "three", "four", "five", "six", "seven",
                       "eight", "nine"][int(d)] for d in str(port))
    with Tmux(width=80, height=24) as tmux:
        helper = start(tmux, world, world.account(), "helper", "--port", str(port),
                       "--bind", "127.0.0.1", name="helper")
        friend = start(tmux, world, world.account(), name="friend")  # knows no port
        helper_waits(helper)
        # The helper's screen spells the port the way it spells the address.
        helper.wait_for(f"127.0.0.1 port {port}")
        helper.wait_for(re.compile(r"one, port,\s+" + r"\s+".join(spoken.split()) + r"\)"))
        assert "--port" not in helper.screen()
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Who are you?")
        friend.send("n")
        friend.wait_for("Address:")
        friend.type(f"127.0.0.1 port {port}")  # as heard, the word "port" and all
        friend.wait_for(f"Address: +127.0.0.1 port {port}_")
        assert "[x]" not in friend.screen()  # the R of "port" did not turn an option on
        friend.send("Enter")
        both_see_the_check(helper, friend)
        stop_both(helper, friend)


@pytest.mark.timed
@pytest.mark.root
def test_nothing_waiting_is_said_within_seconds_then_the_friend_connects(
        world: support.World) -> None:
    port = support.free_port()
    world.ports.append(port)
    with Tmux(width=80, height=24) as tmux:
        friend = start(tmux, world, world.account(), "friend", "127.0.0.1", "--port",
                       str(port), name="friend")
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Connecting to your helper")
        shown = time.monotonic()
        friend.wait_for(f"Nothing is waiting at 127.0.0.1 port {port}", timeout=3)
        assert time.monotonic() - shown < 3
        friend.wait_for('Did your helper choose "I am helping someone"?')
        friend.wait_for('"Waiting for your friend"')
        assert "Could not reach" not in friend.screen()  # not blamed on the address yet
        # The helper starts now; the friend's computer keeps trying and gets through.
        helper = start(tmux, world, world.account(), "helper", "--port", str(port),
                       "--bind", "127.0.0.1", name="helper")
        helper_waits(helper)
        both_see_the_check(helper, friend, timeout=15)
        stop_both(helper, friend)


@pytest.mark.root
def test_no_network_says_this_computer_is_not_connected(world: support.World) -> None:
    with Tmux(width=80, height=24) as tmux, namespace(world) as ns:
        friend = start(tmux, world, world.account(), "friend", "192.0.2.1",
                       "--connect-timeout", "5", prefix=("ip", "netns", "exec", ns),
                       name="friend")
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Connecting to your helper")
        friend.wait_for("This computer is not connected to a network.", timeout=3)
        # When the time is up, the failure says the same, not "check the address".
        friend.wait_for("It did not work", timeout=10)
        assert "This computer is not connected to a network." in friend.screen()
        assert "Could not reach" not in friend.screen()
        friend.send("q")
        friend.wait_for(r"EXITED 1")


def _has_ipv6_loopback() -> bool:
    import socket

    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


def save_friend_answers(account: support.Account, address: str) -> None:
    """What a first session on this computer left: the friend's answers, with their check."""
    path = account.config / "remote-help" / "settings.json"
    assert settings.save(settings.Settings(role="friend", address=address), path)


@pytest.mark.root
def test_enter_keeps_the_remembered_role_and_address(world: support.World) -> None:
    port = support.free_port()
    world.ports.append(port)
    friend_account = world.account()
    save_friend_answers(friend_account, "127.0.0.1")
    with Tmux(width=80, height=24) as tmux:
        helper = start(tmux, world, world.account(), "helper", "--port", str(port),
                       "--bind", "127.0.0.1", name="helper")
        friend = start(tmux, world, friend_account, "--port", str(port), name="friend")
        helper_waits(helper)
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Last time on this computer: I need help, with my helper at "
                        "127.0.0.1.")
        friend.wait_for("Press Enter to choose it again.")
        friend.send("Enter")
        # The address was not asked again: connecting (or, the helper being quick,
        # already the check).
        friend.wait_for("Connecting to your helper|Type the first letter of each word")
        assert "Address:" not in friend.screen()
        both_see_the_check(helper, friend)
        stop_both(helper, friend)


@pytest.mark.root
def test_an_address_from_the_command_line_is_not_asked_again(world: support.World) -> None:
    port = support.free_port()
    world.ports.append(port)
    with Tmux(width=80, height=24) as tmux:
        helper = start(tmux, world, world.account(), "helper", "--port", str(port),
                       "--bind", "127.0.0.1", name="helper")
        friend = start(tmux, world, world.account(), "friend", "127.0.0.1", "--port",
                       str(port), name="friend")
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        friend.wait_for("Step 4 of 7: Connecting to your helper")
        assert "Address:" not in friend.screen()
        # Back shows the address as given, to be put right if it was wrong.
        friend.send("b")
        friend.wait_for(f"Address: +127.0.0.1 port {port}_")
        friend.send("Enter")
        friend.wait_for("Connecting to your helper")
        helper_waits(helper)
        both_see_the_check(helper, friend)
        stop_both(helper, friend)


@pytest.mark.root
def test_no_option_that_does_not_work_yet_on_the_friends_screens(
        world: support.World) -> None:
    with Tmux(width=80, height=24) as tmux:
        friend = start(tmux, world, world.account(), "--port", str(support.free_port()),
                       name="friend")
        seen: list[str] = []
        for wait, key in (("Only continue if YOU phoned", "c"), ("Who are you?", "n"),
                          ("Address:", "r"), ("What your helper must know", "r"),
                          ("Address:", None)):
            friend.wait_for(wait)
            seen.append(friend.screen())
            friend.send("F1")
            friend.wait_for("You can press:")
            seen.append(friend.screen())
            friend.send("q")
            friend.wait_gone("You can press:")
            if key is not None:
                friend.send(key)
        friend.wait_for("My helper will connect to me \\(use this if my helper asks for")
        for screen in seen:
            assert not NOT_YET.search(screen), screen
        assert "Reverse" not in "".join(seen)  # worded for the person, not the network
        friend.send("q")
        friend.wait_for(r"EXITED 1")


# -- the same in line mode ----------------------------------------------------------------

@pytest.mark.timed
@pytest.mark.root
def test_line_mode_no_network_and_nothing_waiting(world: support.World) -> None:
    with namespace(world) as ns:
        friend = world.start(world.account(), "friend", "192.0.2.1", "--connect-timeout",
                             "4", shell_wrapper=("ip", "netns", "exec", ns, sys.executable,
                                                 "-m", "remote_help"))
        friend.expect("Continue\\?")
        friend.sendline("y")
        started = time.monotonic()
        friend.expect("This computer is not connected to a network.", timeout=3)
        assert time.monotonic() - started < 3
        assert friend.wait_exit() == 1
        assert "Could not reach" not in friend.output
    port = support.free_port()
    world.ports.append(port)
    friend = world.start(world.account(), "friend", "127.0.0.1", "--port", str(port),
                         "--connect-timeout", "3")
    friend.expect("Continue\\?")
    friend.sendline("y")
    friend.expect(f"Nothing is waiting at 127.0.0.1 port {port}", timeout=3)
    assert friend.wait_exit() == 1


@pytest.mark.root
def test_line_mode_takes_a_port_and_enter_for_the_remembered_role(
        world: support.World) -> None:
    port = support.free_port()
    world.ports.append(port)
    friend_account = world.account()
    save_friend_answers(friend_account, "192.0.2.44")  # line mode uses only the role
    helper = world.start(world.account(), "helper", "--port", str(port), "--bind",
                         "127.0.0.1")
    helper.expect(f"127.0.0.1 port {port}")
    friend = world.start(friend_account)
    friend.expect("Continue\\?")  # the warning comes first (issue 11)
    friend.sendline("y")
    friend.expect(re.escape("(Enter alone: 1, as last time)"))
    friend.sendline("")
    friend.expect("Type your helper's address")
    friend.sendline(f"127.0.0.1 port {port}")
    assert helper.expect(support.CODE_LINE) is not None
    friend.expect("Type the five letters")
    friend.send("\x1b\x03")  # Ctrl+Alt+C: stop
    assert friend.wait_exit() != 0
    helper.expect("left before you answered")
    helper.send("\x03")
    assert helper.wait_exit() != 0


# -- fixaddr: the second reader's findings (notes-review11 7, 9) ---------------------------

ZONE_WORDS = "The address fe80::1 needs its last part too: a percent sign and a"


@pytest.mark.timed
@pytest.mark.root
def test_a_link_local_address_without_its_name_fails_at_once(world: support.World) -> None:
    """From the command line, full screen and line mode: the sentence that asks for the
    %name within seconds, not a minute of "No answer from fe80::1 yet"."""
    with Tmux(width=80, height=24) as tmux:
        friend = start(tmux, world, world.account(), "friend", "fe80::1", name="friend")
        friend.wait_for("Only continue if YOU phoned someone you know.")
        friend.send("c")
        shown = time.monotonic()
        friend.wait_for("needs its last part too", timeout=3)
        assert time.monotonic() - shown < 3
        assert "No answer" not in friend.screen()
        friend.send("q")
        friend.wait_for(r"EXITED 1")
    friend = world.start(world.account(), "friend", "fe80::1")
    friend.expect("Continue\\?")
    friend.sendline("y")
    started = time.monotonic()
    friend.expect(re.escape(ZONE_WORDS), timeout=3)
    assert time.monotonic() - started < 3
    assert friend.wait_exit() == 1
    assert "No answer" not in friend.output


@pytest.mark.root
def test_line_mode_takes_no_bare_second_number_and_asks_for_the_name(
        world: support.World) -> None:
    """"127.0.0.1 5" (an address typed with a space) is refused, not taken as port 5; a
    typed fe80::1 is asked again with its %name; then the address and port connect."""
    port = support.free_port()
    world.ports.append(port)
    helper = world.start(world.account(), "helper", "--port", str(port), "--bind",
                         "127.0.0.1")
    helper.expect(f"127.0.0.1 port {port}")
    friend = world.start(world.account(), "friend")
    friend.expect("Continue\\?")
    friend.sendline("y")
    friend.expect("Type your helper's address")
    friend.sendline("127.0.0.1 5")
    friend.expect("That is not an address.")
    friend.expect("Type your helper's address")
    friend.sendline("fe80::1")
    friend.expect(re.escape(ZONE_WORDS))
    friend.expect("Type your helper's address")
    friend.sendline(f"127.0.0.1 port {port}")
    assert helper.expect(support.CODE_LINE) is not None
    friend.expect("Type the five letters")
    friend.send("\x1b\x03")  # Ctrl+Alt+C: stop
    assert friend.wait_exit() != 0
    helper.expect("left before you answered")
    helper.send("\x03")
    assert helper.wait_exit() != 0
