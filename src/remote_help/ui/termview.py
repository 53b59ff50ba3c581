"""The urwid widget that shows a term.screen.Screen and types urwid keys into the shell as bytes."""

from __future__ import annotations

import logging
from collections.abc import Callable

import urwid

from remote_help.sentences import Say, text
from remote_help.term import screen as vterm
from remote_help.term import width as term_width

log = logging.getLogger(__name__)
SPECS_KEPT = 1024  # colour combinations remembered; the shell chooses them (16.9 million)
# New colour combinations worked out in full per drawing; past that, a drawing shows the
# rest in the 16 basic colours with the main styles (at most 17 x 17 x 8 combinations,
# remembered for good), so a screen of 20,000 different colours costs a few milliseconds,
# not a third of a second, and Ctrl+Alt+C never waits for it.
NEW_SPECS_PER_DRAWING = 500
_COARSE_STYLES = vterm.BOLD | vterm.REVERSE | vterm.UNDERLINE

_NAMES16 = ("black", "dark red", "dark green", "brown", "dark blue", "dark magenta",
            "dark cyan", "light gray", "dark gray", "light red", "light green", "yellow",
            "light blue", "light magenta", "light cyan", "white")
# xterm's default RGB for the 16 colours, to map the 256-colour palette down to them.
_RGB16 = ((0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
          (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
          (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255))
_STYLES = ((vterm.BOLD, "bold"), (vterm.UNDERLINE, "underline"), (vterm.BLINK, "blink"),
           (vterm.REVERSE, "standout"), (vterm.ITALIC, "italics"),
           (vterm.STRIKE, "strikethrough"))
_ASCII_LOOKALIKES = str.maketrans({
    **dict.fromkeys("─━═┄┅┈┉╌╍⎺⎻⎼⎽", "-"), **dict.fromkeys("│┃║┆┇┊┋╎╏", "|"),
    **dict.fromkeys("▒░▓█", "#"), "◆": "*", "°": "o", "±": "+", "≤": "<", "≥": ">",
    "·": ".", "£": "L", "≠": "!", "π": "p", "\u00a0": " ", "’": "'", "‘": "'", "“": '"',
    "”": '"', "…": ".", "•": "*", "→": ">", "←": "<", "↑": "^", "↓": "v"})


def _rgb(index: int) -> tuple[int, int, int]:
    """The RGB value of a 256-colour palette entry."""
    if index < 16:
        return _RGB16[index]
    if index >= 232:
        level = 8 + 10 * (index - 232)
        return (level, level, level)
    index -= 16
    levels = (0, 95, 135, 175, 215, 255)
    return (levels[index // 36], levels[index // 6 % 6], levels[index % 6])


def nearest16(index: int) -> int:
    """The closest of the 16 basic colours to a 256-colour palette entry."""
    if index < 16:
        return index
    r, g, b = _rgb(index)
    return min(range(16), key=lambda i: (_RGB16[i][0] - r) ** 2 + (_RGB16[i][1] - g) ** 2
               + (_RGB16[i][2] - b) ** 2)


_BASIC: list[int] = []


def _basic_colours() -> list[int]:
    """For each colour as an attribute holds it (0: the default, else index + 1), the
    nearest of the 16 basic colours, held the same way (every value the bits can hold)."""
    if not _BASIC:
        _BASIC.extend([0, *(nearest16(index) + 1 for index in range(256))])
        _BASIC.extend([0] * (vterm.COLOR_MASK + 1 - len(_BASIC)))
    return _BASIC


def _color_name(index: int | None, colors: int) -> str:
    if index is None:
        return "default"
    if colors >= 256:
        return _NAMES16[index] if index < 16 else f"h{index}"
    return _NAMES16[nearest16(index)]


def attr_spec(attr: vterm.Attr, colors: int) -> urwid.AttrSpec:
    """The urwid attribute for a cell attribute, with 1 (monochrome), 16 or 256 colours."""
    styles = [name for flag, name in _STYLES if attr & flag]
    if colors <= 1:
        return urwid.AttrSpec(",".join(["default", *styles]), "default", colors=1)
    colors = 256 if colors >= 256 else 16
    fg = _color_name(vterm.fg_of(attr), colors)
    bg = _color_name(vterm.bg_of(attr), colors)
    return urwid.AttrSpec(",".join([fg, *styles]), bg, colors=colors)


def _ascii(text: str) -> str:
    """Box drawing as + - |, anything else beyond ASCII as '?' (wide ones as '??')."""
    text = text.translate(_ASCII_LOOKALIKES)
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif "\u2500" <= ch <= "\u257f":
            out.append("+")
        elif vterm.char_width(ch) == 2:
            out.append("??")
        elif vterm.char_width(ch) == 1:
            out.append("?")
    return "".join(out)


class TerminalView(urwid.Widget):  # type: ignore[misc]
    """A box widget showing the emulated screen: top-left in a larger space, the part
    around the cursor in a smaller one.

    The caller takes the keys it wants (Ctrl+Alt+C, F10, its own hotkeys) before passing
    the rest to ``keypress``; the widget also hands ``meta ctrl c`` back. When
    ``screen.generation`` changes, call ``_invalidate()`` so urwid draws it again.
    """

    _sizing = frozenset(["box"])
    _selectable = True

    def __init__(self, screen: vterm.Screen, send: Callable[[bytes], None] | None, *,
                 colors: int = 16, ascii_only: bool = False) -> None:
        super().__init__()
        self.screen = screen
        self._send = send
        self._colors = colors
        self._ascii_only = ascii_only
        self._specs: dict[vterm.Attr, urwid.AttrSpec] = {}
        self._coarse: dict[vterm.Attr, urwid.AttrSpec] = {}
        self._new_specs = 0  # worked out in full during this drawing
        self._cached: tuple[tuple[int, ...], urwid.Canvas] | None = None
        self._pasting = False
        self.failed = False  # drawing raised once: the caller must stop the session
        self.on_failure: Callable[[], None] = lambda: None

    # -- drawing -----------------------------------------------------------------------

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        cols, rows = size
        screen = self.screen
        key = (screen.generation, cols, rows, int(focus), screen.cols, screen.rows)
        if self._cached is not None and self._cached[0] == key:
            return self._cached[1]
        if self.failed:
            return _message(text(Say.UI_TERMVIEW_CANNOT_DRAW), cols, rows)
        try:
            canvas = self._draw(cols, rows, focus)
        except Exception:  # a screen that stays as it was would hide what goes on
            log.exception("the shared screen cannot be drawn at %dx%d", cols, rows)
            self.failed = True
            self.on_failure()
            return _message(text(Say.UI_TERMVIEW_CANNOT_DRAW), cols, rows)
        self._cached = (key, canvas)
        return canvas

    def _draw(self, cols: int, rows: int, focus: bool) -> urwid.Canvas:
        if cols <= 0 or rows <= 0:  # a window squeezed to nothing
            return urwid.SolidCanvas(" ", max(cols, 0), max(rows, 0))
        screen = self.screen
        self._new_specs = 0
        top = self._first_row(rows)
        shown = range(top, min(screen.rows, top + rows))
        texts, attrs = [], []
        for y in shown:
            text, attr = self._row(screen.row(y), cols)
            texts.append(text)
            attrs.append(attr)
        blank = (b" " * cols, [(self._spec(vterm.DEFAULT), cols)])
        while len(texts) < rows:
            texts.append(blank[0])
            attrs.append(blank[1])
        cursor = None
        x, y = screen.cursor
        if focus and screen.cursor_visible and x < cols and top <= y < top + rows:
            cursor = (x, y - top)
        cs = [[(None, len(text))] for text in texts]
        return urwid.TextCanvas(texts, attr=attrs, cs=cs, cursor=cursor, maxcol=cols)

    def _first_row(self, rows: int) -> int:
        """The top row shown: 0 when everything fits, else so that the cursor shows."""
        screen = self.screen
        if rows >= screen.rows:
            return 0
        return min(max(0, screen.cursor[1] - rows + 1), screen.rows - rows)

    def _row(self, runs: list[tuple[str, vterm.Attr]],
             cols: int) -> tuple[bytes, list[tuple[urwid.AttrSpec, int]]]:
        """One row, cut or padded to ``cols`` cells, as bytes and urwid attribute runs."""
        text = bytearray()
        attrs: list[tuple[urwid.AttrSpec, int]] = []
        room = cols
        for run, attr in runs:
            if room <= 0:
                break
            shown, width = self._cells(run, attr, room)
            data = shown.encode("utf-8")
            text += data
            attrs.append((self._spec(attr), len(data)))
            room -= width
        if room > 0:
            text += b" " * room
            attrs.append((self._spec(vterm.DEFAULT), room))
        return bytes(text), attrs

    def _cells(self, run: str, attr: vterm.Attr, room: int) -> tuple[str, int]:
        """A run's text as shown, at most ``room`` cells, and the cells it takes."""
        width = len(run) if run.isascii() else sum(vterm.char_width(ch) for ch in run)
        if width > room:
            run, width = _cut(run, room)
        if attr & vterm.HIDDEN:
            return " " * width, width
        if run.isascii():
            return run, width
        if self._ascii_only:
            return _ascii(run), width
        return term_width.shown(run), width

    def _spec(self, attr: vterm.Attr) -> urwid.AttrSpec:
        spec = self._specs.get(attr)
        if spec is None:
            if self._new_specs >= NEW_SPECS_PER_DRAWING:
                return self._coarse_spec(attr)
            self._new_specs += 1
            if len(self._specs) >= SPECS_KEPT:
                self._specs.clear()
            spec = self._specs[attr] = attr_spec(attr, self._colors)
        return spec

    def _coarse_spec(self, attr: vterm.Attr) -> urwid.AttrSpec:
        """``attr`` in the 16 basic colours and the main styles."""
        table = _basic_colours()
        coarse = (attr & _COARSE_STYLES | table[attr & vterm.COLOR_MASK]
                  | table[(attr >> vterm.BG_SHIFT) & vterm.COLOR_MASK] << vterm.BG_SHIFT)
        spec = self._coarse.get(coarse)
        if spec is None:
            spec = self._coarse[coarse] = attr_spec(coarse, self._colors)
        return spec

    # -- keys --------------------------------------------------------------------------

    def keypress(self, size: tuple[int, int], key: str) -> str | None:
        """Send the bytes xterm would send for ``key``; return keys with no translation,
        every key when read-only, and ``meta ctrl c``, which always belongs to the caller."""
        if key == "meta ctrl c" or self._send is None:
            return key
        if key in ("begin paste", "end paste"):
            self._paste(self._send, begin=key == "begin paste")
            return None
        data = key_bytes(key, app_cursor=self.screen.app_cursor_keys)
        if data is None:
            return key
        self._send(data)
        return None

    def _paste(self, send: Callable[[bytes], None], *, begin: bool) -> None:
        """Pasted text is wrapped in ESC [200~ ... ESC [201~ when the program asked."""
        if begin and self.screen.bracketed_paste:
            self._pasting = True
            send(b"\x1b[200~")
        elif not begin and self._pasting:
            self._pasting = False
            send(b"\x1b[201~")

    def mouse_event(self, size: tuple[int, int], event: str,  # noqa: PLR0917 (urwid's)
                    button: int, col: int, row: int, focus: bool) -> bool:
        return False


def _message(words: str, cols: int, rows: int) -> urwid.Canvas:
    """Plain words in whatever space there is, down to nothing."""
    if cols <= 0 or rows <= 0:
        return urwid.SolidCanvas(" ", max(cols, 0), max(rows, 0))
    canvas = urwid.CompositeCanvas(urwid.Text(words).render((cols,)))
    canvas.pad_trim_top_bottom(0, rows - canvas.rows())
    return canvas


def _cut(run: str, room: int) -> tuple[str, int]:
    """The first ``room`` cells of a run; a wide character cut in half becomes a space."""
    out, width = [], 0
    for ch in run:
        w = vterm.char_width(ch) if not ch.isascii() else 1
        if width + w > room:
            if width < room:
                out.append(" ")
                width += 1
            break
        out.append(ch)
        width += w
    return "".join(out), width


# -- key translation -------------------------------------------------------------------

_CURSOR = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_TILDE = {"insert": 2, "delete": 3, "page up": 5, "page down": 6,
          "f5": 15, "f6": 17, "f7": 18, "f8": 19, "f9": 20, "f10": 21, "f11": 23, "f12": 24,
          "f13": 25, "f14": 26, "f15": 28, "f16": 29, "f17": 31, "f18": 32, "f19": 33,
          "f20": 34}
_SS3 = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
_PLAIN = {"enter": b"\r", "backspace": b"\x7f", "tab": b"\t", "esc": b"\x1b",
          "shift tab": b"\x1b[Z", "<0>": b"\x00", "ctrl @": b"\x00", "ctrl space": b"\x00",
          "ctrl \\": b"\x1c", "ctrl ]": b"\x1d", "ctrl ^": b"\x1e", "ctrl _": b"\x1f"}
_MODIFIERS = {"shift": 1, "meta": 2, "ctrl": 4}


def key_bytes(key: str, *, app_cursor: bool = False) -> bytes | None:
    """What xterm sends for an urwid key name, or None if it has no translation."""
    if len(key) == 1:
        return key.encode("utf-8")
    if key in _PLAIN:
        return _PLAIN[key]
    words = key.split(" ")
    mods = 0
    while len(words) > 1 and words[0] in _MODIFIERS:
        mods |= _MODIFIERS[words.pop(0)]
    name = " ".join(words)
    if mods:
        return _modified(name, mods, app_cursor)
    return _special(name, app_cursor)


def _special(name: str, app_cursor: bool) -> bytes | None:
    """An unmodified special key."""
    if name in _CURSOR:
        return (b"\x1bO" if app_cursor else b"\x1b[") + _CURSOR[name].encode()
    if name in _TILDE:
        return b"\x1b[%d~" % _TILDE[name]
    if name in _SS3:
        return b"\x1bO" + _SS3[name].encode()
    return None


def _modified(name: str, mods: int, app_cursor: bool) -> bytes | None:
    """A key with shift, meta (Alt) or ctrl: xterm's CSI 1;N forms, ESC for meta+key,
    control characters for ctrl+letter."""
    param = 1 + mods
    if name in _CURSOR:
        return b"\x1b[1;%d%s" % (param, _CURSOR[name].encode())
    if name in _TILDE:
        return b"\x1b[%d;%d~" % (_TILDE[name], param)
    if name in _SS3:
        return b"\x1b[1;%d%s" % (param, _SS3[name].encode())
    if mods & 2:  # meta: ESC before what the key sends without it
        rest = key_bytes(_unmeta(name, mods))
        return None if rest is None else b"\x1b" + rest
    if mods == 4 and len(name) == 1:
        return _ctrl(name)
    if mods == 1 and name in ("enter", "backspace", "tab"):
        return _PLAIN["shift tab" if name == "tab" else name]
    return None


def _unmeta(name: str, mods: int) -> str:
    prefix = ("shift " if mods & 1 else "") + ("ctrl " if mods & 4 else "")
    return prefix + name


def _ctrl(letter: str) -> bytes | None:
    """Ctrl plus a letter or one of @[\\]^_? as the control character it makes."""
    code = ord(letter.upper())
    if 0x40 <= code <= 0x5F:
        return bytes([code - 0x40])
    if letter == "?":
        return b"\x7f"
    if letter == " ":
        return b"\x00"
    return None
