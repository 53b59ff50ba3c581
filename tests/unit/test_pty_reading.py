"""What the friend's side reads from the shared pty before a helper's interrupt key and at
the end, on real ptys (the kernel counts only part of what is on its way as waiting)."""

from __future__ import annotations

import contextlib
import os
import termios

from remote_help.session import mux


def test_at_the_end_everything_a_writer_left_is_read() -> None:
    """Fill the pty as a killed program would have, then close its end: all of it is read
    (the kernel counts only about 4 KiB of it as waiting)."""
    master, slave = os.openpty()
    os.set_blocking(master, False)
    os.set_blocking(slave, False)
    data = bytearray()
    chunk = bytes(range(32, 127)) * 10
    with contextlib.suppress(BlockingIOError):
        while len(data) < 1024 * 1024:
            data += chunk[: os.write(slave, chunk)]
    os.close(slave)
    assert len(data) > 8192
    seen: list[bytes] = []
    try:
        assert mux.read_to_the_end(master, seen.append) == len(data)
    finally:
        os.close(master)
    assert b"".join(seen) == data


def test_a_writer_that_outlived_the_end_does_not_hold_it_up() -> None:
    master, slave = os.openpty()
    os.set_blocking(master, False)
    os.write(slave, b"last words")
    try:
        seen: list[bytes] = []
        assert mux.read_to_the_end(master, seen.append) == len(b"last words")
    finally:
        os.close(slave)
        os.close(master)


def test_an_interrupt_key_is_written_alone() -> None:
    master, slave = os.openpty()
    try:
        mux.keep_output_on_interrupt(master)
        keys = bytearray(b"touch x\r\x03rm y\r\x03")
        assert mux._next_helper_write(master, keys)[0] == 8  # up to the Ctrl+C
        del keys[:8]
        assert mux._next_helper_write(master, keys)[0] == 1  # the Ctrl+C alone
    finally:
        os.close(slave)
        os.close(master)


def test_noflsh_comes_back_if_something_cleared_it() -> None:
    """``stty sane`` and ``reset`` clear NOFLSH; the next key of the helper's sets it."""
    master, slave = os.openpty()
    try:
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.NOFLSH
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        mux._next_helper_write(master, bytearray(b"\x03"))
        assert termios.tcgetattr(slave)[3] & termios.NOFLSH
    finally:
        os.close(slave)
        os.close(master)
