"""The plain terminal: end keys in every encoding, sizes of odd consoles."""

from __future__ import annotations

import os

import pytest

from remote_help.plain.terminal import FRIEND_END_KEYS, HELPER_END_KEYS, EndKeys, PlainView
from remote_help.session.pty import set_size


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
