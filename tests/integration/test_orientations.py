"""Both SSH orientations, direct and reverse TCP, as normal users and as root.

Real programs, real ``ssh`` and ``sshd -i``: a command typed on the helper's side runs in
the friend's pty and its output appears on both sides.
"""

from __future__ import annotations

import pytest

from tests import support

NO_SSHD = "/nonexistent/sshd"


def _session(world: support.World, helper: support.Account, friend: support.Account,
             reverse: bool, server: str) -> None:
    helper_args = ("--sshd", NO_SSHD) if server == "friend" else ()
    friend_args = ("--sshd", NO_SSHD) if server == "helper" else ()
    h, f = support.walk_to_session(world, helper, friend, reverse=reverse,
                                   helper_args=helper_args, friend_args=friend_args)
    support.run_in_shared_shell(h, f)
    h.send("id -un\r")
    f.expect(f"{friend.name}\r\n")  # the shell is the friend's, whoever runs sshd
    h.expect(f"{friend.name}\r\n")
    support.friend_ends_session(h, f)


@pytest.mark.root
@pytest.mark.parametrize("reverse", [False, True], ids=["direct", "reverse"])
@pytest.mark.parametrize("server", ["helper", "friend"], ids=["helper-sshd", "friend-sshd"])
def test_normal_users(world: support.World, reverse: bool, server: str) -> None:
    helper = world.account(world.user())
    friend = world.account(world.user())
    _session(world, helper, friend, reverse, server)


@pytest.mark.root
@pytest.mark.parametrize("server", ["helper", "friend"], ids=["helper-sshd", "friend-sshd"])
def test_friend_is_root_as_in_recovery_mode(world: support.World, server: str) -> None:
    helper = world.account(world.user())
    friend = world.account()  # root
    _session(world, helper, friend, False, server)


@pytest.mark.root
def test_helper_is_root_and_runs_sshd(world: support.World) -> None:
    helper = world.account()
    friend = world.account(world.user())
    _session(world, helper, friend, True, "helper")


@pytest.mark.root
def test_neither_side_has_sshd(world: support.World) -> None:
    helper = world.account(world.user())
    friend = world.account(world.user())
    port = support.free_port()
    world.ports.append(port)
    h = world.start(helper, "helper", "--port", str(port), "--bind", "127.0.0.1",
                    "--sshd", NO_SSHD)
    h.expect("Waiting for your friend")
    f = world.start(friend, "friend", "127.0.0.1", "--port", str(port), "--sshd", NO_SSHD)
    f.expect("Continue\\?")
    f.sendline("y")
    h.expect("sudo apt install openssh-server")
    f.expect("Your helper's computer is missing a program")
    assert f.wait_exit() != 0
    # Any caller can claim to have no server: the helper is told why and keeps waiting.
    h.expect(support.said("Still waiting for your friend"))  # lines broken between words
    h.child.sendintr()
    assert h.wait_exit() != 0
    assert "Read these words" not in h.output  # no code is read when nothing could follow


@pytest.mark.root
@pytest.mark.parametrize("server", ["helper", "friend"], ids=["helper-sshd", "friend-sshd"])
def test_noisy_shell_start_up_files_do_not_break_the_stream(world: support.World,
                                                            server: str) -> None:
    """sshd runs the forced command through the account's shell, which reads ~/.bashrc:
    whatever that prints lands in the channel before our stream and must be skipped."""
    helper = world.account(world.user())
    friend = world.account(world.user())
    noisy = helper if server == "helper" else friend
    rc = noisy.home / ".bashrc"
    rc.write_text("echo 'Welcome to the machine'; printf '\\000\\001\\002\\377 junk\\n'\n"
                  "echo 'to stderr' >&2\n")
    _session(world, helper, friend, False, server)


@pytest.mark.root
def test_a_broken_sshd_makes_the_other_side_serve(world: support.World) -> None:
    """The helper's "sshd" exists but refuses our settings (here it is /bin/false): found
    before the handshake, so the friend's sshd serves and the session still works."""
    helper = world.account(world.user())
    friend = world.account(world.user())
    h, f = support.walk_to_session(world, helper, friend, helper_args=("--sshd", "/bin/false"))
    support.run_in_shared_shell(h, f)
    f.send("\x1b\x03")
    assert f.wait_exit() == 0
    assert h.wait_exit() == 0
