"""Step 3: what the other person must know (this computer's address), or their address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import urwid

from remote_help.net.transport import DEFAULT_PORT
from remote_help.roles import Role
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen

MAX_ADDRESS = 45
HEX = frozenset("abcdefABCDEF")


@dataclass(init=False)
class Choices:
    """The answers on this step (the friend's become next time's defaults)."""

    role: Role
    address: str = ""
    reverse: bool = False
    screen_sharing: bool = False
    firewall: bool = False

    def __init__(self, role: Role | str, address: str = "", reverse: bool = False,
                 screen_sharing: bool = False, firewall: bool = False) -> None:
        """``role`` may be given as its string (ValueError for any other)."""
        self.role = Role(role)
        self.address = address
        self.reverse = reverse
        self.screen_sharing = screen_sharing
        self.firewall = firewall

    @property
    def listens(self) -> bool:
        return self.role.listens(self.reverse)


@dataclass(frozen=True)
class Unavailable:
    """Options this computer or this version cannot offer, with the reason people read."""

    screen_sharing: str
    firewall: str


class Details(StepScreen):
    context = keys.DETAILS

    def __init__(self, choices: Choices, unavailable: Unavailable,
                 addresses: Callable[[], list[tuple[str, str]]],
                 port: int = DEFAULT_PORT) -> None:
        super().__init__()
        self.choices = choices
        self.unavailable = unavailable
        self._find_addresses = addresses
        self._spoken: list[tuple[str, str]] | None = None  # looked up once, when first shown
        self._port = port
        self._pasting = False
        self.hint = ""
        self._pile = urwid.Pile([])
        self.widget = urwid.Padding(urwid.Filler(self._pile, valign="top", top=1),
                                    left=2, right=2)
        self._draw()

    @property
    def other(self) -> Role:
        return self.choices.role.other

    @property
    def title(self) -> str:  # type: ignore[override]
        if self.choices.listens:
            return f"What your {self.other} must know"
        return f"Your {self.other}'s address"

    def hints(self) -> list[str]:
        return ["continue", "back", "quit", "help"]

    # -- keys ----------------------------------------------------------------------

    def act(self, action: str) -> bool:
        if action == "reverse":
            self.choices.reverse = not self.choices.reverse
            self.hint = ""
        elif action in ("share-screen", "firewall"):
            reason = (self.unavailable.screen_sharing if action == "share-screen"
                      else self.unavailable.firewall)
            self.hint = reason
        elif action == "continue" and not self.choices.listens:
            return not self._address_ready()  # not ready: swallow (the hint says why)
        else:
            return False
        self._draw()
        return True

    def captures(self, key: str) -> bool:
        return not self.choices.listens and (
            self._pasting or key in ("begin paste", "end paste"))

    def type(self, key: str) -> bool:
        if self.choices.listens:
            return False
        if key == "begin paste":
            self._pasting = True
        elif key == "end paste":
            self._pasting = False
        elif key == "backspace":
            self.choices.address = self.choices.address[:-1]
            self.hint = ""
        elif len(key) == 1:
            self._typed(key)
        else:
            return False
        self._draw()
        return True

    def _typed(self, char: str) -> None:
        text = self.choices.address
        if char.isspace() and self._pasting:
            return  # pasted text often carries spaces or a line end
        if not (char.isdigit() or char in ".:" or (self._pasting and char in HEX)):
            self.hint = ("Type only numbers and dots, like 192.168.1.20. "
                         f"Ask your {self.other} to read it again.")
            if char in HEX:
                self.hint = ("Type only numbers and dots. A long address with letters "
                             "in it must be pasted.")
            return
        candidate = text + char
        problem = _problem(candidate)
        if problem or len(candidate) > MAX_ADDRESS:
            self.hint = problem or "That is too long for an address."
            return
        self.choices.address = candidate
        self.hint = ""

    def _address_ready(self) -> bool:
        try:
            ipaddress.ip_address(self.choices.address)
        except ValueError:
            if not self.choices.address:
                self.hint = f"First type your {self.other}'s address."
            else:
                self.hint = ("That address is not complete yet. It has four numbers with "
                             "dots between them.")
            self._draw()
            return False
        return True

    # -- drawing -------------------------------------------------------------------

    def _draw(self) -> None:
        rows: list[Any] = []
        if self.choices.listens:
            rows += self._my_addresses()
        else:
            rows += self._address_entry()
        rows += ["", "Options (press a letter to change one):"]
        rows += self._options()
        rows += ["", ("hint", self.hint) if self.hint else ""]
        if self.choices.listens:
            rows.append(["Press ", ("key", "Enter"), f" to start waiting for your {self.other}."])
        else:
            rows.append(["Press ", ("key", "Enter"), " when the address is complete."])
        self._pile.contents[:] = [(urwid.Text(r), self._pile.options()) for r in rows]

    def _my_addresses(self) -> list[Any]:
        if self._spoken is None:
            self._spoken = self._find_addresses()
        if self.choices.role is Role.HELPER:
            rows: list[Any] = ["Tell your friend to start remote-help, choose",
                               '"I need help", and type this address:']
        else:
            rows = ["Tell your helper this address. Read it slowly:"]
        return [*rows, "", *address_lines(self._spoken, self.choices.role, self._port)]

    def _address_entry(self) -> list[Any]:
        text = self.choices.address
        width = max(16, len(text) + 1)
        return [
            f"Type your {self.other}'s address. Your {self.other} reads it",
            "to you: numbers with dots between them, like 192.168.1.20.",
            "",
            ["   Address:  ", ("field", f" {text}_".ljust(width + 2))],
        ]

    def _options(self) -> list[Any]:
        other = self.other
        if self.choices.role is Role.HELPER:
            reverse = f"Reverse: I connect to my {other} instead"
        else:
            reverse = f"Reverse: my {other} connects to me instead"
        rows: list[Any] = [_option("R", self.choices.reverse, reverse, "")]
        if self.choices.role is Role.FRIEND:
            rows.append(_option("S", False, "Share my screen",
                                self.unavailable.screen_sharing))
        rows.append(_option("W", False, "Open the firewall",
                            self.unavailable.firewall))
        return rows


def address_lines(spoken: list[tuple[str, str]], role: Role | str, port: int) -> list[Any]:
    """This computer's best address, how to say it, the others, and the port if unusual."""
    best, *others = spoken
    rows: list[Any] = [["      ", ("field", f" {best[0]} ")], f"      ({best[1]})"]
    if others:
        rows += ["", "If that one does not work, try: " + ", ".join(a for a, _ in others[:3])]
    note = port_note(role, port)
    return [*rows, note] if note else rows


def port_note(role: Role | str, port: int) -> str:
    """What the other person must add for an unusual port ('' for 2222, or 0: not known
    until waiting starts)."""
    if port in (0, DEFAULT_PORT):
        return ""
    if role == Role.FRIEND:
        return f"Also tell your helper this number: {port}."
    return f"This is not the usual port: your friend must add --port {port}."


def _option(key: str, on: bool, text: str, unavailable: str) -> list[Any]:
    mark = "[x]" if on else "[ ]"
    if unavailable:
        return ["   ", ("greyed", f"{key}  {mark} {text}: {unavailable}")]
    return ["   ", ("key", key), f"  {mark} {text}"]


def _problem(text: str) -> str:
    """Why this cannot be the start of an address, or ''."""
    if ":" in text or not text.replace(".", "").isdigit():  # a long address, being pasted
        return "" if text.count(":") <= 8 else "That is not an address."
    parts = text.split(".")
    if ".." in text or text.startswith("."):
        return "Type a number before each dot."
    if len(parts) > 4:
        return "An address has only four numbers, with three dots between them."
    if any(len(p) > 3 or (p and int(p) > 255) for p in parts):
        return "Each number in the address is at most 255. Please check it again."
    return ""
