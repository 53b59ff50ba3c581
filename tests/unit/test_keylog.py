"""The helper's keys in words, for the friend's screen."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remote_help.session.keylog import describe, has_controls


@pytest.mark.parametrize(("keys", "words"), [
    (b"ls -la\r", "ls -la[Enter]"),
    (b"\x03", "[Ctrl+C]"),
    (b"\x1b[A\x1bOB", "[Up][Down]"),
    (b"\x7f\t", "[Backspace][Tab]"),
    (b"\x1bx", "[Alt+x]"),
    (b"\x1b[1;5A", "[key]"),
    (b"\x1b[200~rm -rf /\x1b[201~", "[paste:rm -rf /]"),
    (b"\xc3\xa9t\xc3\xa9", "été"),
    (b"\xe2\x80\xaeabc", "?abc"),  # a right-to-left override is not passed on
    (b"\x1b\x00\x1b\x7f", "[Esc][Ctrl+@][Esc][Backspace]"),  # Esc before a control
])
def test_keys_in_words(keys: bytes, words: str) -> None:
    assert describe(keys) == words


@settings(max_examples=2000)
@given(st.binary(max_size=200))
def test_nothing_described_can_act_on_a_terminal(keys: bytes) -> None:
    words = describe(keys)
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in words)
    assert not any(c in words for c in "\u200b\u200e\u202e\u2066\ufeff")


def test_controls_are_noticed() -> None:
    assert has_controls(b"ls\r")
    assert not has_controls(b"ls -la")
