"""Step 5: the code read aloud. The helper reads five words; the friend types their letters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import urwid

from remote_help.proto import sas
from remote_help.roles import Role
from remote_help.sentences import Say, markup, text
from remote_help.ui import keys
from remote_help.ui.banner import banner
from remote_help.ui.chrome import StepScreen, page
from remote_help.wizard.status import Details

TYPABLE = frozenset(sas.ALPHABET)


def details_lines(details: Details) -> list[Any]:
    """The Details view: both keys in full and their fingerprints, also in NATO words."""
    rows: list[Any] = [("title", text(Say.UI_TECH_TITLE)), ""]
    for who, key, fingerprint in (
        (text(Say.UI_TECH_THIS_COMPUTER), details.my_key, details.my_fingerprint),
        (text(Say.UI_TECH_OTHER_COMPUTER, user=details.peer_user,
              address=details.peer_address),
         details.peer_key, details.peer_fingerprint),
    ):
        spelled = sas.spell(fingerprint.removeprefix("SHA256:"))
        rows += [f"{who}:", "  " + text(Say.UI_TECH_KEY, key=key),
                 "  " + text(Say.UI_TECH_FINGERPRINT, fingerprint=fingerprint),
                 "  " + text(Say.UI_TECH_SPELLED, spelled=spelled), ""]
    if details.contained_by:
        rows += [text(Say.UI_TECH_WHEN_HELP_ENDS), f"  {details.contained_by}", ""]
    return rows


SCROLL_KEYS = ("up", "down", "page up", "page down", "home", "end")


class DetailsView(urwid.WidgetWrap):  # type: ignore[misc]
    """The Details view: taller than a small window, so it scrolls (the arrow keys, Page
    Up and Page Down, Home and End), under a line that never scrolls away and says how to
    close it. No mouse: turning the mouse on would take the terminal's own selection
    (copying the fingerprint) away."""

    def __init__(self, details: Details) -> None:
        self._list = urwid.ListBox(urwid.SimpleFocusListWalker(
            [urwid.Text(row) for row in details_lines(details)]))
        close = urwid.Text(markup(Say.UI_TECH_PRESS, details_key=("key", "D")))
        self._size: tuple[int, int] | None = None
        super().__init__(urwid.Frame(urwid.Padding(self._list, left=1, right=1),
                                     footer=urwid.Padding(close, left=1, right=1)))

    def render(self, size: tuple[int, int], focus: bool = False) -> urwid.Canvas:
        self._size = size
        return super().render(size, focus)

    def scroll(self, key: str) -> bool:
        """Move the view for one of SCROLL_KEYS; False for any other key."""
        if key not in SCROLL_KEYS:
            return False
        if self._size is None:
            return True  # not drawn yet: nothing to scroll
        cols, rows = self._size
        body = (max(cols - 2, 1), max(rows - self._footer_rows(cols), 1))
        last = len(self._list.body) - 1
        if key == "home":
            self._list.set_focus(0, coming_from="below")
            self._list.set_focus_valign("top")
        elif key == "end":
            self._list.set_focus(last, coming_from="above")
            self._list.set_focus_valign("bottom")
        else:
            self._list.keypress(body, key)
        self._invalidate()
        return True

    def _footer_rows(self, cols: int) -> int:
        footer = self._w.footer
        return int(footer.rows((cols,)))


class _WithDetails(StepScreen):
    def __init__(self, details: Details) -> None:
        super().__init__()
        self._details = details
        self._showing = False
        self._main: urwid.Widget = urwid.SolidFill(" ")
        self._view: DetailsView | None = None

    def _toggle_details(self) -> None:
        self._showing = not self._showing
        if self._showing:
            self._view = DetailsView(self._details)  # from the top each time
        self.widget = self._view if self._showing and self._view else self._main

    def type(self, key: str) -> bool:
        """The Details view scrolls; elsewhere a key that is no hotkey does nothing."""
        return self._showing and self._view is not None and self._view.scroll(key)


def back_question(role: Role) -> list[Any]:
    """Asked before Back on the check: going back means new words to read."""
    return [("title", text(Say.CHECK_BACK_QUESTION, role)), "",
            ["   ", *markup(Say.CHECK_BACK_KEYS, yes_key=("key", "Y"), no_key=("key", "N"))]]


class VerifyHelper(_WithDetails):
    context = keys.VERIFY_HELPER

    def __init__(self, code: str, details: Details,
                 answer: Callable[[bool], None], back: Callable[[], None]) -> None:
        super().__init__(details)
        self.title = text(Say.UI_CHECK_TITLE)
        self._answer = answer
        self._back = back
        self.asking_back = False
        words: list[Any] = []
        for word in sas.words(code):
            words += [("code", f" {word} "), "  "]
        self._main = page([
            text(Say.UI_VERIFY_READ),
            "",
            ["  ", *words],
            "",
            text(Say.UI_VERIFY_FRIEND_TYPES),
            "",
            ("title", text(Say.UI_VERIFY_QUESTION)),
            "",
            ["   ", ("key", "Y"), "  " + text(Say.UI_VERIFY_YES) + "       ", ("key", "N"),
             "  " + text(Say.UI_VERIFY_NO)],
        ])
        self.widget = self._main

    def hints(self) -> list[str]:
        if self.asking_back:
            return ["quit"]
        return ["yes", "no", "details", "back", "quit"]

    def act(self, action: str) -> bool:
        if self.asking_back:
            return self._answer_back(action)
        if action == "back":
            self.asking_back = True
            self._showing = False
            self.widget = page(back_question(Role.HELPER))
        elif action in ("yes", "no"):
            self._answer(action == "yes")
        elif action == "details":
            self._toggle_details()
        else:
            return False
        return True

    def _answer_back(self, action: str) -> bool:
        """Y goes back; N (or B again) stays; Q and Ctrl+Alt+C are the app's."""
        if action == "yes":
            self._back()
        elif action in ("no", "back"):
            self.asking_back = False
            self.widget = self._main
        else:
            return False
        return True


# Keys kept per box at most: the longest NATO word, so whole words fit too.
KEYS_PER_BOX = max(map(len, sas.NATO.values()))


class VerifyFriend(StepScreen):
    """Five boxes, one per word; filled as the friend types; checked on Enter.

    The keys are kept as typed and read by ``sas.read_keys``: a friend who types whole
    words ("uniform") fills one box per word, and is told to type only first letters; the
    journey compares what was typed, every reading of it."""

    context = keys.VERIFY_FRIEND

    def __init__(self, length: int, check: Callable[[str], None],
                 back: Callable[[], None], *, mismatches: int = 0,
                 tries_left: int = 1) -> None:
        super().__init__()
        self.title = text(Say.UI_CHECK_TITLE)
        self._length = length
        self._check = check
        self._back = back
        self.keys = ""  # every key typed, in order
        self.hint = ""
        self.asking_back = False
        self._again: list[str] = []  # after a mismatch: why the boxes are empty again
        if mismatches:
            self._again = [text(Say.CHECK_NO_MATCH),
                           text(Say.CHECK_LAST_TRY) if tries_left <= 1 else
                           text(Say.CHECK_TRIES_LEFT, tries=tries_left)]
        self._walker = urwid.SimpleFocusListWalker([])
        self.widget = urwid.Padding(urwid.ListBox(self._walker), left=2, right=2)
        self._draw()

    @property
    def typed(self) -> str:
        """The boxes' letters: one symbol per word, as read from the keys."""
        return sas.shown(self.keys, self._length)

    def hints(self) -> list[str]:
        return [] if self.asking_back else ["check", "erase", "back"]

    def act(self, action: str) -> bool:
        if self.asking_back:
            if action == "back":  # Escape again: stay
                self.asking_back = False
            elif action != "check":
                return False
        elif action == "back":
            self.asking_back = True
        elif action == "erase":
            self.keys = self.keys[:-1]
            self.hint = self._whole_word_hint()
        elif action == "check":
            if not self._complete():
                missing = self._length - len(self.typed)
                self.hint = (text(Say.UI_VERIFY_MORE, missing=missing) if missing > 0 else
                             text(Say.CHECK_TOO_MANY, words=self._length))
            else:
                self._check(self.keys)
                return True
        else:
            return False
        self._draw()
        return True

    def _complete(self) -> bool:
        """Whether some reading of the keys has one symbol per word (first letters that
        spell a word by chance are read as the word in the boxes, as letters here)."""
        return any(len(reading) == self._length for reading in sas.candidates(self.keys))

    def _whole_word_hint(self) -> str:
        """Two keys that begin a word may be first letters (UNIFORM NOVEMBER): said
        gently then; three, or more keys than boxes, plainly."""
        letters = sas.word_letters_at_end(self.keys)
        if letters >= 3 or (letters == 2 and len(self.typed_keys) > self._length):
            return text(Say.CHECK_WHOLE_WORD)
        return text(Say.CHECK_WHOLE_WORD_MAYBE) if letters == 2 else ""

    @property
    def typed_keys(self) -> str:
        """The keys typed that can be part of a code."""
        return sas.code_keys(self.keys)

    def type(self, key: str) -> bool:
        if len(key) != 1:
            return False
        char = key.upper()
        if self.asking_back:
            if char in "YN":
                self.asking_back = False
                if char == "Y":
                    self._back()
                    return True
            self._draw()
            return True
        if char in TYPABLE:
            self._add(char)
        elif char.isdigit():
            self.hint = text(Say.UI_VERIFY_DIGITS)
        elif not char.isspace():
            self.hint = text(Say.UI_VERIFY_FIRST_LETTER)
        self._draw()
        return True

    def _add(self, char: str) -> None:
        """One more key, unless the boxes are full: a key that goes on with the word of
        the last box is kept even then (the friend may be typing the whole word)."""
        keys_after = self.keys + char
        reading = sas.read_keys(keys_after)
        fits = len(reading.symbols) <= self._length or reading.continues
        if fits and len(keys_after) <= self._length * KEYS_PER_BOX:
            self.keys = keys_after
            self.hint = self._whole_word_hint()
        else:
            self.hint = text(Say.UI_VERIFY_ALL_FILLED)

    def _draw(self) -> None:
        if self.asking_back:
            self._walker[:] = [urwid.Text(r) for r in ["", *back_question(Role.FRIEND)]]
            return
        typed = self.typed[:self._length]  # a word being typed may read as one more
        boxes: list[Any] = ["   "]
        for i in range(self._length):
            if i < len(typed):
                boxes += [("box", f" {typed[i]} "), "  "]
            else:
                boxes += [("box-empty", " _ "), "  "]
        again: list[Any] = [("hint", line) for line in self._again]
        rows: list[Any] = [
            *again, *([""] if again else []),
            text(Say.UI_VERIFY_HOW),
            "",
            boxes,
            "",
            ("hint", self.hint) if self.hint else "",
            markup(Say.UI_VERIFY_ENTER, enter_key=("key", "Enter")),
            markup(Say.UI_VERIFY_BACKSPACE, backspace_key=("key", "Backspace")),
        ]
        self._walker[:] = [urwid.Text(r) for r in rows]


class Result(_WithDetails):
    """The friend's whole screen: green CORRECT or red STOP."""

    context = keys.RESULT

    def __init__(self, correct: bool, details: Details) -> None:
        super().__init__(details)
        self.title = text(Say.UI_CHECK_TITLE)
        self.correct = correct
        self.waiting = False
        self._build()

    def waiting_for_helper(self) -> None:
        self.waiting = True
        self._build()

    def _build(self) -> None:
        if self.correct:
            lines: list[Any] = [*banner("CORRECT"), "", text(Say.UI_RESULT_CORRECT), "",
                                text(Say.UI_RESULT_TELL)]
            if self.waiting:
                lines += ["", text(Say.UI_RESULT_WAITING)]
            style = "correct"
        else:
            lines = [*banner("STOP"), "", text(Say.UI_RESULT_NO_MATCH),
                     text(Say.UI_RESULT_LISTENING), "",
                     text(Say.UI_RESULT_CALL_BACK)]
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
