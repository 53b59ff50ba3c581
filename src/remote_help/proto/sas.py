"""The short code: transcript hash -> 25 bits -> 5 base32 symbols -> NATO words.

Also the typed-letter check on the friend's side and the NATO spelling of key
fingerprints for the Details view.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

CODE_BITS = 25
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
NATO = {
    "A": "ALFA", "B": "BRAVO", "C": "CHARLIE", "D": "DELTA", "E": "ECHO", "F": "FOXTROT",
    "G": "GOLF", "H": "HOTEL", "I": "INDIA", "J": "JULIETT", "K": "KILO", "L": "LIMA",
    "M": "MIKE", "N": "NOVEMBER", "O": "OSCAR", "P": "PAPA", "Q": "QUEBEC", "R": "ROMEO",
    "S": "SIERRA", "T": "TANGO", "U": "UNIFORM", "V": "VICTOR", "W": "WHISKEY", "X": "XRAY",
    "Y": "YANKEE", "Z": "ZULU", "2": "TWO", "3": "THREE", "4": "FOUR", "5": "FIVE",
    "6": "SIX", "7": "SEVEN",
}  # fmt: skip
# Spellings people also use for the same symbol.
_ALIASES = {"ALPHA": "A", "JULIET": "J", "X-RAY": "X", "WHISKY": "W"}
_WORDS = {word: symbol for symbol, word in NATO.items()} | _ALIASES
_NAMES_LONGEST_FIRST = sorted(_WORDS, key=len, reverse=True)
_DIGIT_NAMES = {
    "0": "ZERO", "1": "ONE", "2": "TWO", "3": "THREE", "4": "FOUR", "5": "FIVE", "6": "SIX",
    "7": "SEVEN", "8": "EIGHT", "9": "NINE",
}  # fmt: skip


def hash_parts(*parts: bytes) -> bytes:
    """SHA-256 over length-prefixed parts, so no two part lists hash alike."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


def derive_code(transcript: bytes, bits: int = CODE_BITS) -> str:
    """The code symbols for a transcript hash: the first ``bits`` bits, 5 per symbol.

    When ``bits`` is not a multiple of 5 the last symbol carries zero padding.
    """
    if not 1 <= bits <= 64:
        raise ValueError("bits must be 1..64")
    digest = hash_parts(b"rh-sas-v1", transcript)
    value = int.from_bytes(digest[:8], "big") >> (64 - bits)
    symbols = -(-bits // 5)
    value <<= symbols * 5 - bits
    return "".join(ALPHABET[(value >> (5 * (symbols - 1 - i))) & 31] for i in range(symbols))


def words(code: str) -> list[str]:
    """The NATO word for each symbol of a code."""
    return [NATO[symbol] for symbol in code]


def spoken(code: str) -> str:
    """The code as it is read aloud: 'KILO SEVEN ECHO TWO ROMEO'."""
    return " ".join(words(code))


def candidates(text: str) -> set[str]:
    """Every way to read what the friend typed as code symbols (empty: not a code).

    Accepts first letters ("k7e2r", "K 7 E 2 R") or whole words ("kilo seven ...",
    "KILOSEVENECHO..."), any case, with spaces, dots and dashes ignored. Typed letters
    can spell a word by chance ("ECHO"), so each reading is kept and all are checked.
    """
    upper = text.strip().upper()
    tokens = [t for t in re.split(r"[\s.,;:_/-]+", upper) if t]
    if not tokens:
        return set()
    found: set[str] = set()
    letters = "".join(tokens)
    if all(char in ALPHABET for char in letters):
        found.add(letters)
    per_token = [_WORDS.get(t) or (t if len(t) == 1 and t in ALPHABET else None) for t in tokens]
    if all(per_token):
        found.add("".join(p for p in per_token if p))
    joined = _split_words(letters)
    if joined is not None:
        found.add(joined)
    if all(char in ALPHABET for char in letters):
        mixed = read_keys(letters)  # whole words and first letters mixed
        if mixed.unique:
            found.add(mixed.symbols)
    return found


# A run of keys that starts a NATO word and is at least this long is read as that word
# being typed ("UNI": UNIFORM); two letters ("UN") may be two first letters.
WORD_IN_PROGRESS = 3


@dataclass(frozen=True)
class Reading:
    """What the keys typed on the five-box screen stand for.

    ``symbols``: one per box; ``continues``: the last key went on with a NATO word after
    its first letter ("U" then "N"), so the friend may be typing whole words;
    ``unique``: no other reading has as few boxes ("2PAPAPA2" may be PAPA P A or P A
    PAPA: such keys are compared only in their other readings)."""

    symbols: str
    continues: bool
    unique: bool = True


def code_keys(keys: str) -> str:
    """The keys typed that can be part of a code, in capitals (others are dropped)."""
    return "".join(char for char in keys.upper() if char in ALPHABET)


def read_keys(keys: str) -> Reading:
    """Read keys typed one by one (letters and digits, no spaces) as code symbols.

    Whole words ("UNIFORM") and first letters ("U") may be mixed: the reading with the
    fewest boxes wins, a whole word being one box, and a word being typed (at least
    WORD_IN_PROGRESS of its letters, at the end) one box too. First letters that happen
    to spell a word are read as that word here; ``candidates`` keeps the letters' own
    reading as well, so they still match. Keys outside the code's alphabet are dropped.

    A reading of another code's words is never this code: when the fewest boxes are as
    many as the code's words, the friend's own segmentation is among the readings with
    the fewest, so a unique one is it.
    """
    run = code_keys(keys)
    size = len(run)
    # best[i]: the fewest pieces for run[i:], and (at most two of) the readings with as few.
    best: list[tuple[int, frozenset[str]]] = [(0, frozenset({""}))] * (size + 1)
    for i in range(size - 1, -1, -1):
        options = [(best[i + 1][0] + 1, {run[i] + rest for rest in best[i + 1][1]})]
        for name in _NAMES_LONGEST_FIRST:
            if run.startswith(name, i):
                count, rests = best[i + len(name)]
                options.append((count + 1, {_WORDS[name] + rest for rest in rests}))
            elif size - i >= WORD_IN_PROGRESS and name.startswith(run[i:]):
                options.append((1, {_WORDS[name]}))
        fewest = min(count for count, _ in options)
        tied: set[str] = set().union(*(found for count, found in options if count == fewest))
        best[i] = (fewest, frozenset(sorted(tied)[:2]))
    first, *others = sorted(best[0][1])
    return Reading(first, _continues(run), unique=not others)


def _continues(run: str) -> bool:
    """Whether the last key went on with a NATO word after its first letter: the keys end
    with the first two or more letters of a word ("UN", "UNIFORM")."""
    longest = max(map(len, _NAMES_LONGEST_FIRST))
    return any(name.startswith(run[start:]) for name in _NAMES_LONGEST_FIRST
               for start in range(max(0, len(run) - longest), len(run) - 1))


def word_letters_at_end(keys: str) -> int:
    """How many of the last keys begin (or are) one NATO word, when two or more do: "UN"
    is 2, "KILO" 4, "K7" 0. First letters can do so by chance (UNIFORM NOVEMBER)."""
    run = code_keys(keys)
    longest = max(map(len, _NAMES_LONGEST_FIRST))
    for start in range(max(0, len(run) - longest), len(run) - 1):
        if any(name.startswith(run[start:]) for name in _NAMES_LONGEST_FIRST):
            return len(run) - start
    return 0


def shown(keys: str, length: int) -> str:
    """The symbols the friend's boxes show for the keys typed so far.

    Up to one key per box, the keys are the letters typed, unless they are whole words
    only ("KILO", "TANGO"): a friend typing first letters never sees a box lose its
    letter because they spell part of a word by chance. Past that, the keys are read as
    words and letters mixed (``read_keys``)."""
    run = code_keys(keys)
    if len(run) > length:
        return read_keys(run).symbols
    return _split_words(run) or run


def _split_words(run: str) -> str | None:
    """A run of whole words with no spaces ("KILOSEVEN"), or None.

    Tries every split, not just the longest word first: "JULIETTANGO" is JULIET TANGO.
    """
    memo: dict[int, str | None] = {len(run): ""}

    def rest(i: int) -> str | None:
        if i not in memo:
            memo[i] = None
            for name in _NAMES_LONGEST_FIRST:
                if run.startswith(name, i):
                    tail = rest(i + len(name))
                    if tail is not None:
                        memo[i] = _WORDS[name] + tail
                        break
        return memo[i]

    return rest(0)


def parse_typed(text: str) -> str | None:
    """The reading of the typed text that has the length of a code, if exactly one does."""
    found = {c for c in candidates(text) if len(c) == -(-CODE_BITS // 5)}
    return found.pop() if len(found) == 1 else None


def matches(typed: str, code: str) -> bool:
    """Whether any reading of the typed text is exactly the code (constant-time compare)."""
    result = False
    for candidate in candidates(typed):
        result |= hmac.compare_digest(candidate.encode(), code.encode())
    return result


def spell(text: str) -> str:
    """Spell any text in NATO words for reading aloud, saying case and symbols."""
    out = []
    for char in text:
        if char.isalpha() and char.upper() in NATO:
            case = "capital" if char.isupper() else "small"
            out.append(f"{case} {NATO[char.upper()]}")
        elif char in _DIGIT_NAMES:
            out.append(_DIGIT_NAMES[char].lower())
        else:
            out.append({"+": "plus", "/": "slash", "=": "equals", ":": "colon"}.get(char, char))
    return ", ".join(out)
