"""Every hotkey in one table: the screens, the help view and the README all read it.

A hotkey is also a phone instruction ("press Y"), so each action has one letter (or one
well-known key) that can be said aloud, and no screen gives a key two meanings.
"""

from __future__ import annotations

from dataclasses import dataclass

from remote_help import sentences
from remote_help.sentences import Say

# Where a key works. "wizard" is every step before the shared session.
WIZARD = "wizard"
WELCOME = "welcome"
ROLE = "role"
DETAILS = "details"
WAIT = "wait"
VERIFY_HELPER = "verify-helper"
VERIFY_FRIEND = "verify-friend"  # the friend types letters: no letter may be a hotkey
RESULT = "result"  # the friend's CORRECT / STOP screen
SETUP = "setup"
SESSION_FRIEND = "session-friend"
SESSION_HELPER = "session-helper"
ENDED = "ended"
FAILED = "failed"
HELP = "help"

SCREENS = (WELCOME, ROLE, DETAILS, WAIT, VERIFY_HELPER, VERIFY_FRIEND, RESULT, SETUP,
           SESSION_FRIEND, SESSION_HELPER, ENDED, FAILED, HELP)


@dataclass(frozen=True)
class Key:
    action: str
    keys: tuple[str, ...]  # urwid key names
    said: str  # how it is said and shown: "Y", "Enter", "Ctrl+Alt+C"
    words: Say  # what it does, for the help view
    where: tuple[str, ...]

    @property
    def text(self) -> str:
        """What it does, in the person's language."""
        return sentences.text(self.words)

    def works_in(self, screen: str) -> bool:
        if screen in self.where:
            return True
        return WIZARD in self.where and screen not in (SESSION_FRIEND, SESSION_HELPER)


CTRL_ALT_C = "meta ctrl c"  # every form terminals send arrives as this (ui/keyboard.py)

KEYS: tuple[Key, ...] = (
    Key("stop", (CTRL_ALT_C,), "Ctrl+Alt+C", Say.KEY_STOP,
        (WIZARD,)),
    Key("help", ("f1",), "F1", Say.KEY_HELP, (WIZARD,)),
    Key("continue", ("enter", "c"), "C", Say.KEY_CONTINUE, (WELCOME,)),
    Key("continue", ("enter",), "Enter", Say.KEY_CONTINUE, (DETAILS,)),
    Key("quit", ("q",), "Q", Say.KEY_QUIT,
        (WELCOME, ROLE, DETAILS, WAIT, VERIFY_HELPER, RESULT, SETUP, FAILED)),
    Key("back", ("b",), "B", Say.KEY_BACK,
        (ROLE, DETAILS, WAIT, VERIFY_HELPER, RESULT, SETUP)),
    Key("back", ("esc",), "Escape", Say.KEY_BACK_CODE,
        (VERIFY_FRIEND,)),
    Key("friend", ("n",), "N", Say.KEY_FRIEND, (ROLE,)),
    Key("helper", ("h",), "H", Say.KEY_HELPER, (ROLE,)),
    Key("same", ("enter",), "Enter", Say.KEY_SAME, (ROLE,)),
    Key("back", ("esc",), "Escape", Say.KEY_BACK, (DETAILS,)),
    Key("reverse", ("r",), "R", Say.KEY_REVERSE,
        (DETAILS,)),
    Key("yes", ("y",), "Y", Say.KEY_YES, (VERIFY_HELPER,)),
    Key("no", ("n",), "N", Say.KEY_NO, (VERIFY_HELPER,)),
    Key("details", ("d",), "D", Say.KEY_DETAILS,
        (VERIFY_HELPER, RESULT)),
    Key("erase", ("backspace",), "Backspace", Say.KEY_ERASE, (VERIFY_FRIEND,)),
    Key("check", ("enter",), "Enter", Say.KEY_CHECK, (VERIFY_FRIEND,)),
    Key("retry", ("t",), "T", Say.KEY_RETRY, (FAILED,)),
    Key("close", ("enter", "q"), "Q", Say.KEY_CLOSE, (ENDED,)),
    Key("close-help", ("esc", "enter", "q"), "Q", Say.KEY_CLOSE_HELP, (HELP,)),
    Key("end", (CTRL_ALT_C,), "Ctrl+Alt+C", Say.KEY_END_FRIEND, (SESSION_FRIEND,)),
    Key("end", (CTRL_ALT_C, "f10"), "Ctrl+Alt+C or F10", Say.KEY_END_HELPER,
        (SESSION_HELPER,)),
)


def action_for(screen: str, key: str) -> str | None:
    """What pressing ``key`` does on ``screen``, if anything."""
    for entry in KEYS:
        if key in entry.keys and entry.works_in(screen):
            return entry.action
    return None


def said(screen: str, action: str) -> str:
    """How to say the key for an action on a screen: 'Y', 'Ctrl+Alt+C'."""
    for entry in KEYS:
        if entry.action == action and entry.works_in(screen):
            return entry.said
    raise KeyError(f"{action} has no key on {screen}")


def for_screen(screen: str) -> list[Key]:
    return [entry for entry in KEYS if entry.works_in(screen)]


def conflicts() -> list[str]:
    """Keys that mean two things on one screen (must be empty)."""
    found = []
    for screen in SCREENS:
        seen: dict[str, str] = {}
        for entry in for_screen(screen):
            for key in entry.keys:
                if key in seen and seen[key] != entry.action:
                    found.append(f"{screen}: {key} is {seen[key]} and {entry.action}")
                seen[key] = entry.action
    return found


def markdown_table() -> str:
    """The README's key table."""
    rows = ["| key | what it does | where |", "|---|---|---|"]
    names = {WIZARD: "every step before the session", SESSION_FRIEND: "friend's session",
             SESSION_HELPER: "helper's session", VERIFY_FRIEND: "friend typing the code",
             VERIFY_HELPER: "helper reading the code", RESULT: "CORRECT / STOP screen"}
    for entry in KEYS:
        where = ", ".join(names.get(w, w) for w in entry.where)
        rows.append(f"| {entry.said} | {entry.text} | {where} |")
    return "\n".join(rows)
