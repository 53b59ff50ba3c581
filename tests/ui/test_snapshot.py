"""The emulator's screen as bytes that redraw it: what a helper who fell behind is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remote_help.term.screen import BOLD, HIDDEN, REVERSE, Screen
from remote_help.term.snapshot import redraw, sgr_of

CORPUS = Path(__file__).with_name("corpus")


def state(screen: Screen) -> tuple[object, ...]:
    """Everything a redraw promises to carry."""
    return ([screen.row(y) for y in range(screen.rows)], screen.cursor, screen.attr,
            screen.margins, screen.alternate, screen.app_cursor_keys, screen.app_keypad,
            screen.bracketed_paste, sorted(screen.mouse_modes), screen.cursor_visible,
            screen.autowrap, screen.insert, screen.origin)


def replayed(screen: Screen) -> Screen:
    copy = Screen(screen.cols, screen.rows)
    copy.feed(redraw(screen))
    return copy


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.bin")))
def test_every_point_of_real_programs_is_redrawn_exactly(name: str) -> None:
    data = (CORPUS / f"{name}.bin").read_bytes()
    screen = Screen(80, 24)
    for start in range(0, len(data), 997):
        screen.feed(data[start : start + 997])
        assert state(replayed(screen)) == state(screen)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    b"hello ", b"\xe6\x97\xa5\xe6\x9c\xac", b"e\xcc\x81", b"\r\n", b"\x1b[31;1m",
    b"\x1b[7;48;5;200m",
    b"\x1b[0m", b"\x1b[5;10H", b"\x1b[2J", b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b[?25l",
    b"\x1b[?1h", b"\x1b=", b"\x1b[3;8r", b"\x1b[?6h", b"\x1b[?7l", b"\x1b[4h", b"\x1b[?1000h",
    b"\x1b[?2004h", b"\x1b[38;2;1;2;3m", b"\x1b[8m", b"x" * 90, b"\x1b[K", b"\x1bM",
]), max_size=40))
def test_any_screen_is_redrawn_exactly(pieces: list[bytes]) -> None:
    screen = Screen(40, 10)
    screen.feed(b"".join(pieces))
    assert state(replayed(screen)) == state(screen)


def test_a_redraw_is_one_sgr_per_run() -> None:
    assert sgr_of(0) == "\x1b[0m"
    assert sgr_of(BOLD | REVERSE | HIDDEN) == "\x1b[0;1;7;8m"


def test_reset_forgets_half_a_character_and_half_a_sequence() -> None:
    screen = Screen(20, 3)
    screen.feed(b"ab\x1b[3")
    screen.feed(b"\xe6\x97")
    screen.reset()
    screen.feed(b"ok")
    assert screen.text_lines() == ["ok", "", ""]


def test_a_cursor_restored_outside_the_region_in_origin_mode_is_redrawn_there() -> None:
    """Found by Hypothesis: origin mode, the alternate screen (which saves the cursor), a
    region set, the main screen again: the cursor is back above the region, in origin mode,
    where no cursor move can put it."""
    screen = Screen(40, 10)
    screen.feed(b"\x1b[?6h\x1b[?1049h\x1b[3;8r\x1b[?1049l")
    assert screen.origin and screen.cursor == (0, 0) and screen.margins == (2, 7)
    assert state(replayed(screen)) == state(screen)
