"""The other person's name as screens show it: no look-alike letters, none of our words."""

from __future__ import annotations

import json

import pytest

from remote_help import names, sentences
from remote_help.names import SHOWN_MAX, shown
from remote_help.proto import session as sp

UNUSUAL = sentences.text(sentences.Say.NAMES_UNUSUAL)
OURS = sentences.text(sentences.Say.NAMES_OURS)

CYRILLIC_MICROSOFT = "Microsoft Support".translate(str.maketrans("ocpMS", "оср\u041c\u0405"))


def hello_from_peer(name: str) -> sp.Hello:
    """A HELLO as the peer's program sends it, taken in as ours does."""
    body = {"role": "helper", "name": name, "cols": 80, "rows": 24, "kind": "shell"}
    payload = json.dumps(body, ensure_ascii=False).encode()
    [message] = sp.Decoder().feed(bytes([sp.Kind.HELLO]) + len(payload).to_bytes(4, "big")
                                  + payload)
    assert isinstance(message, sp.Hello)
    return message


def test_the_cyrillic_look_alike_is_not_shown_as_microsoft() -> None:
    assert CYRILLIC_MICROSOFT != "Microsoft Support"
    assert CYRILLIC_MICROSOFT.lower().replace(" ", "").isalpha()  # looks like plain letters
    assert hello_from_peer(CYRILLIC_MICROSOFT).name == UNUSUAL
    assert hello_from_peer("Microsoft Support").name == "Microsoft Support"


@pytest.mark.parametrize("name", [
    "remote-help: Help has ended",
    "Help has ended",
    "Step 7 of 7",
    "Press Q to close",
    "To end help press Ctrl Alt C",
    "CTRL+ALT+C",
    "Your helper typed",
    "Friend ended the session",
    "REMOTE_HELP",
])
def test_names_that_imitate_our_sentences_are_not_shown(name: str) -> None:
    assert hello_from_peer(name).name in (OURS, UNUSUAL)
    assert "ended" not in hello_from_peer(name).name.lower()


@pytest.mark.parametrize("name", [
    "Alice", "Bob Smith", "Ann-Marie O'Neil", "J. R. Tolkien", "bob_2", "Sam 3rd",
])
def test_ordinary_ascii_names_are_shown_as_they_are(name: str) -> None:
    assert hello_from_peer(name).name == name


@pytest.mark.parametrize(("name", "expected"), [
    ("Zoë", "Zoe"),
    ("José Núñez", "Jose Nunez"),
    ("Ｍｉｃｒｏｓｏｆｔ", "Microsoft"),  # fullwidth: the ASCII its sender could type anyway
    ("Ali   Baba", "Ali Baba"),
    ("A\u0336l\u0336i\u0336c\u0336e\u0336", "Alice"),  # combining strokes
])
def test_accents_and_compatibility_forms_become_plain_letters(name: str, expected: str) -> None:
    assert hello_from_peer(name).name == expected


@pytest.mark.parametrize("name", [
    "日本語", "Иван", "😀", "Bob Müller 日本", "Microsoft Suppоrt",  # one Cyrillic o
    "Bob (bob at 192.0.2.7)", "Alice: hi", "a<b>", "x" + "\u0301" * 3 + "ı",
    "\u0301\u0301",  # nothing left once the marks are taken off
])
def test_anything_else_is_replaced_by_a_plain_description(name: str) -> None:
    assert hello_from_peer(name).name == UNUSUAL


def test_long_names_are_cut_and_say_so() -> None:
    got = hello_from_peer("Bartholomew Alexander Montgomery-Smythe III").name
    assert len(got) == SHOWN_MAX
    assert got.endswith("...")
    assert got.startswith("Bartholomew Alexander")


def test_a_cut_that_leaves_one_of_our_words_is_not_shown() -> None:
    name = "x" * (SHOWN_MAX - 7) + " endless"  # cut after "end"
    assert len(name) > SHOWN_MAX
    assert shown(name) == OURS


def test_the_descriptions_are_ascii_and_fit() -> None:
    for text in (UNUSUAL, OURS):
        assert text.isascii()
    assert SHOWN_MAX >= 20
    assert "help" in names.OUR_WORDS


def test_the_user_name_from_the_handshake_is_unaffected() -> None:
    """ssh uses the handshake's user name (checked by its own pattern), never this one."""
    from remote_help.proto.handshake import USER_PATTERN

    assert USER_PATTERN.fullmatch("helper")
    assert not USER_PATTERN.fullmatch(CYRILLIC_MICROSOFT)
