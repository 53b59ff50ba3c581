"""Issue 11's counts, kept: what a first session costs the friend on the phone, and what a
repeat session costs, with the real full-screen programs in tmux.

Both programs run inside a network namespace of the test's own where the helper's
computer has the LAN address 192.168.1.20 (the host's network is never touched), so the
friend types exactly what a friend types at home, on the usual port.

- words the friend hears: what the helper reads aloud from the helper's screen (the
  address as spoken, the port if not the usual one, the five words) <= 20;
- keys the friend types in a first session, until the shared terminal is there, <= 25;
- the same in a repeat session (the answers saved by the first) <= 8.

Every key sent to the friend's pane is counted. Ending the session (Ctrl+Alt+C, then Q
to close) is counted apart: it is not part of getting help, and is the same every time.
"""

from __future__ import annotations

import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests import support
from tests.e2e.test_phone_address import Counted, start
from tests.e2e.test_ui import CODE, saved_settings
from tests.tui import Pane, Tmux

LAN = "192.168.1.20"  # the helper's computer, as on a typical home network
MAX_WORDS_HEARD = 20
MAX_KEYS_FIRST = 25
MAX_KEYS_REPEAT = 8
TELL = re.compile(r"Your friend types this address:\s+(?P<written>\S+(?: port \d+)?)\s+"
                  r"\((?P<spoken>[^)]*)\)")


@contextmanager
def home_network(world: support.World) -> Iterator[tuple[tuple[str, ...], tuple[str, ...]]]:
    """A namespace where this computer has 192.168.1.20 on an Ethernet-like link; yields
    the prefix that runs a program inside it, and the helper's extra arguments."""
    name = f"rh-count-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    world.cleanups.append(lambda: subprocess.run(["ip", "netns", "del", name], check=False))

    def ip(*args: str) -> bool:
        return subprocess.run(["ip", "-n", name, *args], check=False,
                              capture_output=True).returncode == 0

    ip("link", "set", "lo", "up")
    helper_args: tuple[str, ...] = ()
    if ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth1"):
        for device, address in (("eth0", LAN), ("eth1", "192.168.1.21")):
            assert ip("addr", "add", f"{address}/24", "dev", device)
            assert ip("link", "set", device, "up")
    else:  # no veth in this kernel: the address on the loopback, named to the helper
        assert ip("addr", "add", f"{LAN}/24", "dev", "lo")
        helper_args = ("--bind", LAN)
    yield ("ip", "netns", "exec", name), helper_args


def words_in(spoken: str) -> int:
    """'one nine two, dot, one' -> 5: what the helper says, word by word."""
    return len(spoken.replace(",", " ").split())


def helper_starts(tmux: Tmux, world: support.World, prefix: tuple[str, ...],
                  helper_args: tuple[str, ...]) -> tuple[Pane, re.Match[str]]:
    helper = start(tmux, world, world.account(), "helper", *helper_args, prefix=prefix,
                   name="helper")
    helper.wait_for("Step 1 of 7")
    helper.send("c")
    helper.wait_for("What your friend must know")
    helper.send("Enter")
    told = helper.wait_for(TELL)
    return helper, told


def to_the_shared_terminal(helper: Pane, friend: Counted) -> list[str]:
    """The code read and typed, CORRECT, the helper's yes: the words read."""
    words = helper.wait_for(CODE, timeout=30).group(1).split()
    friend.wait_for("Type the first letter of each word you hear.")
    friend.type(support.first_letters(words).lower())
    friend.send("Enter")
    friend.wait_for("CORRECT")
    helper.send("y")
    friend.wait_for(r"To end help, press Ctrl\+Alt\+C\.", timeout=30)
    helper.wait_for(r"Ctrl\+Alt\+C or F10 ends the session", timeout=30)
    return words


def friend_ends(helper: Pane, friend: Counted) -> int:
    """Ctrl+Alt+C, then Q on the ending screen: the keys it took."""
    before = friend.keys
    friend.send("M-C-c")
    friend.wait_for("Help has ended: you ended it.", timeout=10)
    helper.wait_for("Your friend ended the session.", timeout=10)
    friend.send("q")
    helper.send("q")
    friend.wait_for("EXITED 0")
    helper.wait_for("EXITED 0")
    return friend.keys - before


@pytest.mark.root
def test_the_counts_of_a_first_and_a_repeat_session(world: support.World) -> None:
    friend_account = world.account()
    report: list[str] = []
    with home_network(world) as (prefix, helper_args):
        # -- the first session on this computer: nothing saved -------------------------
        with Tmux(width=80, height=24) as tmux:
            helper, told = helper_starts(tmux, world, prefix, helper_args)
            assert told["written"] == LAN  # the usual port: nothing more to say
            friend = Counted(start(tmux, world, friend_account, prefix=prefix,
                                   name="friend"))
            friend.wait_for("Only continue if YOU phoned someone you know.")
            friend.send("c")
            friend.wait_for("Who are you?")
            friend.send("n")
            friend.wait_for("Address:")
            friend.type(told["written"])  # what the helper read aloud
            friend.send("Enter")
            words = to_the_shared_terminal(helper, friend)
            heard = words_in(told["spoken"]) + len(words)
            first_keys = friend.keys
            ending = friend_ends(helper, friend)
        report.append(f"first session: {heard} words heard, {first_keys} keys typed "
                      f"(+{ending} to end)")
        saved = saved_settings(friend_account)
        assert saved is not None and saved["address"] == LAN
        # -- a repeat session: the answers of the first are remembered -----------------
        with Tmux(width=80, height=24) as tmux:
            helper, told = helper_starts(tmux, world, prefix, helper_args)
            friend = Counted(start(tmux, world, friend_account, prefix=prefix,
                                   name="friend"))
            friend.wait_for("Only continue if YOU phoned someone you know.")
            friend.send("c")
            friend.wait_for(f"Last time on this computer: I need help, with my helper at "
                            f"{re.escape(LAN)}.")
            friend.send("Enter")
            to_the_shared_terminal(helper, friend)
            repeat_keys = friend.keys
            ending = friend_ends(helper, friend)
        report.append(f"repeat session: {repeat_keys} keys typed (+{ending} to end)")
    print("\n".join(report))
    assert heard <= MAX_WORDS_HEARD, report
    assert first_keys <= MAX_KEYS_FIRST, report
    assert first_keys + ending <= MAX_KEYS_FIRST, report  # even with the ending
    assert repeat_keys <= MAX_KEYS_REPEAT, report
