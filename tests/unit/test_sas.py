"""The short code: derivation, NATO words, typed-letter matching, spelling (DESIGN section 4)."""

from __future__ import annotations

import base64
import hashlib
import random
import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remote_help.proto import sas

CODE = "K7E2R"  # KILO SEVEN ECHO TWO ROMEO


def oracle_code(transcript: bytes, bits: int) -> str:
    """An independent derivation: standard base32 of the hash with bits past ``bits`` zeroed."""
    digest = hashlib.sha256(
        len(b"rh-sas-v1").to_bytes(8, "big") + b"rh-sas-v1"
        + len(transcript).to_bytes(8, "big") + transcript
    ).digest()  # fmt: skip
    value = int.from_bytes(digest, "big")
    value &= ((1 << bits) - 1) << (256 - bits)
    masked = value.to_bytes(32, "big")
    return base64.b32encode(masked).decode()[: -(-bits // 5)]


# -- hash_parts --------------------------------------------------------------------------


def test_hash_parts_is_sha256_over_length_prefixed_parts() -> None:
    expected = hashlib.sha256(
        (1).to_bytes(8, "big") + b"x" + (0).to_bytes(8, "big") + (2).to_bytes(8, "big") + b"yz"
    ).digest()
    assert sas.hash_parts(b"x", b"", b"yz") == expected
    assert sas.hash_parts() == hashlib.sha256(b"").digest()


def test_hash_parts_keeps_part_boundaries() -> None:
    variants = [
        (b"ab", b"c"),
        (b"a", b"bc"),
        (b"abc",),
        (b"abc", b""),
        (b"", b"abc"),
        (b"a", b"b", b"c"),
    ]
    assert len({sas.hash_parts(*parts) for parts in variants}) == len(variants)


# -- derive_code -------------------------------------------------------------------------


def test_derive_code_is_deterministic() -> None:
    transcript = hashlib.sha256(b"some transcript").digest()
    assert sas.derive_code(transcript) == sas.derive_code(transcript)
    assert sas.derive_code(transcript) == sas.derive_code(bytes(transcript))


def test_default_is_25_bits_as_5_symbols() -> None:
    assert sas.CODE_BITS == 25
    rng = random.Random(1)
    for _ in range(500):
        transcript = rng.randbytes(32)
        code = sas.derive_code(transcript)
        assert re.fullmatch(r"[A-Z2-7]{5}", code)
        assert code == oracle_code(transcript, 25)
        assert code == sas.derive_code(transcript, 25)


def test_known_value() -> None:
    transcript = b"\x00" * 32
    digest = sas.hash_parts(b"rh-sas-v1", transcript)
    first25 = int.from_bytes(digest[:4], "big") >> 7
    expected = "".join(sas.ALPHABET[(first25 >> shift) & 31] for shift in (20, 15, 10, 5, 0))
    assert sas.derive_code(transcript) == expected


def test_8_bits_give_2_symbols_with_zero_padding() -> None:
    rng = random.Random(2)
    seen_first: set[str] = set()
    seen_second: set[str] = set()
    for _ in range(2000):
        transcript = rng.randbytes(32)
        code = sas.derive_code(transcript, 8)
        assert len(code) == 2
        assert code == oracle_code(transcript, 8)
        # The second symbol carries 3 bits and 2 zero bits of padding.
        assert sas.ALPHABET.index(code[1]) & 0b11 == 0
        assert code[0] == sas.derive_code(transcript)[0]
        seen_first.add(code[0])
        seen_second.add(code[1])
    assert len(seen_first) == 32
    assert seen_second == {sas.ALPHABET[i << 2] for i in range(8)}


@pytest.mark.parametrize("bits", range(1, 65))
def test_every_width_matches_the_oracle(bits: int) -> None:
    rng = random.Random(bits)
    for _ in range(20):
        transcript = rng.randbytes(32)
        code = sas.derive_code(transcript, bits)
        assert len(code) == -(-bits // 5)
        assert code == oracle_code(transcript, bits)


@pytest.mark.parametrize("bits", [0, -1, 65, 256])
def test_bad_widths_are_refused(bits: int) -> None:
    with pytest.raises(ValueError):
        sas.derive_code(b"x", bits)


def test_codes_of_different_transcripts_differ_and_are_spread() -> None:
    rng = random.Random(3)
    codes = [sas.derive_code(rng.randbytes(32)) for _ in range(3000)]
    # 3000 draws from 2^25 values: collisions are possible but rare (about 0.13 expected).
    assert len(set(codes)) >= 2997
    for position in range(5):
        assert {code[position] for code in codes} == set(sas.ALPHABET)


# -- words and spoken --------------------------------------------------------------------


def test_alphabet_and_words() -> None:
    assert string.ascii_uppercase + "234567" == sas.ALPHABET
    assert set(sas.NATO) == set(sas.ALPHABET)
    words = list(sas.NATO.values())
    assert len(set(words)) == 32
    for symbol, word in sas.NATO.items():
        assert re.fullmatch(r"[A-Z]+", word)
        if symbol.isalpha():
            assert word[0] == symbol
    assert [sas.NATO[d] for d in "234567"] == ["TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN"]


def test_words_and_spoken() -> None:
    assert sas.words(CODE) == ["KILO", "SEVEN", "ECHO", "TWO", "ROMEO"]
    assert sas.spoken(CODE) == "KILO SEVEN ECHO TWO ROMEO"
    assert sas.spoken("AX") == "ALFA XRAY"
    assert sas.words("") == []


def test_spoken_words_read_back_to_the_code() -> None:
    rng = random.Random(4)
    for _ in range(300):
        code = sas.derive_code(rng.randbytes(32))
        assert sas.candidates(sas.spoken(code)) >= {code}
        assert sas.matches(sas.spoken(code), code)
        assert sas.matches(sas.spoken(code).lower().replace(" ", ""), code)


# -- matches -----------------------------------------------------------------------------

ACCEPTED = [
    "K7E2R",
    "k7e2r",
    "k7E2r",
    "K 7 E 2 R",
    "k 7 e 2 r",
    "  k7e2r\n",
    "k.7.e.2.r",
    "k-7-e-2-r",
    "k, 7, e, 2, r",
    "k7 e2r",
    "\tk 7\te 2 r ",
    "KILO SEVEN ECHO TWO ROMEO",
    "kilo seven echo two romeo",
    "Kilo Seven Echo Two Romeo",
    "kiloseven echotwo romeo",
    "KILOSEVENECHOTWOROMEO",
    "kilosevenechotworomeo",
    "kilo-seven-echo-two-romeo",
    "kilo 7 echo 2 romeo",  # digits typed as digits among words
    "k seven e two r",  # digits typed as words among letters
    "K SEVEN E TWO R",
]


@pytest.mark.parametrize("typed", ACCEPTED)
def test_matches_accepts(typed: str) -> None:
    assert sas.matches(typed, CODE)


REJECTED = [
    "",
    "   ",
    "k7e2",  # short
    "k7e2rr",  # long
    "k7e2s",  # wrong
    "r2e7k",  # reversed
    "k7e3r",
    "k7e1r",  # 1 is not in the alphabet
    "k7e2r0",
    "kilo seven echo two",
    "kilo seven echo two romeo romeo",
    "kilo seven echo three romeo",
    "kilo sevn echo two romeo",
    "kilo seven echo two romeo!",
    "k7e2r!",
    "k?e2r",
    "k 7 e 2",
    "kilosevenecho",
    "K7E2R K7E2R",
    "ｋ７ｅ２ｒ",  # full-width letters are not the code
    "k7e\u200b2r",  # a zero-width space is not a separator
]


@pytest.mark.parametrize("typed", REJECTED)
def test_matches_rejects(typed: str) -> None:
    assert not sas.matches(typed, CODE)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("alpha bravo charlie delta echo", "ABCDE"),
        ("ALPHA BRAVO CHARLIE DELTA ECHO", "ABCDE"),
        ("alfa bravo charlie delta echo", "ABCDE"),
        ("x-ray yankee zulu two three", "XYZ23"),
        ("X-RAY YANKEE ZULU TWO THREE", "XYZ23"),
        ("xray yankee zulu two three", "XYZ23"),
        ("x ray yankee zulu two three", "XYZ23"),
        ("juliet kilo lima mike papa", "JKLMP"),
        ("juliett kilo lima mike papa", "JKLMP"),
        ("whisky whiskey four five six", "WW456"),
        ("alphax-raytwobravoseven", "AX2B7"),
        ("x-rayalphatwobravoseven", "XA2B7"),
    ],
)
def test_matches_accepts_aliases(typed: str, code: str) -> None:
    assert sas.matches(typed, code)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("2 3 4 5 6", "23456"),
        ("two three four five six", "23456"),
        ("TWO THREE FOUR FIVE SIX", "23456"),
        ("twothreefourfivesix", "23456"),
        ("2 three 4 five 6", "23456"),
        ("7 seven 7 seven 7", "77777"),
    ],
)
def test_digits_as_digits_or_words(typed: str, code: str) -> None:
    assert sas.matches(typed, code)
    assert not sas.matches(typed, code[::-1] if code != code[::-1] else "22222")


def test_zero_one_eight_nine_are_never_code_symbols() -> None:
    for typed in ["0", "1", "8", "9", "k7e0r", "k7e8r"]:
        assert sas.candidates(typed) == set()
    # Their names are only ever read as letters, never as digits.
    for typed in ["zero", "one", "eight", "nine"]:
        assert sas.candidates(typed) == {typed.upper()}


@pytest.mark.parametrize(
    "code",
    # Codes whose letters, typed as first letters, also spell a whole word (or words).
    ["ECHOX", "BRAVO", "DELTA", "HOTEL", "INDIA", "OSCAR", "ROMEO", "TANGO", "SEVEN", "THREE"],
)
def test_typed_letters_that_spell_a_word(code: str) -> None:
    typed = code.lower()
    assert sas.matches(typed, code)
    assert sas.matches(code, code)
    assert sas.matches(" ".join(typed), code)
    assert sas.matches(" ".join(sas.words(code)), code)
    assert code in sas.candidates(typed)


def test_a_word_reading_is_kept_beside_the_letter_reading() -> None:
    assert sas.candidates("bravo") == {"BRAVO", "B"}
    assert sas.candidates("echox") >= {"ECHOX"}
    assert sas.matches("echox", "ECHOX")
    assert not sas.matches("bravo", "BRAV2")


def test_parse_typed() -> None:
    assert sas.parse_typed("k7e2r") == CODE
    assert sas.parse_typed("K 7 E 2 R") == CODE
    assert sas.parse_typed("") is None
    assert sas.parse_typed("k!7") is None


def test_parse_typed_whole_words() -> None:
    assert sas.parse_typed("kilo seven echo two romeo") == CODE


def test_candidates_of_non_codes_are_empty() -> None:
    for typed in ["", " ", "...", "-", "k!", "héllo", "kilo?"]:
        assert sas.candidates(typed) == set()


def test_matches_with_random_codes_and_typings() -> None:
    rng = random.Random(5)
    for _ in range(300):
        code = sas.derive_code(rng.randbytes(32))
        variants = [
            code,
            code.lower(),
            " ".join(code),
            ".".join(code.lower()),
            " ".join(sas.words(code)).lower(),
            "".join(sas.words(code)),
            " ".join(rng.choice([symbol, sas.NATO[symbol]]) for symbol in code),
        ]
        for typed in variants:
            assert sas.matches(typed, code), typed
        other = sas.derive_code(rng.randbytes(32))
        if other != code:
            for typed in variants:
                assert not sas.matches(typed, other), (typed, other)
        for typed in [code[:-1], code + code[0], code[1:]]:
            assert not sas.matches(typed, code)


def test_single_symbol_changes_are_rejected() -> None:
    for position in range(5):
        for symbol in sas.ALPHABET:
            wrong = CODE[:position] + symbol + CODE[position + 1 :]
            assert sas.matches(wrong, CODE) is (wrong == CODE)
            spoken = " ".join(sas.words(wrong))
            assert sas.matches(spoken, CODE) is (wrong == CODE)


def test_juliet_alias_before_a_t_word_without_spaces() -> None:
    assert sas.matches("juliet tango two three four", "JT234")  # with spaces it works
    assert sas.matches("juliettangotwothreefour", "JT234")


# -- spell -------------------------------------------------------------------------------


def test_spell_says_case_digits_and_symbols() -> None:
    assert sas.spell("aB3+/=:") == ("small ALFA, capital BRAVO, three, plus, slash, equals, colon")
    assert sas.spell("0189") == "zero, one, eight, nine"
    assert sas.spell("") == ""
    assert sas.spell("SHA256:x") == (
        "capital SIERRA, capital HOTEL, capital ALFA, two, five, six, colon, small XRAY"
    )


def test_spell_reads_back_to_the_same_text() -> None:
    back = {f"capital {word}": symbol for symbol, word in sas.NATO.items() if symbol.isalpha()}
    back |= {f"small {word}": symbol.lower() for symbol, word in sas.NATO.items()
             if symbol.isalpha()}  # fmt: skip
    back |= {word: digit for digit, word in zip(
        "0123456789",
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
        strict=True,
    )}  # fmt: skip
    back |= {"plus": "+", "slash": "/", "equals": "=", "colon": ":"}
    rng = random.Random(6)
    for _ in range(100):
        key = base64.b64encode(rng.randbytes(rng.randrange(1, 60))).decode()
        text = "SHA256:" + key
        assert "".join(back[part] for part in sas.spell(text).split(", ")) == text


# -- read_keys: whole words and first letters on the five-box screen (issue 11) ---------

CODES = st.text(alphabet=sas.ALPHABET, min_size=5, max_size=5)
# The spellings people use for each symbol, aliases included.
SPELLINGS = {symbol: [word] for symbol, word in sas.NATO.items()}
for alias, symbol in {"ALPHA": "A", "JULIET": "J", "XRAY": "X", "WHISKY": "W"}.items():
    SPELLINGS[symbol].append(alias)


@st.composite
def typed_for(draw: st.DrawFn, code: str, mode: str = "mixed") -> str:
    """What a friend types on hearing ``code``: per word, its first letter or the whole
    word (any accepted spelling), in any case, with no spaces (the boxes take none).
    ``mode``: "letters" or "words" for every word alike, "mixed" for either per word."""
    parts = []
    for symbol in code:
        whole = {"letters": False, "words": True}.get(mode) or (
            mode == "mixed" and draw(st.booleans()))
        part = draw(st.sampled_from(SPELLINGS[symbol])) if whole else symbol
        parts.append(part.lower() if draw(st.booleans()) else part)
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(code=CODES, mode=st.sampled_from(["letters", "words"]), data=st.data())
def test_first_letters_or_whole_words_are_correct(code: str, mode: str,
                                                  data: st.DataObject) -> None:
    """Both a friend typing first letters and one typing whole words end up CORRECT when
    the words are right."""
    typed = data.draw(typed_for(code, mode))
    assert sas.matches(typed, code)


@settings(max_examples=400, deadline=None)
@given(code=CODES, data=st.data())
def test_words_and_letters_mixed_are_correct_unless_ambiguous(code: str,
                                                              data: st.DataObject) -> None:
    """A friend who types some words whole and some by their first letter is CORRECT,
    unless those keys read as another code just as well ("2PAPAPA2": 2 PAPA P A 2 or
    2 P A PAPA 2) or as fewer words ("JULIET" then "T": JULIETT); then the screen says
    they do not match, and the friend was already asked for first letters."""
    typed = data.draw(typed_for(code))
    reading = sas.read_keys(typed)
    assert sas.matches(typed, code) or not reading.unique or len(reading.symbols) < len(code)


@settings(max_examples=1000, deadline=None)
@given(other=CODES, mode=st.sampled_from(["letters", "words", "mixed"]), data=st.data())
def test_a_wrong_code_is_never_accepted(other: str, mode: str, data: st.DataObject) -> None:
    """However the words of a code are typed, no reading of them is another code: the
    typed words of one code never match any other (every code at once)."""
    typed = data.draw(typed_for(other, mode))
    assert {reading for reading in sas.candidates(typed) if len(reading) == 5} <= {other}


def test_ambiguous_mixed_keys_match_no_code() -> None:
    assert not sas.read_keys("2PAPAPA2").unique
    assert not sas.matches("2PAPAPA2", "2PPA2") and not sas.matches("2PAPAPA2", "2PAP2")


@settings(max_examples=400, deadline=None)
@given(code=CODES)
def test_whole_words_fill_one_box_each(code: str) -> None:
    assert sas.read_keys("".join(sas.words(code))).symbols == code
    assert sas.read_keys("".join(sas.words(code)).lower()).symbols == code


@settings(max_examples=200, deadline=None)
@given(code=CODES)
def test_whole_words_typed_are_recognised_key_by_key(code: str) -> None:
    """Typing a word on past its first letter is seen (the friend reads 'Type only the
    FIRST letter'), and the boxes never hold more than the words typed so far."""
    keys = ""
    for count, word in enumerate(sas.words(code), start=1):
        for i, char in enumerate(word):
            keys += char
            reading = sas.read_keys(keys)
            if i >= 1:
                assert reading.continues, keys
            assert len(reading.symbols) <= count + (1 if i < sas.WORD_IN_PROGRESS - 1 else 0)
        assert sas.read_keys(keys).symbols == code[:count]


def test_u_then_n_may_be_two_words_or_one() -> None:
    """UNIFORM NOVEMBER typed as first letters, and UNIFORM typed whole, both read."""
    assert sas.read_keys("un") == sas.Reading("UN", continues=True)
    assert sas.read_keys("uni") == sas.Reading("U", continues=True)
    assert sas.read_keys("uniform") == sas.Reading("U", continues=True)
    assert sas.read_keys("uniformn") == sas.Reading("UN", continues=False)
    assert sas.matches("unkxy", "UNKXY") and sas.matches("uniformnovemberkiloxrayyankee", "UNKXY")
    assert not sas.matches("uniformnovemberkiloxrayyankee", "UNIFO")


def test_first_letters_that_spell_a_word_still_match() -> None:
    """E C H O typed as first letters reads as ECHO in the boxes, but is compared as the
    letters too."""
    assert sas.read_keys("echok").symbols == "EK"
    assert sas.matches("echok", "ECHOK")


def test_mixed_whole_words_and_first_letters_match() -> None:
    assert sas.matches("kilo7e2r", CODE)
    assert sas.matches("k7echo2romeo", CODE)
