"""The one table of hotkeys: no conflicts, phone-sayable, and the README agrees."""

from __future__ import annotations

import os
import string
import time
import tty
from collections.abc import Iterator

import pytest

from remote_help.term.keys import EIGHT_BIT, UTF8
from remote_help.ui import keys
from remote_help.ui.keyboard import KeyboardScreen

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_no_key_means_two_things_on_one_screen() -> None:
    assert keys.conflicts() == []


def test_the_friend_typing_the_code_can_type_every_letter_and_digit() -> None:
    for key in string.ascii_lowercase + string.ascii_uppercase + string.digits:
        assert keys.action_for(keys.VERIFY_FRIEND, key) is None, key


def test_the_address_field_can_take_every_digit_dot_and_colon() -> None:
    for key in string.digits + ".:":
        assert keys.action_for(keys.DETAILS, key) is None, key


def test_the_helper_typing_an_address_is_not_caught_by_hex_letters() -> None:
    # Pasted IPv6 addresses carry a-f; on the details screen those are never hotkeys.
    for key in "adef":
        assert keys.action_for(keys.DETAILS, key) is None, key


@pytest.mark.parametrize("screen", keys.SCREENS)
def test_every_screen_has_a_way_out(screen: str) -> None:
    actions = {k.action for k in keys.for_screen(screen)}
    assert actions & {"stop", "quit", "end", "close", "close-help"}, screen


@pytest.mark.parametrize("screen", [s for s in keys.SCREENS
                                    if s not in (keys.SESSION_FRIEND, keys.SESSION_HELPER)])
def test_ctrl_alt_c_stops_every_step_before_the_session(screen: str) -> None:
    if screen == keys.HELP:
        return
    assert keys.action_for(screen, keys.CTRL_ALT_C) == "stop"


def test_ctrl_alt_c_ends_the_session_on_both_sides() -> None:
    assert keys.action_for(keys.SESSION_FRIEND, keys.CTRL_ALT_C) == "end"
    assert keys.action_for(keys.SESSION_HELPER, keys.CTRL_ALT_C) == "end"
    assert keys.action_for(keys.SESSION_HELPER, "f10") == "end"


def test_in_the_session_only_the_end_keys_are_taken_from_the_shell() -> None:
    for screen in (keys.SESSION_FRIEND, keys.SESSION_HELPER):
        taken = {k for entry in keys.for_screen(screen) for k in entry.keys}
        assert taken <= {keys.CTRL_ALT_C, "f10"}


def test_every_key_can_be_said_on_the_phone() -> None:
    for entry in keys.KEYS:
        for part in entry.said.replace(" or ", "+").split("+"):
            assert (len(part) == 1 and part.isupper()) or part in {
                "Enter", "Escape", "Backspace", "Ctrl", "Alt", "C", "F1", "F10"}, entry


def test_the_readme_key_table_is_the_table() -> None:
    readme = (ROOT / "README.md").read_text()
    assert keys.markdown_table() in readme


@pytest.fixture
def keyboard() -> Iterator[tuple[int, int]]:
    """A raw pty: the master is the person's terminal, the slave the program's."""
    master, slave = os.openpty()
    tty.setraw(slave)
    try:
        yield master, slave
    finally:
        os.close(master)
        os.close(slave)


def _urwid_keys(keyboard: tuple[int, int], charset: str, typed: bytes) -> list[str]:
    """What the full-screen program's urwid decodes from ``typed``, read by read."""
    master, slave = keyboard
    with os.fdopen(os.dup(slave), "rb", buffering=0) as given, \
            os.fdopen(os.dup(slave), "w") as shown:
        screen = KeyboardScreen(charset, input=given, output=shown)
        screen.start()
        try:
            os.write(master, typed)
            time.sleep(0.05)
            codes = screen.get_available_raw_input()
            decoded, _ = screen.parse_input(None, None, codes, wait_for_more=False)
        finally:
            screen.stop()
    return [key for key in decoded if key != "window resize"]


CTRL_ALT_C_FORMS = {
    "ESC ^C": (UTF8, b"\x1b\x03"),
    "xterm, UTF-8": (UTF8, b"\xc2\x83"),
    "xterm, 8-bit locale": (EIGHT_BIT, b"\x83"),
    "modifyOtherKeys": (UTF8, b"\x1b[27;7;99~"),
    "CSI u": (UTF8, b"\x1b[99;7u"),
    "CSI u, caps lock": (UTF8, b"\x1b[99;71u"),
}


@pytest.mark.parametrize(("charset", "typed"), CTRL_ALT_C_FORMS.values(),
                         ids=CTRL_ALT_C_FORMS.keys())
def test_urwid_reads_every_form_of_ctrl_alt_c_as_the_one_end_key(
        keyboard: tuple[int, int], charset: str, typed: bytes) -> None:
    decoded = _urwid_keys(keyboard, charset, b"a" + typed + b"b")
    assert decoded == ["a", keys.CTRL_ALT_C, "b"]
    assert keys.action_for(keys.SESSION_FRIEND, decoded[1]) == "end"
    assert keys.action_for(keys.SESSION_HELPER, decoded[1]) == "end"
    assert keys.action_for(keys.WELCOME, decoded[1]) == "stop"


def test_urwid_still_reads_f10_and_letters(keyboard: tuple[int, int]) -> None:
    assert _urwid_keys(keyboard, UTF8, "\x1b[21~é".encode()) == ["f10", "é"]
