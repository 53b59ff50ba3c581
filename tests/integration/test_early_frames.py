"""A helper whose session stream speaks first: any order of frames the protocol allows works.

The real helper holds its messages until it has seen the preamble of the side whose
channel came from sshd's forced command. A modified helper (which a helper fully
controls) need not: here its channel writes its greeting and a key the moment it opens,
before reading a byte. Against the unmodified friend, in all four orientations, the
session must still work: a command the helper types runs and shows on the friend's screen.
"""

from __future__ import annotations

import sys
import textwrap

import pytest

from tests import support

NO_SSHD = "/nonexistent/sshd"

# Run as the helper's program: its Channel writes HELLO and a key as soon as its write
# side is connected, before its read side even exists, and then never holds anything
# back. The session's own greeting is dropped (it already went), so the friend gets
# exactly one, first.
EARLY_HELPER = textwrap.dedent("""
    import asyncio, os, sys
    import remote_help.session.channel as c
    from remote_help.proto import session as sp

    async def open_early(self, rfd, wfd, *, lead):
        loop = asyncio.get_running_loop()
        wfile = os.fdopen(wfd, "wb", buffering=0)
        self._write, _ = await loop.connect_write_pipe(lambda: c._Writer(self), wfile)
        # Leading (the helper runs sshd), the preamble must still come first: the
        # friend's side skips whatever precedes it, as the noise of a shell's start-up.
        self._ready = lead
        self._write.write((c.PREAMBLE if lead else b"")
                          + sp.encode(sp.Hello("helper", "Early Bird", 100, 30))
                          + sp.encode(sp.TermIn(EARLY_KEY)))
        rfile = os.fdopen(rfd, "rb", buffering=0)
        self._read, _ = await loop.connect_read_pipe(lambda: c._Reader(self), rfile)

    def send_at_once(self, message):
        if isinstance(message, sp.Hello):
            return
        if self._write is not None and not self._write.is_closing():
            self._write.write(sp.encode(message))

    EARLY_KEY = b"\\x15"  # Ctrl+U: harmless whether the friend's side drops or types it
    c.Channel.open = open_early
    c.Channel.send = send_at_once
    from remote_help.cli import main
    sys.exit(main())
""")


def _helper_wrapper(account: support.Account) -> tuple[str, ...]:
    python = support.SYSTEM_PYTHON if account.as_other_user else sys.executable
    return (python, "-c", EARLY_HELPER)


def _walk(world: support.World, helper: support.Account, friend: support.Account, *,
          reverse: bool, server: str) -> tuple[support.Program, support.Program]:
    """Both people up to the live shared shell, the helper's program modified."""
    helper_args = ("--sshd", NO_SSHD) if server == "friend" else ()
    friend_args = ("--sshd", NO_SSHD) if server == "helper" else ()
    h, f = support.walk_to_session(world, helper, friend, reverse=reverse,
                                   helper_args=helper_args, friend_args=friend_args,
                                   helper_wrapper=_helper_wrapper(helper))
    # The friend is told who is there: the helper's early greeting arrived.
    assert "You are now connected to your helper, Early Bird (" in f.output
    return h, f


@pytest.mark.root
@pytest.mark.parametrize("reverse", [False, True], ids=["direct", "reverse"])
@pytest.mark.parametrize("server", ["helper", "friend"], ids=["helper-sshd", "friend-sshd"])
def test_a_helper_that_greets_before_the_preamble(world: support.World, reverse: bool,
                                                  server: str) -> None:
    helper = world.account(world.user())
    friend = world.account(world.user())
    h, f = _walk(world, helper, friend, reverse=reverse, server=server)
    support.run_in_shared_shell(h, f)
    h.send("id -un\r")
    f.expect(f"{friend.name}\r\n")
    h.expect(f"{friend.name}\r\n")
    assert "problem" not in f.output
    support.friend_ends_session(h, f)


@pytest.mark.root
def test_an_early_greeting_passes_a_noisy_shell_start_up(world: support.World) -> None:
    """The friend runs sshd and its ~/.bashrc prints before the bridge runs: the early
    greeting still reaches the friend, and the helper still skips the noise (the shared
    shell, an interactive bash, prints it again: that copy is the friend's to see)."""
    helper = world.account(world.user())
    friend = world.account(world.user())
    (friend.home / ".bashrc").write_text(
        "echo 'Welcome to the machine'; printf '\\000\\001\\002\\377 junk\\n'\n"
        "echo 'to stderr' >&2\n")
    h, f = _walk(world, helper, friend, reverse=False, server="friend")
    support.run_in_shared_shell(h, f)
    support.friend_ends_session(h, f)


@pytest.mark.root
@pytest.mark.parametrize("server", ["helper", "friend"], ids=["helper-sshd", "friend-sshd"])
def test_start_up_files_never_read_what_the_peer_sent_early(world: support.World,
                                                            server: str) -> None:
    """sshd starts the bridge through the account's shell, which would first run the
    account's start-up files with the channel as their input: a program there could read
    (and eat) what the other side sent early, before anything is on the screen. They are
    not run for the bridge at all; the interactive shared shell still runs them."""
    helper = world.account(world.user())
    friend = world.account(world.user())
    server_account = helper if server == "helper" else friend
    spy = server_account.home / "read-from-the-channel"
    (server_account.home / ".bashrc").write_text(
        "case $- in *i*) echo 'interactive start-up'; return ;; esac\n"
        f"read -t 3 -r line; printf '%s' \"$line\" > {spy}\n")
    h, f = _walk(world, helper, friend, reverse=False, server=server)
    support.run_in_shared_shell(h, f)
    support.friend_ends_session(h, f)
    assert not spy.exists()
    if server == "friend":
        assert "interactive start-up" in f.output  # the shared shell is the friend's own
