"""The whole journey in plain mode: two real programs on loopback, driven by keystrokes."""

from __future__ import annotations

import time

import pytest

from remote_help.plain.frontend import sign_off_line
from tests import support
from tests.e2e.test_ui import launch, press_bytes
from tests.hostile.test_fake_ending import END_WORD
from tests.tui import Tmux


@pytest.mark.root
def test_full_journey_friend_ends_with_ctrl_alt_c(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    support.friend_ends_session(helper, friend)


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


@pytest.mark.root
@pytest.mark.parametrize("victim", ["helper", "friend"])
def test_killed_peer_ends_the_session_on_the_other_side(world: support.World,
                                                         victim: str) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    killed, survivor = (helper, friend) if victim == "helper" else (friend, helper)
    killed.child.kill(9)
    survivor.expect("The connection was lost, so the session has ended")
    assert survivor.wait_exit() != 0
    killed.wait_exit()
    # The fixture checks that the friend's shell, ssh, sshd and the session directories are
    # gone. A SIGKILLed program cannot remove its own session directory: its next start does.
    _sweep(world, killed.account)


def _sweep(world: support.World, account: support.Account) -> None:
    """Starting remote-help again removes what a killed one left behind."""
    port = support.free_port()
    program = world.start(account, "helper", "--port", str(port), "--bind", "127.0.0.1")
    program.expect("Waiting for your friend")
    program.child.sendintr()
    program.expect("Cancelled")
    assert program.wait_exit() != 0


@pytest.mark.root
def test_dangerous_sequences_never_reach_either_terminal(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    # clipboard write, font change, title report request, DECRQSS, 8-bit CSI as U+009B
    helper.send(r"printf 'A\033]52;c;aGVsbG8=\007B\033]50;x\007C\033[21tD\033P$qm\033\\E"
                r"\302\2335tF\n'; echo done-$((2+2))" + "\r")
    for side in (helper, friend):
        side.expect("done-4")
        assert "ABCDE5tF" in side.output  # the visible text survives; U+009B alone is dropped
        for bad in ("\x1b]52", "\x1b]50", "\x1b[21t", "\x1bP", "\u009b"):
            assert bad not in side.output, (bad, side.output[-300:])
    friend.send("\x1b\x03")
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0


@pytest.mark.root
def test_terminal_modes_are_restored(world: support.World) -> None:
    friend_account = world.account()
    before = world.base / "stty-before"
    after = world.base / "stty-after"
    wrapper = (f"stty -g > {before}; {support.sys.executable} -m remote_help \"$@\"; "
               f"status=$?; stty -g > {after}; exit $status")
    helper, friend = support.walk_to_session(
        world, world.account(), friend_account,
        friend_args=(), shell_wrapper=("sh", "-c", wrapper, "sh"))
    support.run_in_shared_shell(helper, friend)
    friend.send("\x1b\x03")
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0
    assert before.read_text() == after.read_text()


@pytest.mark.root
def test_sigterm_during_a_session_ends_it_cleanly(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    friend.child.kill(15)
    friend.expect("remote-help was stopped, so the session has ended")
    helper.expect("Your friend ended the session")
    assert friend.wait_exit() == 1
    assert helper.wait_exit() == 0
    # a real ending, however it comes, says this side's end word, and only this side's
    words = [END_WORD.search(side.output) for side in (helper, friend)]
    assert all(words)
    helper_word, friend_word = (m.group(1) for m in words if m is not None)
    assert sign_off_line(helper_word) in helper.output.rsplit("Your friend ended", 1)[1]
    session = friend.output.rsplit("To end help, press Ctrl+Alt+C", 1)[1]
    assert sign_off_line(friend_word) in session.split("remote-help was stopped", 1)[0]
    assert helper_word not in friend.output and friend_word not in helper.output


@pytest.mark.timed
@pytest.mark.root
def test_ctrl_alt_c_ends_the_session_during_an_output_flood(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    for side in (helper, friend):
        side.child.logfile_read = None  # the flood is not worth keeping
        side.child.maxread = 65536
    helper.send("yes remote-help-flood\r")
    friend.child.expect_exact("remote-help-flood\r\nremote-help-flood", searchwindowsize=200)
    time.sleep(1)  # let it run
    friend.send("\x1b\x03")
    pressed = time.monotonic()
    friend.child.expect_exact("Help has ended: you ended it", timeout=10, searchwindowsize=4096)
    assert time.monotonic() - pressed < 1.5, "Ctrl+Alt+C took too long during a flood"
    helper.child.expect_exact("Your friend ended the session", timeout=10,
                              searchwindowsize=4096)
    assert friend.wait_exit() == 0
    assert helper.wait_exit() == 0


@pytest.mark.root
def test_a_stalled_terminal_does_not_stop_the_end_key(world: support.World) -> None:
    """Nobody reads the friend's terminal while the shell floods it: the program must
    still see Ctrl+Alt+C (its writes never block) and end the session on both sides."""
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    helper.child.logfile_read = None
    friend.child.logfile_read = None
    helper.send("yes remote-help-flood\r")
    time.sleep(2)  # the friend's terminal fills up: nothing reads it
    friend.send("\x1b\x03")
    helper.child.expect_exact("Your friend ended the session", timeout=10,
                              searchwindowsize=4096)
    assert helper.wait_exit() == 0
    friend.child.expect_exact("Help has ended: you ended it", timeout=10,
                              searchwindowsize=4096)
    assert friend.wait_exit() == 0


@pytest.mark.root
@pytest.mark.parametrize("role", ["friend", "helper"])
def test_a_waiting_side_gives_up_and_closes(world: support.World, role: str) -> None:
    """Nobody stays open to the network for long (the friend with --reverse least of all)."""
    port = support.free_port()
    world.ports.append(port)
    args = ["friend", "--reverse"] if role == "friend" else ["helper"]
    program = world.start(world.account(), *args, "--port", str(port), "--bind", "127.0.0.1",
                          "--wait", "2")
    if role == "friend":
        program.expect("Continue\\?")
        program.sendline("y")
    program.expect("waits for 2 seconds at most")
    other = "helper" if role == "friend" else "friend"
    program.expect(f"Your {other} did not connect within 2 seconds, so this computer "
                   "stopped waiting. Nothing was shared.", timeout=10)
    assert program.wait_exit() == 1


@pytest.mark.root
@pytest.mark.parametrize(("lang", "typed"), [("C.UTF-8", ("c2", "83")), ("C", ("83",))],
                         ids=["utf8", "8bit"])
def test_xterms_ctrl_alt_c_ends_line_mode(world: support.World, lang: str,
                                          typed: tuple[str, ...]) -> None:
    """xterm's default Ctrl+Alt+C, through tmux to the friend in line mode."""
    port = support.free_port()
    world.ports.append(port)
    helper = world.start(world.account(), "helper", "--port", str(port), "--bind", "127.0.0.1")
    helper.expect("Waiting for your friend")
    with Tmux(width=100, height=30) as tmux:
        friend = launch(tmux, world, world.account(), "friend", "127.0.0.1", "--port",
                        str(port), "--plain", term="xterm-256color", lang=lang)
        friend.wait_for(r"Continue\?")
        friend.type("y")
        friend.send("Enter")
        match = helper.expect(support.CODE_LINE)
        assert match is not None
        friend.wait_for("Type the five letters")
        friend.type(support.first_letters(match.group(1).split()))
        friend.send("Enter")
        helper.expect(r"\[y/n\]")
        helper.sendline("y")
        friend.wait_for(r"To end help, press Ctrl\+Alt\+C", timeout=30)
        helper.expect(r"To end the session, press Ctrl\+Alt\+C or F10", timeout=30)
        time.sleep(0.5)  # the shell's prompt first
        press_bytes(friend, *typed)
        friend.wait_for(support.ENDED_BY_FRIEND, timeout=5)
        helper.expect(support.FRIEND_ENDED_SEEN_BY_HELPER, timeout=5)
        friend.wait_for("EXITED 0")
        friend.wait_for("MODES RESTORED")
        assert helper.wait_exit() == 0
