"""The whole journey in plain mode: two real programs on loopback, driven by keystrokes."""

from __future__ import annotations

import pytest

from tests import support


@pytest.mark.root
def test_full_journey_friend_ends_with_ctrl_alt_c(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    friend.send("\x1b\x03")  # Ctrl+Alt+C
    friend.expect(support.ENDED_BY_FRIEND)
    helper.expect(support.FRIEND_ENDED_SEEN_BY_HELPER)
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0


@pytest.mark.root
def test_helper_ends_with_f10(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    helper.send("\x1b[21~")  # F10
    helper.expect("You ended the session")
    friend.expect("Your helper ended the session")
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0


@pytest.mark.root
def test_friend_types_too_and_shell_exit_ends_both(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    friend.send("echo friend-$((40+2))\r")
    friend.expect("friend-42")
    helper.expect("friend-42")
    friend.send("exit\r")
    friend.expect("The shared terminal was closed")
    helper.expect("The shell on your friend's computer exited")
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0


@pytest.mark.root
def test_background_and_detached_children_are_ended(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    helper.send("nohup sleep 1000 >/dev/null 2>&1 & setsid sleep 1001 & "
                "(setsid sh -c 'sleep 1002' &) ; echo started-$((1+1))\r")
    friend.expect("started-2")
    friend.send("\x1b\x03")
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0
    # the fixture's invariant check finds no sleep left (they carry the session's env)
