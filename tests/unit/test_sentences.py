"""The table of sentences: every key has English, every template is filled by its callers."""

from __future__ import annotations

import ast
import gettext
from collections.abc import Iterator
from pathlib import Path

import pytest

import remote_help
from remote_help import sentences
from remote_help.roles import Role
from remote_help.sentences import ENGLISH, Say, markup, placeholders, text

SRC = Path(remote_help.__file__).parent


def templates(key: Say) -> list[str]:
    entry = ENGLISH[key]
    return [entry] if isinstance(entry, str) else list(entry.values())


def test_every_key_has_english() -> None:
    assert set(ENGLISH) == set(Say)
    for key in Say:
        entry = ENGLISH[key]
        if not isinstance(entry, str):
            assert set(entry) == set(Role), key  # both people's words, or one for both
        assert all(t.strip() for t in templates(key)), key


@pytest.mark.parametrize("key", list(Say))
def test_every_template_formats_with_dummy_values(key: Say) -> None:
    for template in templates(key):
        dummies = dict.fromkeys(placeholders(template), "x")
        for role in Role:
            filled = text(key, role, **dummies)
            assert "{" not in filled or "{" in template.replace("{{", ""), key
            assert "".join(p if isinstance(p, str) else p[1]
                           for p in markup(key, role, **dummies)) == filled


def test_a_role_is_needed_where_the_words_differ() -> None:
    mixed = [k for k in Say if not isinstance(ENGLISH[k], str)]
    assert mixed
    with pytest.raises(ValueError, match="role"):
        text(mixed[0])


def _calls() -> Iterator[tuple[Path, ast.Call, Say]]:
    """Every ``text(Say.X, ...)`` and ``markup(Say.X, ...)`` in the program."""
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else "")
            key = node.args[0]
            if (name in ("text", "markup") and isinstance(key, ast.Attribute)
                    and isinstance(key.value, ast.Name) and key.value.id == "Say"):
                yield path, node, Say[key.attr]


def test_every_caller_fills_exactly_the_placeholders() -> None:
    seen = 0
    for path, call, key in _calls():
        if any(k.arg is None for k in call.keywords):
            continue  # **values: checked where they are made
        given = {k.arg for k in call.keywords}
        for template in templates(key):
            assert given == placeholders(template), f"{path.name}:{call.lineno} {key.name}"
        seen += 1
    assert seen > 20


def test_keys_used_without_a_literal_need_nothing_filled_in() -> None:
    """Keys handed around in tables (``text(meaning)``) are filled with no values."""
    literal = {key for _, _, key in _calls()}
    for key in set(Say) - literal:
        for template in templates(key):
            assert not placeholders(template), key.name


def test_markup_keeps_styled_values_apart() -> None:
    parts = markup(Say.NET_BAD_ADDRESS, host=("field", "192.0.2.7"))
    assert parts == ["The address ", ("field", "192.0.2.7"), " is not right. Check it and "
                     "try again."]


class Shouting(gettext.NullTranslations):
    """A translation that shouts, and notes the contexts it was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.contexts: list[str] = []

    def pgettext(self, context: str, message: str) -> str:
        self.contexts.append(context)
        return message.upper().replace("{HOST}", "{host}")


def test_every_sentence_goes_through_gettext_with_its_key_as_context() -> None:
    shouting = Shouting()
    sentences.install(shouting)
    try:
        shouted = "THE ADDRESS h IS NOT RIGHT. CHECK IT AND TRY AGAIN."
        assert text(Say.NET_BAD_ADDRESS, host="h") == shouted
        assert shouting.contexts == ["net.bad-address"]
    finally:
        sentences.install(gettext.NullTranslations())
    assert text(Say.NET_BAD_ADDRESS, host="h").startswith("The address h")
