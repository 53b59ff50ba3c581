"""The frame around every step: a title line, the step, the keys, and how to stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urwid

from remote_help.sentences import Say, text
from remote_help.ui import keys

MIN_COLS = 60
MIN_ROWS = 20


def too_small() -> tuple[str, str, str]:
    """What a window too small for the steps says: the middle line alone when only one
    line fits."""
    return (text(Say.UI_TOO_SMALL), text(Say.UI_MAKE_BIGGER),
            text(Say.UI_TOO_SMALL_NEEDS, cols=MIN_COLS, rows=MIN_ROWS))


class StepScreen:
    """One step on screen: its words, its keys, what it does with them.

    Screens get a narrow interface to the app (``done``: report an action such as
    "continue" or "back"), never the app itself.
    """

    context = keys.WELCOME
    title = ""

    def __init__(self) -> None:
        self.widget: urwid.Widget = urwid.SolidFill(" ")

    def hints(self) -> list[str]:
        """Actions shown in the key line, in order."""
        return []

    def act(self, action: str) -> bool:
        """Handle one of this screen's hotkey actions; False leaves it to the app."""
        return False

    def captures(self, key: str) -> bool:
        """Whether this key is text for the screen even if it is a hotkey (pasting)."""
        return False

    def type(self, key: str) -> bool:
        """A key that is no hotkey here (typing into a field); True if it was used."""
        return False


# urwid 2.6 and newer export it (and warn on the old place); urwid 2.1.2 has only the old.
_calc_width: Callable[[str, int, int], int] = (getattr(urwid, "calc_width", None)
                                               or urwid.util.calc_width)


def row(line: Any) -> urwid.Widget:
    """One line of a step's body: text markup, or a widget made for it (``indented``)."""
    return line if isinstance(line, urwid.Widget) else urwid.Text(line)


def indented(markup: Any, left: int) -> urwid.Widget:
    """Text whose wrapped lines keep its indent (a spelled address on a narrow window)."""
    return urwid.Padding(urwid.Text(markup), left=left)


def hanging(lead: Any, width: int, markup: Any) -> urwid.Widget:
    """``lead`` (a key and a box) before text that wraps under itself, not under the lead."""
    return urwid.Columns([(width, urwid.Text(lead)), urwid.Text(markup)], dividechars=1)


def page(lines: list[Any]) -> urwid.Widget:
    """Lines of text at the top of a step's body, with a margin."""
    texts = [row(line) for line in lines]
    return urwid.Padding(urwid.Filler(urwid.Pile(texts), valign="top", top=1),
                         left=2, right=2)


def key_line(context: str, actions: list[str]) -> list[Any]:
    """'C Continue   B Back   Q Quit' with the keys highlighted."""
    markup: list[Any] = []
    for action in actions:
        entry = next(k for k in keys.for_screen(context) if k.action == action)
        words = text(_SHORT[action]) if action in _SHORT else entry.text
        markup += [("key", f" {entry.said}"), f" {words}  "]
    return markup


_SHORT = {
    "continue": Say.UI_SHORT_CONTINUE, "back": Say.UI_SHORT_BACK, "quit": Say.UI_SHORT_QUIT,
    "help": Say.UI_SHORT_HELP, "friend": Say.UI_SHORT_FRIEND, "helper": Say.UI_SHORT_HELPER,
    "yes": Say.UI_SHORT_YES, "no": Say.UI_SHORT_NO, "details": Say.UI_SHORT_DETAILS,
    "retry": Say.UI_SHORT_RETRY, "close": Say.UI_SHORT_CLOSE, "erase": Say.UI_SHORT_ERASE,
    "check": Say.UI_SHORT_CHECK, "reverse": Say.UI_SHORT_REVERSE,
}  # the key line's short words for each action (the help view has the long ones)


class Top(urwid.WidgetWrap):  # type: ignore[misc]
    """The top widget: every key goes through ``on_key``; too small a window gets a
    plain request to make it bigger instead of a broken screen."""

    def __init__(self, on_key: Callable[[str], None]) -> None:
        self._on_key = on_key
        # Never cut: the program's name goes first when the title does not fit beside it
        # (the window title names it too), and a title longer than the line wraps.
        self._header = urwid.Text("", wrap="space")
        self._headers = (" remote-help", " remote-help")  # with the name, without it
        self._keys = urwid.Text("", wrap="clip")
        self._stop = urwid.Text("", wrap="clip")
        self._body: urwid.Widget = urwid.SolidFill(" ")
        self._frame = urwid.Frame(
            urwid.SolidFill(" "),
            header=urwid.AttrMap(self._header, "header"),
            footer=urwid.Pile([urwid.AttrMap(self._keys, "footer"),
                               urwid.AttrMap(self._stop, "stop")]),
        )
        self._small_words = too_small()
        self._small = urwid.Filler(urwid.Text("\n".join(self._small_words), align="center"))
        self._own_size = True  # False: the body says what a window too small shows
        super().__init__(self._frame)

    def show(self, body: urwid.Widget, header: str, key_markup: list[Any],
             stop: str, *, chrome: bool = True) -> None:
        """``chrome=False``: the body draws its own status lines (the shared terminal), and
        says itself what shows in a window too small for it."""
        self._headers = ((f" remote-help   {header}", f" {header}") if header
                         else (" remote-help", " remote-help"))
        self._header.set_text(self._headers[0])
        self._keys.set_text(key_markup or " ")
        self._stop.set_text(f" {stop}")
        self._frame.body = body
        self._w = self._frame if chrome else body
        self._own_size = chrome
        self._invalidate()

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        cols, rows = size
        if self._own_size and (cols < MIN_COLS or rows < MIN_ROWS):
            if cols <= 0 or rows <= 0:
                return urwid.SolidCanvas(" ", max(cols, 0), max(rows, 0))
            canvas = urwid.CompositeCanvas(urwid.Text(self._small_words[1]).render((cols,)))
            if rows >= len(self._small_words) + 2:
                canvas = self._small.render(size, focus)
            else:
                canvas.pad_trim_top_bottom(0, rows - canvas.rows())
            return canvas
        full, short = self._headers
        header = full if _calc_width(full, 0, len(full)) <= cols else short
        if self._header.text != header:
            self._header.set_text(header)
        return super().render(size, focus)

    def selectable(self) -> bool:
        """Always: urwid gives keys only to a selectable top widget, and every key goes to
        ``on_key`` whatever is shown (a screen of plain text, the session's "Starting..."
        line: Ctrl+Alt+C must work there too)."""
        return True

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        self._on_key(key)
        return None

    def mouse_event(self, *args: Any) -> bool:
        return False
