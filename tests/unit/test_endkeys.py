"""Ctrl+Alt+C in every form real terminals send it, whole and split across reads."""

from __future__ import annotations

import asyncio
import itertools
import os
import termios

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remote_help import aio
from remote_help.plain.frontend import Cancelled, LineInput
from remote_help.plain.terminal import FRIEND_END_KEYS, HELPER_END_KEYS
from remote_help.plain.terminal import EndKeys as PlainEndKeys
from remote_help.term.keys import EIGHT_BIT, NO_C1, UTF8, EndKeys, c1_form

# What terminals send for Ctrl+Alt+C (xterm's measured under Xvfb: see term/keys.py).
EVERY_FORM = {
    "ESC ^C (metaSendsEscape, most terminals)": b"\x1b\x03",
    "xterm default, UTF-8 locale": b"\xc2\x83",
    "xterm modifyOtherKeys 2": b"\x1b[27;7;99~",
    "xterm modifyOtherKeys 2, caps lock": b"\x1b[27;7;67~",
    "xterm modifyOtherKeys 2, shift": b"\x1b[27;8;67~",
    "modifyOtherKeys, the control character": b"\x1b[27;7;3~",
    "CSI u (kitty, foot, fixterms)": b"\x1b[99;7u",
    "xterm formatOtherKeys, caps lock": b"\x1b[67;7u",
    "kitty, caps lock": b"\x1b[99;71u",
    "kitty, num lock": b"\x1b[99;135u",
    "kitty, both locks and shift": b"\x1b[99;200u",
    "kitty, press event": b"\x1b[99;7:1u",
    "kitty, alternate keys and text": b"\x1b[99:67;8:1;67u",
    "leading zeros are numbers too": b"\x1b[0099;007u",
}
NOT_THE_END = {
    "Ctrl+C": b"\x03",
    "Esc": b"\x1b",
    "Alt+C": b"\x1bc",
    "CSI u Ctrl+C": b"\x1b[99;5u",
    "CSI u Alt+C": b"\x1b[99;3u",
    "CSI u Ctrl+Alt+Super+C": b"\x1b[99;15u",
    "CSI u Ctrl+Alt+D": b"\x1b[100;7u",
    "modifyOtherKeys Ctrl+Alt+D": b"\x1b[27;7;100~",
    "modifyOtherKeys Ctrl+C": b"\x1b[27;5;99~",
    "restore cursor": b"\x1b[u",
    "private CSI": b"\x1b[?99;7u",
    "cursor up": b"\x1b[A",
    "F10 (the friend's)": b"\x1b[21~",
    "U+00C3 U+0083 is not U+0083": b"\xc3\x83",
    "a letter ending in 83": "\u0103".encode(),  # C4 83
    "a wide letter with 83 inside": "\u30c3".encode(),  # E3 83 83
}


@pytest.mark.parametrize("form", EVERY_FORM.values(), ids=EVERY_FORM.keys())
def test_every_form_ends_and_nothing_after_it_reaches_the_shell(form: bytes) -> None:
    keys = EndKeys()
    assert keys.feed(b"ls" + form + b"rm -rf ~\r") == (b"ls", True)
    assert keys.feed(b"echo late\r") == (b"", False)  # ended: nothing more goes on


@pytest.mark.parametrize("form", EVERY_FORM.values(), ids=EVERY_FORM.keys())
def test_every_form_split_at_every_byte(form: bytes) -> None:
    for cut in range(1, len(form)):
        keys = EndKeys()
        first, ended = keys.feed(b"ls" + form[:cut])
        rest, ended_now = keys.feed(form[cut:] + b"rm\r")
        assert not ended and ended_now, cut
        # Only Esc itself, or Esc [ (Alt+[), may have gone on before the rest came.
        assert first in (b"ls", b"ls\x1b", b"ls\x1b["), cut
        assert rest == b"", cut


@pytest.mark.parametrize("key", NOT_THE_END.values(), ids=NOT_THE_END.keys())
def test_other_keys_pass_unchanged_whole_and_split(key: bytes) -> None:
    assert EndKeys().feed(key) == (key, False)
    for cut in range(1, len(key)):
        keys = EndKeys()
        first, _ = keys.feed(key[:cut])
        second, ended = keys.feed(key[cut:])
        assert first + second == key and not ended, cut


def test_the_utf8_form_split_sends_no_half_character_to_the_shell() -> None:
    keys = EndKeys()
    assert keys.feed(b"vim \xc2") == (b"vim ", False)  # C2 waits: alone it is no character
    assert keys.feed(b"\x83") == (b"", True)


def test_a_held_half_character_goes_on_with_its_other_half() -> None:
    keys = EndKeys()
    assert keys.feed(b"caf\xc2") == (b"caf", False)
    assert keys.feed(b"\xa9!") == (b"\xc2\xa9!", False)


def test_a_letter_split_before_its_83_is_not_the_end_key() -> None:
    keys = EndKeys()
    assert keys.feed(b"\xc4") == (b"\xc4", False)
    assert keys.feed(b"\x83") == (b"\x83", False)  # the second half of U+0103


def test_esc_goes_on_at_once_and_a_late_ctrl_c_still_ends() -> None:
    keys = EndKeys()
    assert keys.feed(b"vim\x1b") == (b"vim\x1b", False)
    assert keys.feed(b"\x03") == (b"", True)


def test_alt_bracket_goes_on_at_once() -> None:
    keys = EndKeys()
    assert keys.feed(b"\x1b[") == (b"\x1b[", False)
    assert keys.feed(b"x") == (b"x", False)


def test_a_started_sequence_waits_only_for_the_next_read() -> None:
    keys = EndKeys()
    assert keys.feed(b"\x1b[1") == (b"", False)  # no key: a sequence begun
    assert keys.feed(b";5A") == (b"\x1b[1;5A", False)


def test_an_endless_sequence_is_passed_on_not_held() -> None:
    long = b"\x1b[" + b"1;" * 40
    assert EndKeys().feed(long) == (long, False)


def test_a_stray_83_in_utf8_is_an_eight_bit_terminal_s_ctrl_alt_c() -> None:
    # xterm started in a C locale, the program in a UTF-8 one: 83 alone is no UTF-8 text.
    assert EndKeys(charset=UTF8).feed(b"ls\x83rm") == (b"ls", True)


def test_the_eight_bit_form_in_an_eight_bit_locale() -> None:
    keys = EndKeys(charset=EIGHT_BIT)
    assert keys.feed(b"ls\x83rm") == (b"ls", True)
    assert EndKeys(charset=EIGHT_BIT).feed(b"\xe9t\xe9") == (b"\xe9t\xe9", False)


def test_where_83_can_be_half_a_character_only_escape_forms_end() -> None:
    keys = EndKeys(charset=NO_C1)
    text = "\u4e2d".encode("gbk") + b"\x83\x40"  # GBK: 83 40 is a character
    assert keys.feed(text) == (text, False)
    assert keys.feed(b"\x1b\x03") == (b"", True)


@pytest.mark.parametrize(("encoding", "form"), [
    ("UTF-8", UTF8), ("utf8", UTF8), ("ANSI_X3.4-1968", EIGHT_BIT), ("ISO-8859-1", EIGHT_BIT),
    ("ISO-8859-15", EIGHT_BIT), ("KOI8-R", EIGHT_BIT), ("GBK", NO_C1), ("BIG5", NO_C1),
    ("no-such-charset", EIGHT_BIT),
])
def test_the_eight_bit_form_by_locale(encoding: str, form: str) -> None:
    assert c1_form(encoding) == form


def test_f10_ends_only_where_asked() -> None:
    assert EndKeys(f10=True).feed(b"\x1b[21~") == (b"", True)
    assert EndKeys().feed(b"\x1b[21~") == (b"\x1b[21~", False)
    assert EndKeys(f10=True).feed(b"\x1b[21;2~") == (b"\x1b[21;2~", False)


def test_translate_turns_every_form_into_esc_ctrl_c_and_goes_on() -> None:
    keys = EndKeys()
    typed = b"a" + b"b".join(EVERY_FORM.values()) + b"z"
    assert keys.translate(typed) == b"a" + b"b".join([b"\x1b\x03"] * len(EVERY_FORM)) + b"z"


def test_translate_across_reads() -> None:
    keys = EndKeys()
    assert keys.translate(b"x\xc2") == b"x"
    assert keys.translate(b"\x83y\x1b[27;7") == b"\x1b\x03y"
    assert keys.translate(b";99~") == b"\x1b\x03"


@pytest.mark.parametrize(("charset", "form"), [(UTF8, b"\xc2\x83"), (EIGHT_BIT, b"\x83")])
def test_line_mode_ends_on_xterms_default_forms(charset: str, form: bytes) -> None:
    assert PlainEndKeys(FRIEND_END_KEYS, charset).feed(b"ls" + form + b"rm") == (b"ls", True)
    assert PlainEndKeys(HELPER_END_KEYS, charset).feed(form) == (b"", True)
    assert PlainEndKeys(HELPER_END_KEYS, charset).feed(b"\x1b[21~") == (b"", True)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


@given(st.text().filter(lambda t: "\x83" not in t and "\x1b" not in t),
       st.lists(st.integers(0, 400), max_size=8))
def test_any_text_passes_unchanged_however_it_is_split(text: str, cuts: list[int]) -> None:
    data = text.encode()
    keys = EndKeys()
    passed = [keys.feed(piece) for piece in _split(data, cuts)]
    assert b"".join(p for p, _ in passed) == data
    assert not any(ended for _, ended in passed)


@given(st.text().filter(lambda t: "\x83" not in t and "\x1b" not in t),
       st.sampled_from(sorted(EVERY_FORM.values())), st.lists(st.integers(0, 400), max_size=8))
def test_text_then_the_key_ends_however_it_is_split(text: str, form: bytes,
                                                    cuts: list[int]) -> None:
    data = text.encode()
    keys = EndKeys()
    passed = [keys.feed(piece) for piece in _split(data + form + b"rm -rf ~\r", cuts)]
    shown = b"".join(p for p, _ in passed)
    assert any(ended for _, ended in passed)
    assert shown in (data, data + b"\x1b", data + b"\x1b[")  # Esc goes on at once


@pytest.mark.parametrize("form", [b"\xc2\x83", b"\x83"], ids=["utf8", "8bit"])
def test_xterms_ctrl_alt_c_stops_a_line_mode_question_without_enter(form: bytes) -> None:
    """Before the session the terminal is in line mode: 83 must end the line at once."""
    master, slave = os.openpty()

    async def answers() -> tuple[str, BaseException | None]:
        lines = LineInput(slave)
        os.write(master, b"yes\r")
        first = await lines.readline()
        loop = asyncio.get_running_loop()
        loop.call_later(0.1, os.write, master, b"n" + form)  # and no Enter
        try:
            await aio.wait_for(lines.readline(), 5)
        except (Cancelled, TimeoutError) as exc:
            return first, exc
        return first, None

    try:
        first, stopped = asyncio.run(answers())
        assert first == "yes"
        assert isinstance(stopped, Cancelled)
        assert termios.tcgetattr(slave)[6][termios.VEOL] == b"\0"  # as it was
    finally:
        os.close(master)
        os.close(slave)


def test_esc_then_ctrl_c_a_moment_later_is_two_keys() -> None:
    """Found by review: a friend who presses Esc, then Ctrl+C to stop something, did not
    mean Ctrl+Alt+C."""
    now = [100.0]
    keys = EndKeys(clock=lambda: now[0])
    assert keys.feed(b"\x1b") == (b"\x1b", False)
    now[0] += 1.0
    assert keys.feed(b"\x03") == (b"\x03", False)
    assert keys.feed(b"\x1b") == (b"\x1b", False)
    now[0] += 0.01  # the same key press, split across two reads
    assert keys.feed(b"\x03") == (b"", True)
