"""What escape sequences do: one handler per ESC and CSI final, and the modes they set.

The parser (parser.py) finds whole sequences and calls ``_esc`` or ``_csi`` here; each
looks the sequence up in its table and calls the handler with the numeric parameters.
Only harmless queries are answered (device attributes, status, cursor position), and only
when an ``answer`` callback is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from remote_help.term.attrs import CACHE_LIMIT, DEFAULT, PARAMS_OK, Attr, sgr
from remote_help.term.grid import SGR_STEP, STEP, Grid
from remote_help.term.text import Printer

MAX_NUMBER = 65535
Params = tuple[int, ...]
_numbers_cache: dict[str, Params | None] = {}


def _numbers(params: str) -> Params | None:
    """CSI parameters as numbers (missing ones 0, sub-parameters after ':' dropped), or
    None if they are not digits, ';' and ':'."""
    numbers = _numbers_cache.get(params)
    if numbers is None and params not in _numbers_cache:
        if PARAMS_OK.fullmatch(params):
            numbers = tuple(min(int(p.partition(":")[0] or 0), MAX_NUMBER)
                            for p in params.split(";"))
        if len(_numbers_cache) >= CACHE_LIMIT:
            _numbers_cache.clear()
        _numbers_cache[params] = numbers
    return numbers


class Commands(Printer):
    """Text on the grid, and the escape sequences that act on it: cursor moves, editing,
    scroll margins, tabs, modes, the alternate screen, saved cursors and queries."""

    def __init__(self, cols: int, rows: int, *,
                 answer: Callable[[bytes], None] | None = None) -> None:
        self._answer = answer
        super().__init__(cols, rows)

    def _reset(self) -> None:
        super()._reset()
        self._saved: tuple[int, ...] | None = None  # DECSC's (one for both screens, as tmux)
        self._alt_saved: tuple[int, ...] | None = None  # mode 1049's
        self._other: tuple[list[list[str]], list[list[Attr]]] | None
        self._other = None  # the main screen's content while the alternate one is shown
        self.cursor_visible = True
        self.app_cursor_keys = False
        self.app_keypad = False
        self.bracketed_paste = False
        self.mouse_modes: set[int] = set()
        self.alternate = False

    # -- the saved cursor --------------------------------------------------------------

    def _save_cursor(self) -> None:
        self._saved = self._cursor_state()

    def _restore_cursor(self) -> None:
        if self._saved is None:
            self._set_cursor_state((0, 0, 0, DEFAULT, 0, 0, ord("B"), ord("B")))
        else:
            self._set_cursor_state(self._saved)

    def _cursor_state(self) -> tuple[int, ...]:
        """What DECSC saves: position, pending wrap, attributes, origin mode, charsets."""
        return (self._x, self._y, int(self._wrap), self._attr, int(self.origin),
                self._gl, ord(self._g[0]), ord(self._g[1]))

    def _set_cursor_state(self, state: tuple[int, ...]) -> None:
        x, y, wrap, self._attr, origin, gl, g0, g1 = state
        self._goto(x, y)
        self._wrap, self.origin = bool(wrap), bool(origin)
        self._g = [chr(g0), chr(g1)]
        self._shift(gl)

    # -- escape sequences --------------------------------------------------------------

    def _esc(self, inter: str, final: str) -> None:
        self._last = None
        if not inter:
            handler = self._ESC.get(final)
            if handler is not None:
                handler(self)
        elif inter in "()" and final in "0AB12U<K":
            self._g[inter == ")"] = "0" if final == "0" else "B"
            self._shift(self._gl)
        elif inter == "#" and final == "8":
            self._align()

    def _align(self) -> None:
        """DECALN: the screen filled with E, margins reset, cursor home."""
        self.cost += self.rows * (self.cols + STEP)
        self._chars = [["E"] * self.cols for _ in range(self.rows)]
        self._attrs = [[DEFAULT] * self.cols for _ in range(self.rows)]
        self._top, self._bottom = 0, self.rows - 1
        self._goto(0, 0)

    def _next_line(self) -> None:
        self._linefeed()
        self._x = 0

    def _set_tab(self) -> None:
        self._tabs[self._x] = True

    def _full_reset(self) -> None:
        self._reset()

    def _keypad(self, on: bool) -> None:
        self.app_keypad = on

    _ESC: ClassVar[dict[str, Callable[[Commands], None]]] = {
        "7": _save_cursor,
        "8": _restore_cursor,
        "D": Grid._linefeed,
        "E": _next_line,
        "H": _set_tab,
        "M": Grid._reverse_index,
        "c": _full_reset,
        "=": lambda self: self._keypad(True),
        ">": lambda self: self._keypad(False),
    }

    def _csi(self, params: str, inter: str, final: str) -> None:
        prefix = ""
        if params and params[0] in "<=>?":
            prefix, params = params[0], params[1:]
        if final == "m" and not prefix and not inter:
            self.cost += SGR_STEP
            self._attr = sgr(self._attr, params)
        else:
            handler = self._CSI.get(prefix + inter + final)
            if handler is not None:
                numbers = _numbers(params)
                if numbers is not None:
                    handler(self, numbers)
        self._last = None

    # -- CSI handlers: each takes the numeric parameters --------------------------------

    def _cuu(self, p: Params) -> None:
        self._up(p[0] or 1)

    def _cud(self, p: Params) -> None:
        self._down(p[0] or 1)

    def _cuf(self, p: Params) -> None:
        self._goto(self._x + (p[0] or 1), self._y)

    def _cub(self, p: Params) -> None:
        self._left(p[0] or 1)

    def _cnl(self, p: Params) -> None:
        self._down(p[0] or 1)
        self._x = 0

    def _cpl(self, p: Params) -> None:
        self._up(p[0] or 1)
        self._x = 0

    def _cha(self, p: Params) -> None:
        self._goto((p[0] or 1) - 1, self._y)

    def _vpa(self, p: Params) -> None:
        self._goto_row((p[0] or 1) - 1)

    def _vpr(self, p: Params) -> None:
        self._goto(self._x, self._y + (p[0] or 1))

    def _cup(self, p: Params) -> None:
        column = p[1] if len(p) > 1 else 0
        self._goto((column or 1) - 1, self._y)
        self._goto_row((p[0] or 1) - 1)

    def _ich(self, p: Params) -> None:
        if not self._wrap:
            self._insert_cells(self._chars[self._y], self._attrs[self._y], self._x, p[0] or 1)

    def _dch(self, p: Params) -> None:
        if not self._wrap:
            self._delete_cells(p[0] or 1)

    def _ech(self, p: Params) -> None:
        if not self._wrap:
            self._erase(self._y, self._x, min(self.cols, self._x + (p[0] or 1)))

    def _ed(self, p: Params) -> None:
        self._erase_display(p[0])

    def _el(self, p: Params) -> None:
        self._erase_line(p[0])

    def _il(self, p: Params) -> None:
        self._insert_lines(p[0] or 1)

    def _dl(self, p: Params) -> None:
        self._delete_lines(p[0] or 1)

    def _su(self, p: Params) -> None:
        self._scroll_up(p[0] or 1)

    def _sd(self, p: Params) -> None:
        self._scroll_down(p[0] or 1)

    def _cht(self, p: Params) -> None:
        self._tab(p[0] or 1)

    def _cbt(self, p: Params) -> None:
        self._back_tab(p[0] or 1)

    def _rep(self, p: Params) -> None:
        self._repeat(p[0] or 1)

    def _tbc(self, p: Params) -> None:
        if p[0] == 0:
            self._tabs[self._x] = False
        elif p[0] == 3:
            self._tabs = [False] * self.cols

    def _stbm(self, p: Params) -> None:
        top = (p[0] or 1) - 1
        bottom = (p[1] if len(p) > 1 and p[1] else self.rows) - 1
        bottom = min(bottom, self.rows - 1)
        if top < bottom:
            self._top, self._bottom = top, bottom
            self._goto(0, top if self.origin else 0)

    def _scosc(self, p: Params) -> None:
        if p == (0,):
            self._save_cursor()

    def _scorc(self, p: Params) -> None:
        if p == (0,):
            self._restore_cursor()

    def _sm(self, p: Params) -> None:
        self._ansi_modes(p, True)

    def _rm(self, p: Params) -> None:
        self._ansi_modes(p, False)

    def _ansi_modes(self, p: Params, on: bool) -> None:
        for mode in p:
            if mode == 4:
                self.insert = on
            elif mode == 20:
                self.newline_mode = on

    def _decset(self, p: Params) -> None:
        for mode in p:
            self._dec_mode(mode, True)

    def _decrst(self, p: Params) -> None:
        for mode in p:
            self._dec_mode(mode, False)

    def _dec_mode(self, mode: int, on: bool) -> None:
        if mode == 1:
            self.app_cursor_keys = on
        elif mode == 6:
            self.origin = on
            self._goto(0, self._top if on else 0)
        elif mode == 7:
            self.autowrap = on
            self._wrap = self._wrap and on
        elif mode == 25:
            self.cursor_visible = on
        elif mode in (47, 1047, 1049):
            self._alternate_screen(on, save_cursor=mode == 1049)
        elif mode == 1048:
            (self._save_cursor if on else self._restore_cursor)()
        elif mode == 2004:
            self.bracketed_paste = on
        elif mode in (9, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1015):
            (self.mouse_modes.add if on else self.mouse_modes.discard)(mode)

    def _alternate_screen(self, on: bool, *, save_cursor: bool) -> None:
        """47/1047/1049: the alternate screen (blank on entry); 1049 also saves the cursor
        on the way in and restores it on the way out (its own slot, as in tmux)."""
        if on and save_cursor:
            self._alt_saved = self._cursor_state()
        if on != self.alternate:
            mine = (self._chars, self._attrs)
            if on:
                self._chars, self._attrs = self._blank_grid()
            else:
                assert self._other is not None
                self._chars, self._attrs = self._other
            self._other = mine if on else None
            self.alternate = on
        if not on and save_cursor and self._alt_saved is not None:
            self._set_cursor_state(self._alt_saved)

    def _soft_reset(self, p: Params) -> None:
        """DECSTR: modes and margins to their defaults; the screen stays."""
        self.cursor_visible, self.insert, self.origin, self.autowrap = True, False, False, True
        self.app_cursor_keys = self.app_keypad = False
        self._top, self._bottom = 0, self.rows - 1
        self._attr, self._g, self._gl, self._graphics = DEFAULT, ["B", "B"], 0, False
        self._saved = None

    def _da1(self, p: Params) -> None:
        if p == (0,):
            self._reply(b"\x1b[?1;2c")

    def _da2(self, p: Params) -> None:
        if p == (0,):
            self._reply(b"\x1b[>1;10;0c")

    def _dsr(self, p: Params) -> None:
        if p == (5,):
            self._reply(b"\x1b[0n")
        elif p == (6,):
            y = self._y - self._top if self.origin else self._y
            self._reply(b"\x1b[%d;%dR" % (y + 1, self._x + 1))

    def _reply(self, data: bytes) -> None:
        if self._answer is not None:
            self._answer(data)

    _CSI: ClassVar[dict[str, Callable[[Commands, Params], None]]] = {
        "@": _ich, "A": _cuu, "B": _cud, "C": _cuf, "D": _cub, "E": _cnl, "F": _cpl,
        "G": _cha, "H": _cup, "I": _cht, "J": _ed, "K": _el, "L": _il, "M": _dl, "P": _dch,
        "S": _su, "T": _sd, "X": _ech, "Z": _cbt, "`": _cha, "a": _cuf, "b": _rep, "c": _da1,
        "d": _vpa, "e": _vpr, "f": _cup, "g": _tbc, "h": _sm, "l": _rm, "n": _dsr,
        "r": _stbm, "s": _scosc, "u": _scorc, ">c": _da2, "?h": _decset, "?l": _decrst,
        "!p": _soft_reset,
    }
