"""The plain terminal: end keys in every encoding, sizes of odd consoles."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from remote_help.plain.frontend import (
    END_WORDS,
    PlainFrontEnd,
    end_word,
    end_word_lines,
    sign_off_line,
)
from remote_help.plain.terminal import (
    FRIEND_END_KEYS,
    HELPER_END_KEYS,
    ORIGIN_RESET,
    RESET_MODES,
    EndKeys,
    PlainView,
)
from remote_help.proto import sas
from remote_help.session.pty import set_size
from remote_help.term.allowlist import MAX_NUMBER
from remote_help.term.filter import Sanitizer
from remote_help.wizard import status as st
from remote_help.wizard.flow import Step
from remote_help.wizard.options import Options
from tests.ui.test_friend_words import banned_in


@pytest.mark.parametrize("key", [b"\x1b\x03", b"\x1b[27;7;99~", b"\x1b[99;7u"])
def test_ctrl_alt_c_in_every_encoding_ends_and_never_reaches_the_shell(key: bytes) -> None:
    keys = EndKeys(FRIEND_END_KEYS)
    assert keys.feed(b"ls" + key + b"rm -rf ~\r") == (b"ls", True)


def test_f10_ends_only_for_the_helper() -> None:
    assert EndKeys(HELPER_END_KEYS).feed(b"\x1b[21~") == (b"", True)
    assert EndKeys(FRIEND_END_KEYS).feed(b"\x1b[21~") == (b"\x1b[21~", False)


def test_ctrl_alt_c_split_across_reads() -> None:
    keys = EndKeys(FRIEND_END_KEYS)
    assert keys.feed(b"vim\x1b") == (b"vim\x1b", False)  # Esc goes on at once
    assert keys.feed(b"\x03") == (b"", True)


def test_ordinary_keys_pass() -> None:
    keys = EndKeys(FRIEND_END_KEYS)
    assert keys.feed(b"\x03") == (b"\x03", False)  # Ctrl+C alone belongs to the shell
    assert keys.feed(b"\x1b[A") == (b"\x1b[A", False)


def test_a_console_that_says_0x0_gets_80x24() -> None:
    master, slave = os.openpty()
    try:
        set_size(slave, 0, 0)
        assert PlainView(lambda hello: [], fd=slave).size() == (80, 24)
        set_size(slave, 132, 43)
        assert PlainView(lambda hello: [], fd=slave).size() == (132, 43)
    finally:
        os.close(master)
        os.close(slave)


# -- the reset at the end covers every mode the output filter lets through ---------------

# What the filter may let through that is no mode: one-shot actions, and questions.
_ONE_SHOT_ESC = set("78DEHM>")  # save/restore cursor, index, next line, tab set, RI, keypad off
# moves, erases, scrolls, tabs, REP, save/restore cursor; status and device questions
_ONE_SHOT_CSI = {*"@ABCDEFGIJKLMPSTXZ`abdefgHnsuc", ">c"}
# Modes a program may leave, by how the filter writes them, and the reset for each.
_MODES_BY_SEQUENCE = {"m": b"\x1b[0m", "r": b"\x1b[r", " q": b"\x1b[0 q", "=": b"\x1b>"}
_DEFAULT_ON = {7, 25}  # autowrap and a visible cursor; every other DEC mode starts off


def _passes(data: bytes) -> bool:
    return bool(Sanitizer(utf8=True, queries=True).feed(data))


def _passable_dec_modes() -> tuple[set[int], set[int]]:
    """The DEC private modes the filter lets a program set, and those it lets it reset."""
    return ({n for n in range(MAX_NUMBER + 1) if _passes(b"\x1b[?%dh" % n)},
            {n for n in range(MAX_NUMBER + 1) if _passes(b"\x1b[?%dl" % n)})


def _reset_sequences() -> set[bytes]:
    """RESET_MODES as single sequences; ``CSI ? a;b l`` counts as each of its modes."""
    found: set[bytes] = set()
    for m in re.finditer(rb"\x1b\[([?>=<]?)([0-9;]*)([ -/]?[@-~])|\x1b[()]?[0-~]|[\x00-\x1f]",
                         RESET_MODES):
        if m.group(3) in (b"h", b"l") and m.group(2):
            found |= {b"\x1b[" + m.group(1) + n + m.group(3) for n in m.group(2).split(b";")}
        else:
            found.add(m.group())
    return found


def test_the_reset_restores_every_mode_the_filter_lets_through() -> None:
    reset = _reset_sequences()
    on, off = _passable_dec_modes()
    assert on and off  # the derivation sees the allow-list
    for n in on - _DEFAULT_ON - {6, 47, 1047, 1049}:  # these: the next tests
        if n != 1048:  # 1048 is no mode: it saves (h) and restores (l) the cursor
            assert b"\x1b[?%dl" % n in reset, f"DEC mode {n} is passed but never reset"
    for n in off & _DEFAULT_ON:
        assert b"\x1b[?%dh" % n in reset, f"DEC mode {n} may be turned off, never back on"
    for n in range(MAX_NUMBER + 1):
        if _passes(b"\x1b[%dh" % n):
            assert b"\x1b[%dl" % n in reset, f"ANSI mode {n} is passed but never reset"
    for final in map(chr, range(0x30, 0x7F)):
        if _passes(b"\x1b" + final.encode()) and final not in _ONE_SHOT_ESC:
            assert final in _MODES_BY_SEQUENCE, f"ESC {final} passes: is it a mode?"
            assert _MODES_BY_SEQUENCE[final] in reset
    for private, inter, final, params in itertools.product(
            ["", "?", ">", "<", "="], ["", *map(chr, range(0x20, 0x30))],
            map(chr, range(0x40, 0x7F)), ["", "1", "2", "5", "6"]):
        key = inter + final
        if (key in ("h", "l") and private in ("", "?")) or not _passes(
                f"\x1b[{private}{params}{key}".encode()):
            continue  # the modes: above
        if private + key in _ONE_SHOT_CSI:
            continue
        assert key in _MODES_BY_SEQUENCE, f"CSI {private}{params}{key} passes: is it a mode?"
        assert _MODES_BY_SEQUENCE[key] in reset


def test_the_reset_also_ends_what_issue_9_found_left_on() -> None:
    # focus reports, X10 mouse, mouse encodings, win32-input-mode, Sun function keys,
    # insert and newline modes; and the filter lets none of the first six through
    reset = _reset_sequences()
    for mode in (1004, 9, 1005, 1015, 9001, 1051):
        assert b"\x1b[?%dl" % mode in reset
        assert not _passes(b"\x1b[?%dh" % mode)
    assert {b"\x1b[4l", b"\x1b[20l"} <= reset
    assert not _passes(b"\x1b[20h")


@pytest.mark.parametrize("query", [
    b"\x1b[?4m",  # XTQMODKEYS: how keys are sent
    b"\x1b[?1$p", b"\x1b[4$p", b"\x1b[?9001$p",  # DECRQM: is a mode set
    b"\x1b[1$w", b"\x1b[2$w",  # DECRQPSR: cursor and tab stops
    b"\x1b[1;1;1;1;24;80*y",  # DECRQCRA: a checksum of what the screen shows
    b"\x05",  # ENQ: the answerback
    b"\x1bktitle\x1b\\",  # screen's and tmux's title
    b"\x1b[>0q", b"\x1bP$qm\x1b\\", b"\x1b[18t",  # version, settings, size
])
def test_no_question_reaches_the_helpers_terminal(query: bytes) -> None:
    """The friend cannot make the helper's terminal answer into the shell, nor read back
    what it shows (the end word, say, by checksums of the screen)."""
    assert Sanitizer(utf8=True, queries=False).feed(b"a" + query + b"b") == b"ab"


def _closing_bytes(shown: bytes) -> bytes:
    """What a view writes to its terminal for ``shown``, up to and including its close."""
    master, slave = os.openpty()

    async def session() -> None:
        view = PlainView(lambda hello: [], fd=slave, answers=False)
        view.show(shown)
        view.close()

    try:
        asyncio.run(session())
        os.set_blocking(master, False)
        written = b""
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(master, 65536):
                written += chunk
        return written
    finally:
        os.close(master)
        os.close(slave)


@pytest.mark.parametrize("mode", [47, 1047, 1049])
def test_an_alternate_screen_left_on_is_left_at_the_end_and_only_then(mode: int) -> None:
    """Leaving an alternate screen moves the cursor even where none is on (xterm's 1049
    restores a saved cursor, home if none was saved): only the one left on is left."""
    assert b"\x1b[?%dl" % mode not in RESET_MODES
    leave = b"\x1b[?%dl" % mode + (b"" if mode == 1049 else b"\x1b[9999;1H")  # last row
    assert _closing_bytes(b"x\x1b[?%dhy" % mode).endswith(b"y" + leave)
    assert _closing_bytes(b"x\x1b[?47h\x1b[?%dhy" % mode).endswith(b"y" + leave)
    assert _closing_bytes(b"x\x1b[?%dhy\x1b[?%dlz" % (mode, mode)).endswith(b"z")
    assert _closing_bytes(b"x\x1b7y").endswith(b"y")


@pytest.mark.parametrize("how", [b"\x1b[?6h", b"\x1b[?1;6h", b"\x1b[?06h\x1b[?6l"])
def test_origin_mode_is_reset_at_the_end_when_a_program_set_it(how: bytes) -> None:
    """Origin mode off moves the cursor home, so it is reset only after it was let through
    (and the cursor then goes to the last row); RESET_MODES cannot carry it."""
    assert b"\x1b[?6l" in ORIGIN_RESET and b"\x1b[?6l" not in RESET_MODES
    assert _closing_bytes(b"x" + how + b"y").endswith(ORIGIN_RESET)
    assert ORIGIN_RESET not in _closing_bytes(b"x\x1b[?1h\x1b7\x1b[?1049hy\x1b[?1049l")


# -- the end word --------------------------------------------------------------------------


def test_end_words_are_plain_distinct_and_no_nato_word() -> None:
    assert len(set(END_WORDS)) == len(END_WORDS) == 128
    assert all(re.fullmatch("[a-z]{4,8}", w) for w in END_WORDS)
    assert not set(END_WORDS) & {w.lower() for w in sas.NATO.values()}
    assert banned_in(" ".join(END_WORDS)) == []  # the friend reads them too


def test_an_end_word_is_two_different_words_at_random() -> None:
    seen = {end_word() for _ in range(200)}
    assert len(seen) > 190  # 16,256 pairs
    for pair in seen:
        first, second = pair.split()
        assert first != second and {first, second} <= set(END_WORDS)


@pytest.mark.parametrize("role", ["helper", "friend"])
def test_end_word_lines_fit_80_columns_and_are_plain(role: str) -> None:
    longest = " ".join(sorted(END_WORDS, key=len)[-2:])
    lines = [*end_word_lines(role, longest), sign_off_line(longest)]
    assert all(len(line) <= 80 for line in lines), lines
    assert f"    {longest}" in lines and longest in lines[-1]  # on a line of its own
    if role == "friend":
        assert banned_in(" ".join(lines)) == []
        assert "Ctrl+Alt+C" in " ".join(lines)  # what to do when the word is missing
    assert "read it out" in lines[0]  # it is shown beside the code, which is read out


def test_the_end_word_is_shown_once_and_closes_the_real_ending(
        capsys: pytest.CaptureFixture[str]) -> None:
    front = PlainFrontEnd()
    friend = Options(role="friend")
    front.show(st.SettingUp(Step.SETUP, friend))  # shown here only if the code step did not
    shown = capsys.readouterr().out
    match = re.search(r"Your end word for this session is:\n    ([a-z]+ [a-z]+)\n", shown)
    assert match is not None
    word = match.group(1)
    front.show(st.SettingUp(Step.SETUP, friend))
    assert "end word" not in capsys.readouterr().out  # chosen once, shown once
    front.show(st.Ended(Step.ENDED, friend, text="Your helper ended the session."))
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "Your helper ended the session.", sign_off_line(word)]


def test_the_end_word_is_kept_where_the_shared_shell_cannot_read_it() -> None:
    """Once the end word is chosen, the program is not dumpable: a process of the same
    user (the shared shell) can no longer read its memory."""
    code = ("import ctypes; from remote_help.plain import frontend; "
            "libc = ctypes.CDLL(None); before = libc.prctl(3, 0, 0, 0, 0); "
            "frontend.keep_memory_private(); print(before, libc.prctl(3, 0, 0, 0, 0))")
    src = str(Path(__file__).resolve().parents[2] / "src")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": src}).stdout
    assert out.split() == ["1", "0"]
