"""The other person's display name as a screen may show it: plain letters, never our words.

The name in a peer's HELLO is chosen freely by the other side's program. Shown as it came, it
could be "Microsoft Support" in Cyrillic letters, or a sentence of our own
("remote-help: Help has ended"). ``shown`` turns it into something that cannot pass for
either: only ASCII letters, digits and a few harmless marks, at most ``SHOWN_MAX``
characters, and none of the words the program's own sentences are made of. Anything else
is replaced by a plain description. The real user name (for ssh) is never this: it comes
from the handshake and is checked there.
"""

from __future__ import annotations

import re
import unicodedata

from remote_help.sentences import Say, text

SHOWN_MAX = 32
# What a person's name may hold once accents are taken off: no ":" (our sentences start
# "remote-help:"), no brackets (the screens put "(user at address)" after the name).
_SAFE = re.compile(r"[A-Za-z0-9 .'_-]+")
_WORD = re.compile(r"[a-z0-9]+")
# The words the program's own sentences and keys are made of (sentences.ENGLISH; a
# translation adds its own); a name holding one of them could continue or imitate them
# ("Help has ended", "Press Q", "Step 7 of 7").
OUR_WORDS = frozenset({
    "remote", "help", "helps", "helped", "helping", "helper", "friend", "end", "ends",
    "ended", "ending", "press", "pressed", "ctrl", "alt", "esc", "f10", "enter", "step",
    "session", "connected", "disconnected", "connection", "correct", "wrong", "code",
    "stop", "stopped", "typed", "typing", "quit", "cancel", "cancelled", "paused",
    "warning", "error", "password", "sudo", "window", "screen", "closed", "shared",
    "sharing", "terminal", "computer", "lost", "nothing",
})


def shown(name: str) -> str:
    """The form of ``name`` a screen shows (names are already free of control characters).

    Accents and compatibility forms become their plain letters ("Zoë" is "Zoe", fullwidth
    letters are ASCII): the result is a name its sender could have typed in ASCII anyway.
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", name)
                    if not unicodedata.combining(c))
    plain = " ".join(plain.split())
    if not plain or not _SAFE.fullmatch(plain):
        return text(Say.NAMES_UNUSUAL)
    if len(plain) > SHOWN_MAX:
        plain = plain[: SHOWN_MAX - 3].rstrip() + "..."
    if OUR_WORDS.intersection(_WORD.findall(plain.lower())):
        return text(Say.NAMES_OURS)
    return plain
