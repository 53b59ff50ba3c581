"""Step 3: what the other person must know (this computer's address), or their address."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import urwid

from remote_help.roles import Role
from remote_help.sentences import Say, markup, text
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, hanging, indented, row
from remote_help.wizard.options import (
    DEFAULT_PORT,
    Options,
    ascii_digits,
    split_port,
    spoken_number,
    spoken_with_port,
    with_port,
)

DIGITS = frozenset("0123456789")  # never "²": isdigit() takes it, int() does not
MAX_ADDRESS = 60  # an IPv6 address with a zone and a port fits
HEX = frozenset("abcdefABCDEF")
LONG_FORM = DIGITS | HEX | frozenset(":.")  # what an IPv6 address is written with
ZONE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
PORT = " port "  # what the field shows between the address and the port
PORT_WORD = PORT.strip()


class Details(StepScreen):
    context = keys.DETAILS

    def __init__(self, options: Options,
                 addresses: Callable[[], list[tuple[str, str]]]) -> None:
        """``options``: the answers so far; this step edits a copy (``self.options``)."""
        super().__init__()
        self.options = replace(options, address=options.address or "")
        self._find_addresses = addresses
        self._spoken: list[tuple[str, str]] | None = None  # looked up once, when first shown
        self._port = options.port  # the port this computer waits on, when it listens
        self._usual_port = options.usual_port  # when the field shows no port
        # The field as the person typed it: the address, then " port N" if they gave one.
        self._text = with_port(self.options.address or "", options.port) if (
            options.address) else ""
        self._rest = ""  # the rest of the word "port" still to be passed over as typed
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
        elif action == "continue" and not self.options.listens:
            return not self._address_ready()  # not ready: swallow (the hint says why)
        else:
            return False
        self._draw()
        return True

    def captures(self, key: str) -> bool:
        """Keys that are letters of the address here, though hotkeys elsewhere: B in a
        long address (a to f), any letter after its %, the R of "port"."""
        if self.options.listens:
            return False
        if self._pasting or key in ("begin paste", "end paste"):
            return True
        return len(key) == 1 and key != " " and self._takes_letter(key)

    def _takes_letter(self, char: str) -> bool:
        address, started, port = self._text.partition(PORT)
        if started:
            return not port and bool(self._rest) and char.lower() == self._rest[0]
        if "%" in address:
            return char in ZONE
        return bool(address) and _long_form_possible(address) and char in HEX

    def type(self, key: str) -> bool:
        if self.options.listens:
            return False
        if key == "begin paste":
            self._pasting = True
        elif key == "end paste":
            self._pasting = False
            self._text = " ".join(self._text.split())[:MAX_ADDRESS]
            self._keep_draft()
        elif key == "backspace":
            self._erase()
        elif len(key) == 1:
            self._typed(key)
        else:
            return False
        self._draw()
        return True

    def _erase(self) -> None:
        self._rest = ""
        self.hint = ""
        if self._text.endswith(PORT):
            self._text = self._text[: -len(PORT)]  # the port's start goes in one
        else:
            self._text = self._text[:-1]
        self._keep_draft()

    def _typed(self, char: str) -> None:
        if self._pasting:
            if char.isprintable() and len(self._text) < MAX_ADDRESS:
                self._text += char  # the whole is checked when Enter is pressed
            return
        address, started, port = self._text.partition(PORT)
        if started:
            self._typed_port(char, port)
        elif char == " " or (char in "pP" and "%" not in address) or (
                char == ":" and address.count(".") == 3):
            self._start_port(address, char)
        else:
            self._typed_address(address, char)

    def _typed_address(self, address: str, char: str) -> None:
        zone = "%" in address
        long_form = _long_form_possible(address)  # its letters a to f are allowed
        allowed = (char in DIGITS or char in ".:" or (long_form and char in HEX)
                   or (long_form and char == "%" and not zone) or (zone and char in ZONE))
        if not allowed:
            self.hint = text(Say.UI_DETAILS_ONLY_DIGITS, self.options.role)
            if char in HEX:
                self.hint = text(Say.UI_DETAILS_LETTERS_AFTER_COLON)
            return
        candidate = address + char
        problem = _problem(candidate)
        if problem or len(candidate) > MAX_ADDRESS:
            self.hint = problem or text(Say.UI_DETAILS_TOO_LONG)
            return
        self._text = candidate
        self.hint = ""
        self._keep_draft()

    def _keep_draft(self) -> None:
        """What the field shows becomes the answer kept on Back (``self.options`` goes with
        the Back event): an address with its port if one shows, else the usual port, never
        one the field no longer shows. A half-typed address is kept as typed."""
        try:
            host, port = split_port(self._text)
        except ValueError:
            host, port = self._text.partition(PORT)[0], None
        self.options = replace(self.options, address=host, port=port or self._usual_port)

    def _start_port(self, address: str, char: str) -> None:
        """A space, a P or (after an IPv4 address) a colon: the port comes next."""
        if not self._complete(address):
            return
        self._text = address + PORT
        self._rest = PORT_WORD[1:] if char in "pP" else ""
        self.hint = ""

    def _typed_port(self, char: str, port: str) -> None:
        if char in DIGITS:
            candidate = port + char
            if not ascii_digits(candidate) or int(candidate) > 65535 or (
                    candidate.startswith("0")):
                self.hint = text(Say.UI_DETAILS_PORT_NUMBER)
                return
            self._text += char
            self._rest = ""
            self.hint = ""
            self._keep_draft()
        elif not port and char == " ":
            pass  # "port 2300": the space after the word
        elif not port and self._rest and char.lower() == self._rest[0]:
            self._rest = self._rest[1:]  # the letters of "port", typed in full
        elif not port and char.lower() == PORT_WORD[0]:
            self._rest = PORT_WORD[1:]
        else:
            self.hint = text(Say.UI_DETAILS_PORT_NUMBER)

    def _complete(self, address: str) -> bool:
        """Whether ``address`` is a whole address (else the hint says what is missing)."""
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.is_link_local and parsed.version == 6 and (
                "%" not in address):
            self.hint = text(Say.UI_DETAILS_NEEDS_ZONE)  # fe80:: reaches nothing without it
            return False
        if parsed is None:
            if not address:
                self.hint = text(Say.UI_DETAILS_TYPE_FIRST, self.options.role)
            elif problem := _problem(address):  # a pasted "12²" is no address to finish
                self.hint = problem
            elif ":" in address:
                self.hint = text(Say.UI_DETAILS_INCOMPLETE_LONG)
            else:
                self.hint = text(Say.UI_DETAILS_INCOMPLETE)
            return False
        return True

    def _address_ready(self) -> bool:
        """Enter: the field holds an address (and maybe a port); they become the answer."""
        address, started, port = self._text.partition(PORT)
        if started and not port:
            self.hint = text(Say.UI_DETAILS_PORT_NUMBER)
        else:
            try:
                host, typed_port = split_port(self._text)  # a pasted "[fe80::1]:2300" too
            except ValueError:
                if started or self._complete(address):
                    self.hint = text(Say.UI_DETAILS_NOT_AN_ADDRESS)
            else:
                if self._complete(host):
                    self.options = replace(self.options, address=host,
                                           port=typed_port or self._usual_port)
                    return True
        self._draw()
        return False

    # -- drawing -------------------------------------------------------------------

    def _draw(self) -> None:
        rows: list[Any] = []
        if self.options.listens:
            rows += self._my_addresses()
        else:
            rows += self._address_entry()
        rows += ["", *self._options()]  # one option, its key shown: no heading needed
        rows += ["", ("hint", self.hint) if self.hint else ""]
        enter = ("key", "Enter")
        if self.options.listens:
            rows.append(markup(Say.UI_DETAILS_START_WAITING, self.options.role,
                               enter_key=enter))
        else:
            rows.append(markup(Say.UI_DETAILS_WHEN_COMPLETE, enter_key=enter))
        self._pile.contents[:] = [(row(r), self._pile.options()) for r in rows]

    def _my_addresses(self) -> list[Any]:
        if self._spoken is None:
            self._spoken = self._find_addresses()
        rows: list[Any] = [text(Say.UI_DETAILS_TELL_ADDRESS, self.options.role)]
        return [*rows, "", *address_lines(self._spoken, self._role, self._port)]

    def _address_entry(self) -> list[Any]:
        typed = self._text
        width = max(16, len(typed) + 1)
        rows: list[Any] = [
            text(Say.UI_DETAILS_TYPE_ADDRESS, self.options.role),
            "",
            ["   " + text(Say.UI_DETAILS_ADDRESS) + "  ",
             ("field", f" {typed}_".ljust(width + 2))],
        ]
        address, started, _ = typed.partition(PORT)
        if address and _long_form_possible(address) and not ascii_digits(address) and (
                not started):
            rows += ["", text(Say.UI_DETAILS_LONG_FORM)]
        return rows

    def _options(self) -> list[Any]:
        reverse = text(Say.UI_DETAILS_REVERSE, self.options.role)
        return [_option("R", self.options.reverse, reverse)]


def address_lines(spoken: list[tuple[str, str]], role: Role | str, port: int) -> list[Any]:
    """This computer's best address with its port if unusual, as written and as said
    aloud (the helper reads both to the friend), then the others."""
    best, *others = spoken
    if Role(role) is Role.HELPER:
        rows: list[Any] = [["      ", ("field", f" {with_port(best[0], port)} ")],
                           indented(f"({spoken_with_port(best[0], port)})", 6)]
    else:  # the friend tells the helper the number on its own, in words
        rows = [["      ", ("field", f" {best[0]} ")], indented(f"({best[1]})", 6)]
        if port not in (0, DEFAULT_PORT):
            rows.append(text(Say.UI_DETAILS_PORT, role, port=port,
                             spoken=spoken_number(port)))
    if others:
        rows += ["", text(Say.UI_DETAILS_OTHER_ADDRESSES,
                          addresses=", ".join(a for a, _ in others[:3]))]
    return rows


def _option(key: str, on: bool, words: str) -> urwid.Widget:
    mark = "[x]" if on else "[ ]"
    return hanging(["   ", ("key", key), f"  {mark}"], 9, words)


def _problem(typed: str) -> str:
    """Why this cannot be the start of an address, or ''."""
    if ":" in typed or not ascii_digits(typed.replace(".", "")):  # a long (IPv6) address
        return "" if _long_form_so_far(typed) else text(Say.UI_DETAILS_NOT_AN_ADDRESS)
    parts = typed.split(".")
    if ".." in typed or typed.startswith("."):
        return text(Say.UI_DETAILS_NUMBER_BEFORE_DOT)
    if len(parts) > 4:
        return text(Say.UI_DETAILS_FOUR_NUMBERS)
    if any(len(p) > 3 or (ascii_digits(p) and int(p) > 255) for p in parts):
        return text(Say.UI_DETAILS_AT_MOST_255)
    return ""


def _long_form_possible(address: str) -> bool:
    """Whether the address typed so far may be the start of an IPv6 address (a colon, or
    up to four characters and no dot yet: "fe80" before its colon)."""
    return ":" in address or ("." not in address and len(address) < 4)


def _long_form_so_far(typed: str) -> bool:
    """Whether ``typed`` can still become an IPv6 address: at most eight groups of at most
    four hex digits, one "::" at most (the last group may be IPv4 dotted, as ::ffff:1.2.3.4)."""
    address = typed.partition("%")[0]
    if not set(address) <= LONG_FORM:
        return False  # "²" or another character no address has (pasted)
    groups = address.split(":")
    if address.count(":") > 8 or address.count("::") > 1 or ":::" in address:
        return False
    last = len(groups) - 1
    return all(len(g) <= 4 or (i == last and "." in g) for i, g in enumerate(groups))
