"""The one table of hotkeys: no conflicts, phone-sayable, and the README agrees."""

from __future__ import annotations

import string

import pytest

from remote_help.ui import keys

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
