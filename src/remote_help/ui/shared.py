"""Step 7: the shared terminal in our own emulator, under a status line that says who is
connected and how to end it. Implements the session's ``View``."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

import urwid

from remote_help.proto.channels import Inputs, Kind
from remote_help.proto.session import Hello
from remote_help.roles import Role
from remote_help.sentences import Say, text
from remote_help.term.screen import Screen
from remote_help.term.snapshot import redraw
from remote_help.term.width import cells, shown
from remote_help.ui import keys
from remote_help.ui.chrome import MIN_COLS, MIN_ROWS, StepScreen
from remote_help.ui.palette import line_chars
from remote_help.ui.termview import TerminalView

FRAME_INTERVAL = 1 / 30  # draw at most this often
FEED_SLICE = 64 * 1024  # bytes handed to the emulator at a time, once it parsed the last
FEED_COST = 100_000  # the emulator's cost units (term.grid.STEP) between two looks at the
# clock: 0.3-2 ms of parsing, whatever the shell prints
FEED_BUDGET = 0.02  # seconds of parsing per frame before keys get their turn again
FEED_END_BUDGET = 0.1  # seconds of parsing, at most, for the end page or a catch-up
PENDING_LIMIT = 256 * 1024  # bytes waiting to be parsed before the shell is paused
TYPED_SHOWN = 10.0  # seconds the helper's last keys stay on the friend's status line
TYPED_KEPT = 4000  # characters of the helper's keys kept for the "Help has ended" page
LAST_ROWS = 6  # rows of the shared terminal shown on the "Help has ended" page
LAST_TYPED = 4  # lines the helper typed, shown there too
PROGRESS_STEP = 0.3  # seconds between two moves of the "Starting..." dots

log = logging.getLogger(__name__)


class _Sized(urwid.WidgetWrap):  # type: ignore[misc]
    """Reports the size it is drawn at, so the friend's shell can follow the window."""

    def __init__(self, widget: urwid.Widget, on_size: Callable[[int, int], None]) -> None:
        super().__init__(widget)
        self._on_size = on_size

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        self._on_size(*size)
        return super().render(size, focus)


class SharedTerminal(StepScreen):
    """One person's view of the shared terminal (a session's view of kind SHELL)."""

    kind = Kind.SHELL

    def __init__(self, role: Role | str, size: tuple[int, int], redraw: Callable[[], None],
                 *, colors: int, utf8: bool) -> None:
        super().__init__()
        self.role = role = Role(role)
        self.context = keys.SESSION_FRIEND if role is Role.FRIEND else keys.SESSION_HELPER
        self._redraw = redraw
        self._utf8 = utf8
        cols, rows = size
        # The friend's side: the shell's grid, the window less the status line. The
        # helper's: the whole window, compared with the friend's window or grid (a friend
        # in line mode has no status line: equal windows must not ask for a bigger one).
        self._size = (cols, max(1, rows - 1)) if role is Role.FRIEND else (cols, rows)
        self.send: Callable[[bytes], None] = lambda data: None
        self.end: Callable[[], None] = lambda: None
        self.resized: Callable[[], None] = lambda: None
        # The friend's side: what the shell is told it runs in (our emulator).
        self.term = "xterm-256color" if colors >= 256 else "xterm"
        self.final_words: tuple[list[str], list[str]] = ([], [])  # kept by close()
        self.screen = Screen(*self._size, answer=self._answer if role is Role.FRIEND else None)
        self.view = TerminalView(self.screen, self._typed, colors=colors, ascii_only=not utf8)
        self.view.on_failure = self._cannot_draw
        self._small = False  # the window is too small to show the session (see _Guard)
        self._who = text(Say.UI_SHARED_CONNECTING)
        self._peer_user = self._peer_address = ""
        self._warning = ""
        self._helper_keys = ""  # the helper's last keys, in words (the friend's side)
        self._typed_log = ""  # all of them (the last TYPED_KEPT characters), for the end
        self._typed_timer: asyncio.TimerHandle | None = None
        self._status = urwid.Text("", wrap="clip")
        self._warn = urwid.Text("", wrap="clip")
        self._holder = urwid.WidgetPlaceholder(urwid.SolidFill(" "))
        self.widget = _Guard(self._holder, self)
        self._pending = bytearray()
        self._tick: asyncio.TimerHandle | None = None
        self._last_frame = 0.0
        self._generation = -1
        self.on_drained: Callable[[], None] = lambda: None
        # Until the shell's first output, a line that moves says that SSH is starting (it
        # takes seconds, and an empty screen looks broken).
        self._started = False
        self._progress = urwid.Text("", align="center")
        self._progress_step = 0
        self._progress_timer: asyncio.TimerHandle | None = None
        self._progress_text()
        self._status_text()

    # -- View (the session calls these) --------------------------------------------

    @property
    def busy(self) -> bool:
        """True while the session must wait: output is behind, or (the friend's side)
        the friend cannot see it (a window too small, a screen that cannot be drawn).
        The friend's session holds the helper's keys and stops reading the shell."""
        if self.view.failed or (self._small and self.role is Role.FRIEND):
            return True
        return len(self._pending) >= PENDING_LIMIT

    def show(self, data: bytes) -> None:
        self._pending += data
        self._schedule()

    def _shell_shows(self) -> None:
        """The progress line gives way once the shell's output shows something (its first
        bytes are often modes only, and an empty screen is what it is there to avoid)."""
        screen = self.screen
        if screen.cursor != (0, 0) or any(line.strip() for line in screen.text_lines()):
            self._started = True
            self._stop_progress()
            self._layout()

    def _progress_text(self) -> None:
        dots = "." * (self._progress_step % 3 + 1)
        self._progress.set_text([text(Say.UI_SHARED_STARTING) + f"{dots:<3}", "\n\n",
                                 text(Say.UI_SHARED_STARTING_WHERE, self.role)])

    def _progress_tick(self) -> None:
        self._progress_timer = None
        if self._started:
            return
        self._progress_step += 1
        self._progress_text()
        self._redraw()
        self._progress_timer = asyncio.get_running_loop().call_later(PROGRESS_STEP,
                                                                     self._progress_tick)

    def _stop_progress(self) -> None:
        if self._progress_timer is not None:
            self._progress_timer.cancel()
            self._progress_timer = None

    def size(self) -> tuple[int, int]:
        return self._size

    def notice(self, text: str) -> None:
        self._warning = text
        self._status_text()

    def snapshot(self) -> bytes:
        """The friend's screen as it is now, for a helper who fell behind."""
        if self._parse_all():
            self._schedule()
        # What a flood left unparsed follows the redraw: the helper parses it itself.
        return redraw(self.screen) + self.screen.unparsed() + bytes(self._pending)

    def reset(self) -> None:
        """The helper's copy starts again from a blank terminal (a snapshot follows)."""
        was_busy = self.busy
        self._pending.clear()
        self.screen.reset()
        self._schedule()
        if was_busy:
            self.on_drained()

    def helper_typed(self, text: str, *, echo: bool) -> None:
        """The helper's keys, on the friend's status line (the line the shell cannot
        reach), kept for a few seconds after the last one."""
        self._helper_keys = (self._helper_keys + text)[-200:]
        self._typed_log = (self._typed_log + text)[-TYPED_KEPT:]
        if self._typed_timer is not None:
            self._typed_timer.cancel()
        self._typed_timer = asyncio.get_running_loop().call_later(TYPED_SHOWN, self._typed_gone)
        self._status_text(layout=False)

    def _typed_gone(self) -> None:
        self._typed_timer = None
        self._helper_keys = ""
        self._status_text(layout=False)

    def connected(self, peer: Hello) -> None:
        who = text(Say.UI_SHARED_USER_AT, user=self._peer_user, address=self._peer_address)
        self._who = (who if peer.name == self._peer_user
                     else text(Say.UI_SHARED_NAMED, name=peer.name, who=who))
        self._status_text()

    def grid(self, cols: int, rows: int) -> None:
        """The helper's copy follows the friend's grid, framed when there is room."""
        if (cols, rows) != (self.screen.cols, self.screen.rows):
            self.screen.resize(cols, rows)
        self._warning = ""
        self._status_text()
        self._layout()

    # -- the person's keys ------------------------------------------------------------

    def act(self, action: str) -> bool:
        if action == "end":
            self.end()
            return True
        return False

    def type(self, key: str) -> bool:
        """Every key that is not ours goes to the shell."""
        return self.view.keypress(self._size, key) is None

    def _typed(self, data: bytes) -> None:
        self.send(data)

    def _answer(self, data: bytes) -> None:
        """The friend's emulator answers the shell's harmless questions (cursor position)."""
        self.send(data)

    # -- drawing ----------------------------------------------------------------------

    def set_peer(self, user: str, address: str) -> None:
        self._peer_user, self._peer_address = user, address
        self._who = text(Say.UI_SHARED_USER_AT, user=user, address=address)
        self._status_text()

    def _status_text(self, *, layout: bool = True) -> None:
        """The status lines' words; ``layout``: the warning line may have come or gone."""
        end = keys.said(self.context, "end")
        if self.role is Role.FRIEND and self._helper_keys:
            line = " " + text(Say.UI_SHARED_STATUS_TYPED, end=end)
            line += _tail(self._helper_keys, max(8, self._size[0] - len(line)))
        else:
            line = " " + text(Say.UI_SHARED_STATUS, self.role, end=end, who=self._who)
        self._status.set_text(shown(line))
        self._warn.set_text(shown(f" {self._warning}") if self._warning else "")
        if layout:
            self._layout()
        self._redraw()

    def _layout(self) -> None:
        body: urwid.Widget = self._framed() if self.role is Role.HELPER else self.view
        if not self._started:
            body = urwid.Filler(urwid.Padding(self._progress, left=1, right=1))
            if self._progress_timer is None:
                with contextlib.suppress(RuntimeError):  # no loop: drawn once, still
                    self._progress_timer = asyncio.get_running_loop().call_later(
                        PROGRESS_STEP, self._progress_tick)
        rows: list[Any] = [("pack", urwid.AttrMap(self._status, "status"))]
        if self._warning:
            rows.append(("pack", urwid.AttrMap(self._warn, "status-warn")))
        rows.append(_Sized(body, self._drawn_at))
        pile = urwid.Pile(rows)
        pile.focus_position = len(rows) - 1
        self._holder.original_widget = pile

    def _framed(self) -> urwid.Widget:
        cols, rows = self.screen.cols, self.screen.rows
        box = urwid.LineBox(urwid.BoxAdapter(self.view, rows), **line_chars(self._utf8))
        return _Frame(urwid.Filler(urwid.Padding(urwid.AttrMap(box, "frame", None), "left",
                                                 cols + 2), "top"), self.view, cols, rows)

    def _drawn_at(self, cols: int, rows: int) -> None:
        if self.role is Role.HELPER:  # the whole window (see __init__)
            rows += 2 if self._warning else 1
        if (cols, rows) != self._size and cols > 0 and rows > 0:
            self._size = (cols, rows)
            asyncio.get_running_loop().call_soon(self._follow_size)

    def _follow_size(self) -> None:
        """The friend's shell follows the friend's window; the helper's program re-checks
        whether its window is big enough."""
        if self.role is Role.FRIEND:
            self.screen.resize(*self._size)
        self.resized()

    # -- when the session cannot be seen ------------------------------------------------

    def too_small(self, small: bool) -> None:
        """The window became too small to show the session, or big enough again (from
        drawing: what follows happens once the drawing is over)."""
        if small == self._small:
            return
        self._small = small
        if not small:
            asyncio.get_running_loop().call_soon(self._visible_again)

    def _visible_again(self) -> None:
        if not self.busy:
            self.on_drained()  # the helper's keys held meanwhile go to the shell now
        self._redraw()

    def small_text(self) -> str:
        end = keys.said(self.context, "end")
        return text(Say.UI_SHARED_SMALL, self.role, end=end)

    def cannot_draw(self) -> None:
        """The screen could not be drawn (the app found it, outside the shared view)."""
        if not self.view.failed:
            self.view.failed = True
            self._cannot_draw()

    def _cannot_draw(self) -> None:
        """Drawing the shared terminal failed: the person could no longer see what
        happens, so the helper's keys are held (``busy``) and the session ends."""
        log.error("the shared terminal cannot be drawn: ending the session")
        self._warning = text(Say.UI_SHARED_CANNOT_DRAW, self.role)
        asyncio.get_running_loop().call_soon(self._end_unseen)

    def _end_unseen(self) -> None:
        self._status_text()
        self.end()

    def _schedule(self) -> None:
        if self._tick is not None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, self._last_frame + FRAME_INTERVAL - time.monotonic())
        self._tick = loop.call_later(delay, self._frame)

    def _frame(self) -> None:
        self._tick = None
        was_busy = self.busy
        self._parse_all(FEED_BUDGET)
        self._last_frame = time.monotonic()
        if self.screen.generation != self._generation:
            self._generation = self.screen.generation
            if not self._started:
                self._shell_shows()
            self.view._invalidate()
            self._redraw()
        if self._pending or self.screen.behind:
            self._schedule()
        if was_busy and not self.busy:
            self.on_drained()

    def _parse_all(self, seconds: float = FEED_END_BUDGET) -> bool:
        """Parse what waits, for ``seconds`` at most (looking at the clock every FEED_COST
        units of the emulator's work, so a flood of costly sequences, clear screens for
        one, cannot hold up the keys, signals or the end page); the rest stays waiting.
        Whether anything was parsed."""
        screen, pending = self.screen, self._pending
        if not pending and not screen.behind:
            return False
        started = time.monotonic()
        while screen.behind or pending:
            if screen.behind:
                screen.feed(b"", FEED_COST)
            else:
                chunk = bytes(pending[:FEED_SLICE])
                del pending[:FEED_SLICE]
                screen.feed(chunk, FEED_COST)
            if time.monotonic() - started >= seconds:
                break
        return True

    def last_words(self) -> tuple[list[str], list[str]]:
        """For the "Help has ended" page: the shared terminal's last rows with text, once
        everything the shell printed is on it (the end reads the pty to the last byte),
        and the lines the helper typed (the friend's side; as words, never the friend's)."""
        self._parse_all()
        rows = self.screen.text_lines()
        while rows and not rows[-1]:
            rows.pop()
        typed = [line for line in self._typed_log.replace("[Enter]", "[Enter]\n").split("\n")
                 if line][-LAST_TYPED:]
        return rows[-LAST_ROWS:], typed

    def attach(self, inputs: Inputs) -> None:
        """The session's inputs: the person's keys, the end key and resizes go there."""
        self.send = inputs.key_input
        self.end = inputs.end
        self.resized = inputs.resize

    def close(self) -> None:
        """The session is over: keep its last words for the end page, stop drawing."""
        self.final_words = self.last_words()
        self._started = True
        self._stop_progress()
        for timer in (self._tick, self._typed_timer):
            if timer is not None:
                timer.cancel()
        self._tick = self._typed_timer = None
        self._pending.clear()


def _tail(keys: str, room: int) -> str:
    """The end of the helper's keys in ``room`` cells (a wide character takes two), never
    starting inside a key's name ("[Enter]"), with "..." where the start was cut."""
    keys = shown(keys)
    widths = [max(0, cells(ch)) for ch in keys]
    if sum(widths) <= room:
        return keys
    start, used = len(keys), 0
    while start > 0 and used + widths[start - 1] <= room - 3:
        start -= 1
        used += widths[start]
    cut = keys[start:]
    bracket, close = cut.find("["), cut.find("]")
    if close >= 0 and (bracket < 0 or close < bracket):
        cut = cut[close + 1 :]  # the first key's name was cut in two
    return "..." + cut


class _Guard(urwid.WidgetWrap):  # type: ignore[misc]
    """The session, or in a window too small for it, who is connected and what to do,
    in whatever space there is (down to one cell)."""

    def __init__(self, session: urwid.Widget, owner: SharedTerminal) -> None:
        super().__init__(session)
        self._owner = owner

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        cols, rows = size
        small = cols < MIN_COLS or rows < MIN_ROWS
        self._owner.too_small(small)
        if not small:
            return super().render(size, focus)
        if cols <= 0 or rows <= 0:
            return urwid.SolidCanvas(" ", max(cols, 0), max(rows, 0))
        text = urwid.AttrMap(urwid.Text(self._owner.small_text()), "status")
        canvas = urwid.CompositeCanvas(text.render((cols,)))
        canvas.pad_trim_top_bottom(0, rows - canvas.rows())
        return canvas


class _Frame(urwid.WidgetWrap):  # type: ignore[misc]
    """The helper's framed copy when the window has room, else the bare grid."""

    def __init__(self, framed: urwid.Widget, bare: urwid.Widget, cols: int, rows: int) -> None:
        super().__init__(framed)
        self._framed = framed
        self._bare = bare
        self._grid = (cols, rows)

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        cols, rows = size
        fits = cols >= self._grid[0] + 2 and rows >= self._grid[1] + 2
        return (self._framed if fits else self._bare).render(size, focus)

    def selectable(self) -> bool:
        return True

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        return key
