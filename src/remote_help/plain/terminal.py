"""The plain-mode shared terminal: raw keys in, sanitized bytes out, end keys caught."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import termios
import textwrap
import time
import tty
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from remote_help.aio import FdWatch
from remote_help.proto.session import Hello
from remote_help.sentences import Say, text
from remote_help.term import keys as term_keys
from remote_help.term.encoding import terminal_encoding, utf8_locale
from remote_help.term.filter import Sanitizer

if TYPE_CHECKING:
    from remote_help.term.screen import Screen

# Ctrl+Alt+C in every form real terminals send it (see term/keys.py); the helper, F10 too.
FRIEND_END_KEYS = frozenset({"ctrl+alt+c"})
HELPER_END_KEYS = frozenset({"ctrl+alt+c", "f10"})
# Leave whatever modes the shell's programs set on the real terminal. Every mode the
# output filter can let through (tests/unit/test_plain_terminal.py derives them from it):
# the cursor (shown, not blinking, its usual shape), bracketed paste, cursor keys and
# keypad, insert, reverse screen, autowrap on, colours and the scroll region; the
# alternate screens and origin mode below. And, though the filter passes none of them,
# mouse and focus reports and their encodings, keyboard modes (modifyOtherKeys, kitty's,
# Sun function keys, Windows Terminal's win32-input-mode, which turns Ctrl+Alt+C and F10
# into other bytes), newline mode and the character sets.
RESET_MODES = (
    b"\x1b[?25h\x1b[?12l\x1b[0 q"
    b"\x1b[?2004l\x1b[?1l\x1b>\x1b[4l\x1b[?5l\x1b[?7h\x1b[0m"
    b"\x1b[?9l\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1004l\x1b[?1005l\x1b[?1006l"
    b"\x1b[?1015l\x1b[?1016l\x1b[>4m\x1b[<u\x1b[?1051l\x1b[?9001l\x1b[20l\x1b(B\x0f"
    b"\x1b7\x1b[r\x1b8"  # the scroll region reset moves the cursor home: save, restore
)
# Modes whose reset moves the cursor, so that the closing words would be written over the
# screen: each is reset only when a program left it on (see ``modes_left``). Leaving an
# alternate screen that is not on still moves it (xterm's 1049 restores a saved cursor,
# home if none was saved); leaving 47 or 1047 keeps the cursor where it was on the
# alternate screen, so it goes on to the last row. Origin mode off moves the cursor home,
# and where it was cannot be saved (DECSC saves the mode too): then the last row too.
TO_LAST_ROW = b"\x1b[9999;1H"
ORIGIN_RESET = b"\x1b[?6l" + TO_LAST_ROW


def modes_left(sanitizer: Sanitizer) -> bytes:
    """What ends the modes of those that the filter's output left on."""
    left = b""
    if sanitizer.alternate is not None:
        left = b"\x1b[?%dl" % sanitizer.alternate
        left += b"" if sanitizer.alternate == 1049 else TO_LAST_ROW
    return left + (ORIGIN_RESET if sanitizer.origin_set else b"")


DEFAULT_COLUMNS = 80  # when the terminal does not say how wide it is (serial consoles: 0)


def columns(fd: int = 1) -> int:
    """How many characters a line of this terminal holds."""
    try:
        cols = os.get_terminal_size(fd).columns
    except OSError:
        cols = 0
    return min(cols, 1000) if cols > 0 else DEFAULT_COLUMNS


def fit(words: str, cols: int) -> list[str]:
    """``words`` as lines of at most ``cols`` characters, broken between words (a line's
    own line breaks and indentation kept): a terminal breaks a long line wherever its
    edge falls, in the middle of a word ("pr" / "ess"). Only what is longer than a whole
    line (a key, a long address) is cut."""
    lines: list[str] = []
    for line in words.split("\n"):
        indent = line[: len(line) - len(line.lstrip(" "))]
        lines += textwrap.wrap(line, max(cols, len(indent) + 8), subsequent_indent=indent,
                               break_on_hyphens=False, drop_whitespace=True) or [""]
    return lines


def fit_prompt(prompt: str, cols: int, room: int = 16) -> str:
    """A question, fitted to the width, leaving ``room`` on its last line for the answer
    typed after it (else the terminal breaks the answer onto a line of its own)."""
    lines = fit(prompt, cols)
    if len(lines[-1]) + room > cols > 2 * room:
        lines[-1:] = fit(lines[-1], cols - room)
    return "\n".join(lines)


class EndKeys(term_keys.EndKeys):
    """Finds an end key in typed bytes; everything before it passes on."""

    def __init__(self, which: frozenset[str], charset: str | None = None) -> None:
        """``charset``: how the 8-bit form arrives; by default from the locale."""
        super().__init__(charset=charset or term_keys.c1_form(terminal_encoding()),
                         f10="f10" in which)


@contextlib.contextmanager
def end_key_ends_line(fd: int) -> Iterator[None]:
    """While a line is typed, Ctrl+Alt+C ends it at once, so it can stop the journey
    without Enter: xterm's 8-bit form ends in 83 (C2 83 in UTF-8), modifyOtherKeys' in
    "~" (no answer has one); ESC Ctrl+C interrupts by itself. CSI u ends in "u", a letter
    people type: that form counts only once Enter is pressed."""
    try:
        saved = termios.tcgetattr(fd)
        changed = [*saved[:6], list(saved[6])]
        for index, end in ((termios.VEOL, term_keys.C1_CTRL_ALT_C), (termios.VEOL2, 0x7E)):
            if changed[6][index] in (b"\0", 0):  # unless the person chose their own
                changed[6][index] = bytes([end])
        termios.tcsetattr(fd, termios.TCSANOW, changed)
    except termios.error:  # not a terminal: lines as they come
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)


BACKLOG_LIMIT = 256 * 1024  # bytes waiting for a slow terminal before we stop taking more
CLOSE_PATIENCE = 0.5  # seconds the last output may take to reach the terminal at the end
TYPED_PAUSE = 1.0  # seconds after the helper's last hidden key before it is shown anyway
COPY_BATCH = 256 * 1024  # bytes of output fed at once to the friend's emulated copy
COPY_COST = 100_000  # the emulator's cost units (term.grid.STEP) between looks at the clock
COPY_BUDGET = 0.02  # seconds the copy is parsed at a time; the rest on a later turn
COPY_SNAPSHOT_BUDGET = 0.1  # seconds, at most, before a catch-up snapshot is taken


class PlainView:
    """Shows the shared terminal's bytes on our real terminal, minus dangerous sequences.

    Writes never block the event loop (so the end keys always work): what the terminal
    cannot take yet waits in a bounded backlog, and ``busy`` tells the session to stop
    reading more until ``on_drained`` is called.
    """

    def __init__(self, greeting: Callable[[Hello], list[str]], fd: int = 1, *,
                 answers: bool = True) -> None:
        """``answers``: this terminal may answer the shell's questions (the friend's)."""
        self.fd = fd
        self._greeting = greeting
        self._encoding = terminal_encoding()
        self._sanitizer = Sanitizer(utf8=utf8_locale(), queries=answers)
        self._text_filter = Sanitizer(utf8=utf8_locale(), queries=False)
        self._backlog = bytearray()
        self._writer = FdWatch("write", self._flush)
        self.on_drained: Callable[[], None] = lambda: None
        self._answers = answers
        # The friend's side keeps an emulated copy of the screen, to catch a helper up. It is
        # fed in large batches: the emulator skips what scrolls away within one batch.
        self._copy: Screen | None = None
        self._unparsed = bytearray()
        self._copy_turn: asyncio.Handle | None = None
        if answers:
            from remote_help.term.screen import Screen  # noqa: PLC0415  (not for --version)

            self._copy = Screen(*self.size())
        self._typed = ""  # the helper's keys the shell did not echo, not shown yet
        self._typed_timer: asyncio.TimerHandle | None = None

    @property
    def busy(self) -> bool:
        return len(self._backlog) >= BACKLOG_LIMIT or self._copy_behind()

    def connected(self, peer: Hello) -> None:
        self._say("\r\n".join(self._fitted(self._greeting(peer))) + "\r\n\r\n")

    def _fitted(self, lines: list[str]) -> list[str]:
        """Our own lines, broken between words at this terminal's width."""
        cols = columns(self.fd)
        return [part for line in lines for part in fit(line, cols)]

    def grid(self, cols: int, rows: int) -> None:
        """Plain mode shows the bytes as they come; the size warning says the rest."""

    def show(self, data: bytes) -> None:
        if self._copy is not None:
            self._unparsed += data
            if len(self._unparsed) >= COPY_BATCH:
                self._feed_copy()
        self._write(self._sanitizer.feed(data))

    def _feed_copy(self, seconds: float = COPY_BUDGET) -> None:
        """Parse what waits into the emulated copy, for ``seconds`` at most: a flood of
        costly sequences (clear screens) must not hold up the end keys. The rest is
        parsed on later turns of the loop; while a whole batch more waits, the shell
        waits too (``busy``)."""
        copy = self._copy
        if copy is None:
            self._unparsed.clear()
            return
        started = time.monotonic()
        while copy.behind or self._unparsed:
            if copy.behind:
                copy.feed(b"", COPY_COST)
            else:
                copy.feed(bytes(self._unparsed), COPY_COST)
                self._unparsed.clear()
            if time.monotonic() - started >= seconds:
                break
        if (copy.behind or len(self._unparsed) >= COPY_BATCH) and self._copy_turn is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop to come back to: all of it now
                copy.feed(b"")
                return
            self._copy_turn = loop.call_soon(self._feed_copy_later)

    def _feed_copy_later(self) -> None:
        self._copy_turn = None
        was_busy = self.busy
        self._feed_copy()
        if was_busy and not self.busy:
            self.on_drained()

    def _copy_behind(self) -> bool:
        """The copy is still parsing one batch and another is waiting."""
        copy = getattr(self, "_copy", None)
        return copy is not None and copy.behind and len(self._unparsed) >= COPY_BATCH

    def snapshot(self) -> bytes:
        """The friend's screen as it is now, for a helper who fell behind."""
        from remote_help.term.snapshot import redraw  # noqa: PLC0415

        self._feed_copy(COPY_SNAPSHOT_BUDGET)
        if self._copy is None:
            return b""
        # What a flood left unparsed follows the redraw: the helper parses it itself.
        return redraw(self._copy) + self._copy.unparsed() + bytes(self._unparsed)

    def reset(self) -> None:
        """The helper's copy starts again: what follows redraws the friend's screen."""
        old = self._sanitizer
        self._sanitizer = Sanitizer(utf8=utf8_locale(), queries=self._answers)
        self._sanitizer.origin_set, self._sanitizer.alternate = old.origin_set, old.alternate
        self._write(b"\x1b[0m\r\n")

    def helper_typed(self, keys: str, *, echo: bool) -> None:
        """Keys of the helper's that the shell does not echo (or whose echo the filter is
        swallowing, inside an unended string) are shown on a marked line of their own:
        at once after Enter or another control key, else after a pause."""
        if echo and not self._sanitizer.swallowing:
            return  # the terminal shows them itself (control keys as ^C and the like)
        self._typed += keys
        if self._typed_timer is not None:
            self._typed_timer.cancel()
            self._typed_timer = None
        if "[" in keys or len(self._typed) > 200:
            self._show_typed()
        else:
            loop = asyncio.get_running_loop()
            self._typed_timer = loop.call_later(TYPED_PAUSE, self._show_typed)

    def _show_typed(self) -> None:
        self._typed_timer = None
        if self._typed:
            # In the terminal's own colours, whatever colours the shell left set.
            typed = text(Say.PLAIN_HELPER_TYPED, typed=self._typed)
            lines = self._fitted([f"[remote-help] {typed}"])
            self._say("\x1b[0m\r\n" + "\r\n".join(lines) + "\r\n")
            self._typed = ""

    def size(self) -> tuple[int, int]:
        try:
            cols, rows = os.get_terminal_size(self.fd)
        except OSError:
            cols, rows = 0, 0
        if cols <= 0 or rows <= 0:  # serial and recovery consoles often say 0x0
            cols, rows = 80, 24
        size = max(1, min(cols, 1000)), max(1, min(rows, 1000))
        copy = getattr(self, "_copy", None)
        if copy is not None and (copy.cols, copy.rows) != size:
            self._feed_copy()  # what came before the change, at the old size
            copy.resize(*size)
        return size

    def notice(self, words: str) -> None:
        self._say("\r\n" + "\r\n".join(self._fitted([f"[remote-help] {words}"])) + "\r\n")

    def _say(self, text: str) -> None:
        """Our own words (which may carry the peer's name), in the terminal's encoding."""
        data = text.encode(self._encoding, errors="replace")
        self._write(self._text_filter.feed(data))

    def _write(self, data: bytes) -> None:
        was_busy = self.busy
        self._backlog += data
        self._flush(was_busy)

    def _flush(self, was_busy: bool | None = None) -> None:
        """Write what the terminal takes now; ``on_drained`` only when it was busy before
        the bytes that were just added (never from inside a ``show``)."""
        if was_busy is None:
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
        self._writer.set(self.fd, bool(self._backlog))
        if was_busy and not self.busy:
            self.on_drained()

    def close(self) -> None:
        """Stop watching the terminal, after giving it what is still waiting (the last of
        the shell's output, the helper's last keys) for a moment: a stalled terminal must
        not keep us from ending, so what it cannot take by then is dropped."""
        if self._typed_timer is not None:
            self._typed_timer.cancel()
        self._show_typed()
        self._backlog += modes_left(self._sanitizer)
        self._writer.set(self.fd, False)
        deadline = time.monotonic() + CLOSE_PATIENCE
        while self._backlog and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                select.select([], [self.fd], [], max(0.0, deadline - time.monotonic()))
            try:
                del self._backlog[: os.write(self.fd, self._backlog[:65536])]
            except BlockingIOError:
                continue
            except OSError:
                break
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
        # Best effort and never blocking: a stalled terminal must not keep us from
        # cleaning up (the writes happen while the descriptor is still non-blocking).
        with contextlib.suppress(OSError):
            os.write(self.out, RESET_MODES + b"\r\n")
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd, termios.TCSANOW, self._saved)
        os.set_blocking(self.out, self._blocking[0])
        os.set_blocking(self.fd, self._blocking[1])
