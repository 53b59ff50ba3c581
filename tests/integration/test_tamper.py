"""Neither side can make the other's remote-help do or say what it did not choose.

The helper cannot change what the friend's remote-help does next time (weakness 6), and a
name chosen by the other side cannot pass for someone else or for the program (weakness 8).

During a session the helper's shell runs as the friend's user, so it can rewrite the
friend's settings file. Here a real helper does, in a real session; then the file is put
back when the session ends, and a file left changed (as if the friend's program had been
killed before its end) is shown and asked about at the next start, never used silently.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict
from pathlib import Path

import pytest

from remote_help import sentences, settings
from remote_help.sentences import Say, text
from tests import support
from tests.e2e.test_ui import ANSWER, connect, friend_ends
from tests.tui import Tmux

FRIENDS = settings.Settings(role="friend", address="192.0.2.7", screen_sharing=False)
EVIL = settings.Settings(role="friend", address="203.0.113.66", reverse=True)
SETTINGS_PUT_BACK = text(Say.CLI_SETTINGS_PUT_BACK)


def forged(values: settings.Settings) -> str:
    """What a helper's script that copied the program's check would write."""
    body = asdict(values)
    return json.dumps(body | {"check": settings._digest(body)})


def settings_of(account: support.Account, values: settings.Settings) -> Path:
    """The account's settings file as its own remote-help saves it (as its user)."""
    path = account.config / "remote-help" / "settings.json"
    code = ("import sys; from remote_help import settings; from pathlib import Path; "
            f"sys.exit(0 if settings.save(settings.Settings(**{asdict(values)!r}), "
            f"Path({str(path)!r})) else 1)")
    subprocess.run(["runuser", "-u", account.name, "--", "env",
                    f"PYTHONPATH={support.program_source()}", support.SYSTEM_PYTHON,
                    "-c", code], check=True)
    assert values_in(path) == values
    return path


def values_in(path: Path) -> settings.Settings:
    """What the file says (read as root: the program itself reads only its own user's)."""
    data = json.loads(path.read_text())
    data.pop("check", None)
    return settings.Settings(**data)


def assert_this_sessions_answers(path: Path) -> None:
    """The friend's answers of this session: the helper at 127.0.0.1, with the port it
    used (not the usual one in these tests: issue 11 keeps it with the address)."""
    saved = values_in(path)
    assert re.fullmatch(r"127\.0\.0\.1 port \d+", saved.address), saved
    assert saved == settings.Settings(role="friend", address=saved.address)


@pytest.mark.root
@pytest.mark.parametrize("how", ["forged check", "no check"])
def test_settings_changed_in_a_session_are_put_back_at_its_end(
        world: support.World, how: str) -> None:
    friend_account = world.account(world.user())
    path = settings_of(friend_account, FRIENDS)
    helper, friend = support.walk_to_session(world, world.account(), friend_account)
    # Line mode saves this session's answers as it begins, as the full screen does.
    assert_this_sessions_answers(path)
    ours = path.read_bytes()
    text = forged(EVIL) if how == "forged check" else json.dumps(asdict(EVIL))
    helper.send(f"printf '%s' '{text}' > {path}\r")
    support.run_in_shared_shell(helper, friend)
    assert b"203.0.113.66" in path.read_bytes()  # the helper did change it
    support.friend_ends_session(helper, friend)
    assert path.read_bytes() == ours  # byte for byte what the friend's program saved
    assert " ".join(friend.output.split()).count(SETTINGS_PUT_BACK) == 1
    assert "Traceback" not in friend.output


@pytest.mark.root
def test_the_full_screen_friend_puts_back_what_the_helper_changed(world: support.World) -> None:
    """As the friend uses it from the menu: the full screen saves this session's answers
    when it begins; the helper's shell overwrites them with a forged check; once the
    friend ended it, the file is the friend's again and the friend is told."""
    friend_account = world.account(world.user())
    path = friend_account.config / "remote-help" / "settings.json"
    with Tmux(width=80, height=24) as tmux:
        helper, friend = connect(tmux, world, "xterm-256color", "C.UTF-8", friend_account)
        ours = path.read_bytes()
        assert_this_sessions_answers(path)
        helper.type(f"printf '%s' '{forged(EVIL)}' > {path}; echo $((6*7))")
        helper.send("Enter")
        helper.wait_for(ANSWER)
        friend.wait_for(ANSWER)
        assert values_in(path) == EVIL
        friend_ends(helper, friend)
        assert path.read_bytes() == ours
        # 80 wide: broken between words
        assert SETTINGS_PUT_BACK in " ".join(friend.screen().split())
        assert "Traceback" not in friend.screen()


@pytest.mark.root
@pytest.mark.parametrize("answer", ["n", "y"])
def test_settings_left_changed_are_asked_about_at_the_next_start(
        world: support.World, answer: str) -> None:
    """Left changed (the friend's program killed before its end could put them back):
    the next start shows what they say and asks; no is not using them, and the friend is
    not asked again; yes still asks about waiting for the helper to connect."""
    friend_account = world.account(world.user())
    path = settings_of(friend_account, FRIENDS)
    path.write_text(json.dumps(asdict(EVIL)))  # what the helper's shell left
    friend = world.start(friend_account, plain=False)
    friend.expect("changed by something other than remote-help")
    friend.expect("The helper's address is 203.0.113.66")
    friend.expect("The helper connects to this computer: it waits for them.")
    friend.expect("Press Y for yes or N for no, then Enter: ")
    friend.sendline(answer)
    if answer == "y":
        friend.expect("Last time, the helper connected to this computer")
        friend.expect("Press Y for yes or N for no, then Enter: ")
        friend.sendline("n")
    friend.expect("Step 1 of 7")  # the full screen, with the answers decided
    friend.send("\x1b\x03")  # Ctrl+Alt+C
    friend.expect("Cancelled. Nothing was shared.")
    assert friend.wait_exit() == 1
    kept = values_in(path)
    if answer == "n":
        assert kept == settings.Settings(role="friend")
    else:
        assert kept == settings.Settings(role="friend", address="203.0.113.66")
    assert "Traceback" not in friend.output
    # The answer was kept: the next start asks nothing and goes straight to the screen.
    again = world.start(friend_account, plain=False)
    again.expect("Step 1 of 7")
    again.send("\x1b\x03")
    again.expect("Cancelled. Nothing was shared.")
    assert again.wait_exit() == 1
    assert "changed by something other" not in again.output


@pytest.mark.root
def test_ctrl_alt_c_at_the_question_stops_and_changes_nothing(world: support.World) -> None:
    friend_account = world.account(world.user())
    path = settings_of(friend_account, FRIENDS)
    path.write_text(json.dumps(asdict(EVIL)))
    left = path.read_bytes()
    friend = world.start(friend_account, plain=False)
    friend.expect("Press Y for yes or N for no, then Enter: ")
    friend.send("\x1b\x03")  # Ctrl+Alt+C
    friend.expect("Cancelled. Nothing was shared.")
    assert friend.wait_exit() == 1
    assert path.read_bytes() == left
    assert "Traceback" not in friend.output


@pytest.mark.root
@pytest.mark.parametrize("answer", ["n", "y"])
def test_waiting_for_the_helper_is_asked_about_even_when_remote_help_saved_it(
        world: support.World, answer: str) -> None:
    """The riskiest answer (this computer waits for anyone to connect) is never reused
    silently: a forged check would pass, so it is asked about at every start."""
    friend_account = world.account(world.user())
    path = settings_of(friend_account, settings.Settings(role="friend", reverse=True))
    friend = world.start(friend_account, plain=False)
    friend.expect("Last time, the helper connected to this computer: it waited for them.")
    friend.expect("Press Y for yes or N for no, then Enter: ")
    friend.sendline(answer)
    friend.expect("Step 1 of 7")
    friend.send("c")
    friend.expect("Who are you?")
    friend.send("n")
    # Yes: this computer will wait for the helper; no: it asks for the helper's address.
    friend.expect("What your helper must know" if answer == "y" else "Your helper's address")
    friend.send("\x1b\x03")
    friend.expect("Cancelled. Nothing was shared.")
    assert friend.wait_exit() == 1
    assert "changed by something other" not in friend.output
    assert values_in(path) == settings.Settings(role="friend", reverse=answer == "y")


@pytest.mark.root
def test_a_line_mode_start_asks_nothing_and_changes_nothing(world: support.World) -> None:
    """Line mode takes only what it saved itself: nothing to ask, and the file stays as
    it was."""
    friend_account = world.account(world.user())
    path = settings_of(friend_account, FRIENDS)
    path.write_text(json.dumps(asdict(EVIL)))
    left = path.read_bytes()
    friend = world.start(friend_account, "friend", "--reverse", "--port", "0",
                         "--bind", "127.0.0.1")
    friend.expect("Continue\\?")
    friend.child.sendintr()
    friend.expect("Cancelled")
    assert friend.wait_exit() == 1
    assert "changed by something other" not in friend.output
    assert path.read_bytes() == left



CYRILLIC_MICROSOFT = "Microsoft Support".translate(str.maketrans("ocpMS", "оср\u041c\u0405"))


@pytest.mark.root
def test_look_alike_full_names_are_shown_plainly_on_both_sides(world: support.World) -> None:
    """Each program sends its account's full name; here the helper's is "Microsoft Support"
    in Cyrillic letters and the friend's imitates the program's own sentence. Each side
    sees a plain description instead, beside the real user name (which ssh used)."""
    helper_user, friend_user = world.user(), world.user()
    subprocess.run(["usermod", "-c", CYRILLIC_MICROSOFT, helper_user], check=True)
    subprocess.run(["usermod", "-c", "Help has ended", friend_user], check=True)
    helper, friend = support.walk_to_session(world, world.account(helper_user),
                                             world.account(friend_user))
    support.run_in_shared_shell(helper, friend)  # the real user names worked for ssh
    support.friend_ends_session(helper, friend)
    friend_saw = " ".join(friend.output.split())
    helper_saw = " ".join(helper.output.split())
    unusual = sentences.text(sentences.Say.NAMES_UNUSUAL)
    ours = sentences.text(sentences.Say.NAMES_OURS)
    assert (f"connected to your helper, {unusual} ({helper_user} at 127.0.0.1)."
            in friend_saw)
    assert (f"connected to your friend's computer: {ours} ({friend_user} at "
            "127.0.0.1)." in helper_saw)
    assert CYRILLIC_MICROSOFT not in friend.output
    assert "Microsoft Support" not in friend.output  # ("Banks, Microsoft and ..." is ours)
    assert helper_saw.count("Help has ended") == 0
