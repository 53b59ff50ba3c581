"""The plain-mode shared terminal: raw keys in, sanitized bytes out, end keys caught."""

from __future__ import annotations

import asyncio
import contextlib
import locale
import os
import shutil
import termios
import tty
from collections.abc import Callable
from typing import Any

from remote_help.proto.sanitize import Sanitizer
from remote_help.proto.session import Hello

FRIEND_END_KEYS = (b"\x1b\x03",)  # Ctrl+Alt+C
HELPER_END_KEYS = (b"\x1b\x03", b"\x1b[21~")  # Ctrl+Alt+C, F10
# Leave whatever modes the shell's programs set on the real terminal: alternate screen,
# hidden cursor, mouse reporting, bracketed paste, keypad modes, scroll region, colours.
RESET_MODES = (
    b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l"
    b"\x1b[?1l\x1b>\x1b[0m"
    b"\x1b7\x1b[r\x1b8"  # the scroll region reset moves the cursor home: save, restore
)


def utf8_locale() -> bool:
    return "utf" in (locale.getpreferredencoding(False) or "").lower().replace("-", "")


class EndKeys:
    """Finds an end-key combination in typed bytes; everything before it passes on."""

    def __init__(self, patterns: tuple[bytes, ...]) -> None:
        self._patterns = patterns
        self._after_esc = False

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        # Ctrl+Alt+C split across two reads: ESC already went on; the Ctrl+C does not.
        if self._after_esc and data.startswith(b"\x03") and b"\x1b\x03" in self._patterns:
            return b"", True
        hits = [data.find(p) for p in self._patterns if p in data]
        if hits:
            return data[: min(hits)], True
        self._after_esc = data.endswith(b"\x1b")
        return data, False


BACKLOG_LIMIT = 256 * 1024  # bytes waiting for a slow terminal before we stop taking more


class PlainView:
    """Shows the shared terminal's bytes on our real terminal, minus dangerous sequences.

    Writes never block the event loop (so the end keys always work): what the terminal
    cannot take yet waits in a bounded backlog, and ``busy`` tells the session to stop
    reading more until ``on_drained`` is called.
    """

    def __init__(self, greeting: Callable[[Hello], list[str]], fd: int = 1) -> None:
        self.fd = fd
        self._greeting = greeting
        self._sanitizer = Sanitizer(utf8=utf8_locale())
        self._backlog = bytearray()
        self._watching = False
        self.on_drained: Callable[[], None] = lambda: None

    @property
    def busy(self) -> bool:
        return len(self._backlog) >= BACKLOG_LIMIT

    def connected(self, peer: Hello) -> None:
        lines = self._greeting(peer)
        self._write(("\r\n".join(lines) + "\r\n\r\n").encode(errors="replace"))

    def show(self, data: bytes) -> None:
        self._write(self._sanitizer.feed(data))

    def size(self) -> tuple[int, int]:
        try:
            size = os.get_terminal_size(self.fd)
        except OSError:
            size = shutil.get_terminal_size()
        return max(1, min(size.columns, 1000)), max(1, min(size.lines, 1000))

    def notice(self, text: str) -> None:
        self._write(f"\r\n[remote-help] {text}\r\n".encode(errors="replace"))

    def _write(self, data: bytes) -> None:
        self._backlog += data
        self._flush()

    def _flush(self) -> None:
        was_busy = self.busy
        while self._backlog:
            try:
                written = os.write(self.fd, self._backlog[:65536])
            except BlockingIOError:
                break
            except OSError:
                self._backlog.clear()  # the terminal is gone; nothing more to show
                break
            del self._backlog[:written]
        self._watch(bool(self._backlog))
        if was_busy and not self.busy:
            self.on_drained()

    def _watch(self, on: bool) -> None:
        if on == self._watching:
            return
        loop = asyncio.get_running_loop()
        self._watching = on
        if on:
            loop.add_writer(self.fd, self._flush)
        else:
            loop.remove_writer(self.fd)

    def close(self) -> None:
        """Stop watching the terminal. Output it could not take is dropped: the session
        is over, and a stalled terminal must not keep us from ending it."""
        if self._watching:
            self._watch(False)
        self._backlog.clear()


class RawMode:
    """Put the terminal in raw mode; always restore it, and reset modes the shell set."""

    def __init__(self, fd: int = 0, out: int = 1) -> None:
        self.fd = fd
        self.out = out
        self._saved: list[Any] | None = None
        self._blocking = (True, True)

    def __enter__(self) -> RawMode:
        with contextlib.suppress(termios.error):
            self._saved = termios.tcgetattr(self.fd)
            tty.setraw(self.fd)
        # Output is written without blocking during the session (see PlainView). stdin
        # and stdout are usually one open terminal, so this applies to both.
        self._blocking = os.get_blocking(self.out), os.get_blocking(self.fd)
        os.set_blocking(self.out, False)
        return self

    def __exit__(self, *exc: object) -> None:
        os.set_blocking(self.out, self._blocking[0])
        os.set_blocking(self.fd, self._blocking[1])
        with contextlib.suppress(OSError):
            os.write(self.out, RESET_MODES + b"\r\n")
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
