"""Step 5: the code read aloud. The helper reads five words; the friend types their letters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urwid

from remote_help.proto import sas
from remote_help.ui import keys
from remote_help.ui.banner import banner
from remote_help.ui.chrome import StepScreen, page
from remote_help.wizard.status import Details

TYPABLE = frozenset(sas.ALPHABET)


def details_lines(details: Details) -> list[Any]:
    """The Details view: both keys in full and their fingerprints, also in NATO words."""
    rows: list[Any] = [("title", "Details for technical people"), ""]
    for who, key, fingerprint in (
        ("This computer", details.my_key, details.my_fingerprint),
        (f"The other computer ({details.peer_user} at {details.peer_address})",
         details.peer_key, details.peer_fingerprint),
    ):
        rows += [f"{who}:", f"  key {key}", f"  fingerprint {fingerprint}",
                 "  spelled: " + sas.spell(fingerprint.removeprefix("SHA256:")), ""]
    if details.contained_by:
        rows += ["When help ends:", f"  {details.contained_by}", ""]
    return rows


class _WithDetails(StepScreen):
    def __init__(self, details: Details) -> None:
        super().__init__()
        self._details = details
        self._showing = False
        self._main: urwid.Widget = urwid.SolidFill(" ")

    def _toggle_details(self) -> None:
        self._showing = not self._showing
        self.widget = (urwid.Padding(urwid.ListBox(urwid.SimpleFocusListWalker(
            [urwid.Text(r) for r in [*details_lines(self._details),
                                     ["Press ", ("key", "D"), " again to go back."]]])),
            left=1, right=1) if self._showing else self._main)


class VerifyHelper(_WithDetails):
    context = keys.VERIFY_HELPER
    title = "Check that nobody is listening in"

    def __init__(self, code: str, details: Details,
                 answer: Callable[[bool], None]) -> None:
        super().__init__(details)
        self._answer = answer
        words: list[Any] = []
        for word in sas.words(code):
            words += [("code", f" {word} "), "  "]
        self._main = page([
            "Read these five words to your friend, slowly:",
            "",
            ["  ", *words],
            "",
            "Your friend types the first letter of each word.",
            "Their screen then says CORRECT or STOP.",
            "",
            ("title", "Did your friend's screen say CORRECT?"),
            "",
            ["   ", ("key", "Y"), "  Yes, it said CORRECT       ", ("key", "N"), "  No"],
        ])
        self.widget = self._main

    def hints(self) -> list[str]:
        return ["yes", "no", "details", "back", "quit"]

    def act(self, action: str) -> bool:
        if action in ("yes", "no"):
            self._answer(action == "yes")
        elif action == "details":
            self._toggle_details()
        else:
            return False
        return True


class VerifyFriend(StepScreen):
    """Five boxes, one per word; filled as the friend types; checked on Enter."""

    context = keys.VERIFY_FRIEND
    title = "Check that nobody is listening in"

    def __init__(self, length: int, check: Callable[[str], None]) -> None:
        super().__init__()
        self._length = length
        self._check = check
        self.typed = ""
        self.hint = ""
        self._walker = urwid.SimpleFocusListWalker([])
        self.widget = urwid.Padding(urwid.ListBox(self._walker), left=2, right=2)
        self._draw()

    def hints(self) -> list[str]:
        return ["check", "erase", "back"]

    def act(self, action: str) -> bool:
        if action == "erase":
            self.typed = self.typed[:-1]
            self.hint = ""
        elif action == "check":
            if len(self.typed) < self._length:
                missing = self._length - len(self.typed)
                self.hint = (f"{missing} more to type: one letter for each word your "
                             "helper reads.")
            else:
                self._check(self.typed)
                return True
        else:
            return False
        self._draw()
        return True

    def type(self, key: str) -> bool:
        if len(key) != 1:
            return False
        char = key.upper()
        if char in TYPABLE:
            if len(self.typed) < self._length:
                self.typed += char
                self.hint = ""
            else:
                self.hint = "All five are filled in. Press Enter, or Backspace to fix one."
        elif char.isdigit():
            self.hint = "The numbers in the words are only 2 to 7. Listen again."
        elif not char.isspace():
            self.hint = "Type only the first letter of each word (or its number)."
        self._draw()
        return True

    def _draw(self) -> None:
        boxes: list[Any] = ["   "]
        for i in range(self._length):
            if i < len(self.typed):
                boxes += [("box", f" {self.typed[i]} "), "  "]
            else:
                boxes += [("box-empty", " _ "), "  "]
        rows: list[Any] = [
            "Your helper now reads you five words.",
            "Type the first letter of each word you hear.",
            "For a number, type the number: for KILO type K, for SEVEN type 7.",
            "",
            boxes,
            "",
            ("hint", self.hint) if self.hint else "",
            ["When all five are filled in, press ", ("key", "Enter"), "."],
            ["To fix a letter, press ", ("key", "Backspace"), "."],
        ]
        self._walker[:] = [urwid.Text(r) for r in rows]


class Result(_WithDetails):
    """The friend's whole screen: green CORRECT or red STOP."""

    context = keys.RESULT
    title = "Check that nobody is listening in"

    def __init__(self, correct: bool, details: Details) -> None:
        super().__init__(details)
        self.correct = correct
        self.waiting = False
        self._build()

    def waiting_for_helper(self) -> None:
        self.waiting = True
        self._build()

    def _build(self) -> None:
        if self.correct:
            lines: list[Any] = [*banner("CORRECT"), "", "CORRECT", "",
                                'Tell your helper: "My screen says CORRECT."']
            if self.waiting:
                lines += ["", "Waiting for your helper to confirm..."]
            style = "correct"
        else:
            lines = [*banner("STOP"), "", "The words did not match, so nothing was shared.",
                     "Someone may be listening in.", "",
                     "Hang up and call your helper back on a number you know."]
            style = "wrong"
        self._main = urwid.AttrMap(urwid.Filler(urwid.Pile(
            [urwid.Text(line, align="center") for line in lines])), style)
        if not self._showing:
            self.widget = self._main

    def hints(self) -> list[str]:
        return ["details", "back", "quit"]

    def act(self, action: str) -> bool:
        if action == "details":
            self._toggle_details()
            return True
        return False
