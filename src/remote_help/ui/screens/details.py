"""Step 3: what the other person must know (this computer's address), or their address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import urwid

from remote_help.roles import Role
from remote_help.sentences import Say, markup, text
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen
from remote_help.wizard.options import DEFAULT_PORT, Options

MAX_ADDRESS = 45
HEX = frozenset("abcdefABCDEF")


@dataclass(frozen=True)
class Unavailable:
    """Options this computer or this version cannot offer, with the reason people read."""

    screen_sharing: str
    firewall: str


class Details(StepScreen):
    context = keys.DETAILS

    def __init__(self, options: Options, unavailable: Unavailable,
                 addresses: Callable[[], list[tuple[str, str]]]) -> None:
        """``options``: the answers so far; this step edits a copy (``self.options``)."""
        super().__init__()
        self.options = replace(options, address=options.address or "")
        self.unavailable = unavailable
        self._find_addresses = addresses
        self._spoken: list[tuple[str, str]] | None = None  # looked up once, when first shown
        self._port = options.port
        self._pasting = False
        self.hint = ""
        self._pile = urwid.Pile([])
        self.widget = urwid.Padding(urwid.Filler(self._pile, valign="top", top=1),
                                    left=2, right=2)
        self._draw()

    @property
    def _role(self) -> Role:
        return self.options.role or Role.FRIEND

    @property
    def _address(self) -> str:
        return self.options.address or ""

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.options.listens:
            return text(Say.UI_DETAILS_TITLE_LISTEN, self.options.role)
        return text(Say.UI_DETAILS_TITLE_CONNECT, self.options.role)

    def hints(self) -> list[str]:
        return ["continue", "back", "quit", "help"]

    # -- keys ----------------------------------------------------------------------

    def act(self, action: str) -> bool:
        if action == "reverse":
            self.options = replace(self.options, reverse=not self.options.reverse)
            self.hint = ""
        elif action in ("share-screen", "firewall"):
            reason = (self.unavailable.screen_sharing if action == "share-screen"
                      else self.unavailable.firewall)
            self.hint = reason
        elif action == "continue" and not self.options.listens:
            return not self._address_ready()  # not ready: swallow (the hint says why)
        else:
            return False
        self._draw()
        return True

    def captures(self, key: str) -> bool:
        return not self.options.listens and (
            self._pasting or key in ("begin paste", "end paste"))

    def type(self, key: str) -> bool:
        if self.options.listens:
            return False
        if key == "begin paste":
            self._pasting = True
        elif key == "end paste":
            self._pasting = False
        elif key == "backspace":
            self.options = replace(self.options, address=self._address[:-1])
            self.hint = ""
        elif len(key) == 1:
            self._typed(key)
        else:
            return False
        self._draw()
        return True

    def _typed(self, char: str) -> None:
        typed = self._address
        if char.isspace() and self._pasting:
            return  # pasted text often carries spaces or a line end
        if not (char.isdigit() or char in ".:" or (self._pasting and char in HEX)):
            self.hint = text(Say.UI_DETAILS_ONLY_DIGITS, self.options.role)
            if char in HEX:
                self.hint = text(Say.UI_DETAILS_PASTE_LETTERS)
            return
        candidate = typed + char
        problem = _problem(candidate)
        if problem or len(candidate) > MAX_ADDRESS:
            self.hint = problem or text(Say.UI_DETAILS_TOO_LONG)
            return
        self.options = replace(self.options, address=candidate)
        self.hint = ""

    def _address_ready(self) -> bool:
        try:
            ipaddress.ip_address(self._address)
        except ValueError:
            if not self._address:
                self.hint = text(Say.UI_DETAILS_TYPE_FIRST, self.options.role)
            else:
                self.hint = text(Say.UI_DETAILS_INCOMPLETE)
            self._draw()
            return False
        return True

    # -- drawing -------------------------------------------------------------------

    def _draw(self) -> None:
        rows: list[Any] = []
        if self.options.listens:
            rows += self._my_addresses()
        else:
            rows += self._address_entry()
        rows += ["", text(Say.UI_DETAILS_OPTIONS)]
        rows += self._options()
        rows += ["", ("hint", self.hint) if self.hint else ""]
        enter = ("key", "Enter")
        if self.options.listens:
            rows.append(markup(Say.UI_DETAILS_START_WAITING, self.options.role,
                               enter_key=enter))
        else:
            rows.append(markup(Say.UI_DETAILS_WHEN_COMPLETE, enter_key=enter))
        self._pile.contents[:] = [(urwid.Text(r), self._pile.options()) for r in rows]

    def _my_addresses(self) -> list[Any]:
        if self._spoken is None:
            self._spoken = self._find_addresses()
        rows: list[Any] = [text(Say.UI_DETAILS_TELL_ADDRESS, self.options.role)]
        return [*rows, "", *address_lines(self._spoken, self._role, self._port)]

    def _address_entry(self) -> list[Any]:
        typed = self._address
        width = max(16, len(typed) + 1)
        return [
            text(Say.UI_DETAILS_TYPE_ADDRESS, self.options.role),
            "",
            ["   " + text(Say.UI_DETAILS_ADDRESS) + "  ",
             ("field", f" {typed}_".ljust(width + 2))],
        ]

    def _options(self) -> list[Any]:
        reverse = text(Say.UI_DETAILS_REVERSE, self.options.role)
        rows: list[Any] = [_option("R", self.options.reverse, reverse, "")]
        if self.options.role is Role.FRIEND:
            rows.append(_option("S", False, text(Say.UI_DETAILS_SHARE),
                                self.unavailable.screen_sharing))
        rows.append(_option("W", False, text(Say.UI_DETAILS_FIREWALL),
                            self.unavailable.firewall))
        return rows


def address_lines(spoken: list[tuple[str, str]], role: Role | str, port: int) -> list[Any]:
    """This computer's best address, how to say it, the others, and the port if unusual."""
    best, *others = spoken
    rows: list[Any] = [["      ", ("field", f" {best[0]} ")], f"      ({best[1]})"]
    if others:
        rows += ["", text(Say.UI_DETAILS_OTHER_ADDRESSES,
                          addresses=", ".join(a for a, _ in others[:3]))]
    note = port_note(role, port)
    return [*rows, note] if note else rows


def port_note(role: Role | str, port: int) -> str:
    """What the other person must add for an unusual port ('' for 2222, or 0: not known
    until waiting starts)."""
    if port in (0, DEFAULT_PORT):
        return ""
    return text(Say.UI_DETAILS_PORT, role, port=port)


def _option(key: str, on: bool, words: str, unavailable: str) -> list[Any]:
    mark = "[x]" if on else "[ ]"
    if unavailable:
        return ["   ", ("greyed", f"{key}  {mark} {words}: {unavailable}")]
    return ["   ", ("key", key), f"  {mark} {words}"]


def _problem(typed: str) -> str:
    """Why this cannot be the start of an address, or ''."""
    if ":" in typed or not typed.replace(".", "").isdigit():  # a long address, being pasted
        return "" if typed.count(":") <= 8 else text(Say.UI_DETAILS_NOT_AN_ADDRESS)
    parts = typed.split(".")
    if ".." in typed or typed.startswith("."):
        return text(Say.UI_DETAILS_NUMBER_BEFORE_DOT)
    if len(parts) > 4:
        return text(Say.UI_DETAILS_FOUR_NUMBERS)
    if any(len(p) > 3 or (p and int(p) > 255) for p in parts):
        return text(Say.UI_DETAILS_AT_MOST_255)
    return ""
