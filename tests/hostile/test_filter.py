"""The line-mode output filter against a hostile shell (T-filter in the threat model).

A corpus of sequences that real terminals act on in ways that hide text, change what the
keyboard sends (so Ctrl+Alt+C would no longer arrive), leave the screen (the Linux
console's VT switch) or answer into the shell; each is fed whole, byte by byte and split
at every byte boundary, and none may reach the terminal. Then a property test: whatever
the shell prints, what leaves the filter is only text and sequences a strict checker
written here (not the filter's own tables) accepts, and fed to the project's emulator
it never conceals text, turns on mouse reports or stops autowrap.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remote_help.plain.terminal import RESET_MODES, modes_left
from remote_help.term import screen as vterm
from remote_help.term.filter import Sanitizer
from tests import support, tui
from tests.e2e.test_xterm import x_display
from tests.tui import Tmux

BEFORE = b"before "
AFTER = b" after\r\n"


def sanitize(data: bytes, utf8: bool = True, queries: bool = True) -> bytes:
    """The output for ``data`` fed whole, after checking byte by byte and every split."""
    whole = Sanitizer(utf8, queries=queries).feed(data)
    s = Sanitizer(utf8, queries=queries)
    assert b"".join(s.feed(data[i:i + 1]) for i in range(len(data))) == whole, "byte by byte"
    for i in range(len(data) + 1):
        s = Sanitizer(utf8, queries=queries)
        assert s.feed(data[:i]) + s.feed(data[i:]) == whole, f"split at {i}"
    return whole


# -- a strict checker, written from the allow-list in docs/decisions.md ------------------

_CONTROLS = "\x07\x08\t\n\r"
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NUMBER = r"(?:0|[1-9][0-9]{0,3})"
_CANONICAL = [re.compile(pattern) for pattern in (
    r"\x1b[78DEHM=>]",
    rf"\x1b\[{_NUMBER}?[@ABCDEFGILMPSTXZ`abde]",
    rf"\x1b\[{_NUMBER}?(?:;{_NUMBER}?)?[Hfr]",
    r"\x1b\[[012]?[JK]", r"\x1b\[[03]?g", r"\x1b\[[su]", r"\x1b\[4[hl]", r"\x1b\[[0-6]? q",
    r"\x1b\[\?[0-9;]+[hl]", r"\x1b\[[0-9;]*m",
)]
_QUERIES = re.compile(r"\x1b\[[56]n|\x1b\[>?0?c")
_DEC_ON = {1, 5, 6, 7, 12, 25, 47, 1047, 1048, 1049, 2004}
_SGR_PLAIN = {0, 1, 2, 3, 4, 5, 6, 7, 9, 21, 22, 23, 24, 25, 27, 28, 29, 39, 49, 53, 55,
              *range(30, 38), *range(40, 48), *range(90, 98), *range(100, 108)}


def check(output: bytes, utf8: bool = True, queries: bool = True) -> None:
    """Fail unless ``output`` is text, BEL/BS/HT/LF/CR and allowed canonical sequences."""
    text = output.decode("utf-8") if utf8 else output.decode("latin-1")  # strict: valid
    pos = 0
    while pos < len(text):
        c = text[pos]
        if c == "\x1b":
            pos = _check_sequence(text, pos, queries)
            continue
        if c == "\x18":  # CAN, only just after a character that is not ASCII
            assert utf8 and pos > 0 and text[pos - 1] >= "\x80", f"CAN at {pos}: {text!r}"
            pos += 1
            continue
        assert c >= " " or c in _CONTROLS, f"control {c!r} at {pos}: {text!r}"
        assert not "\x7f" <= c <= "\x9f", f"DEL or C1 {c!r} at {pos}: {text!r}"
        assert not _BIDI.match(c), f"bidi control {c!r}: {text!r}"
        if utf8 and c >= "\x80":  # a terminal reading bytes must abandon what it began
            assert text[pos + 1:pos + 2] == "\x18", f"{c!r} without CAN at {pos}: {text!r}"
        pos += 1


def _check_sequence(text: str, pos: int, queries: bool) -> int:
    for pattern in (*_CANONICAL, *([_QUERIES] if queries else [])):
        m = pattern.match(text, pos)
        if m is not None:
            seq = m.group()
            if seq.endswith("m"):
                _check_sgr(seq[2:-1])
            elif seq.startswith("\x1b[?"):
                modes = [int(n) for n in seq[3:-1].split(";")]
                allowed = _DEC_ON if seq.endswith("h") else _DEC_ON - {7}
                assert set(modes) <= allowed, f"DEC mode in {seq!r}"
                assert all(str(n) == s for n, s in zip(modes, seq[3:-1].split(";"),
                                                       strict=True)), seq
            return m.end()
    raise AssertionError(f"sequence not allowed at {pos}: {text[pos:pos + 24]!r} in {text!r}")


def _check_sgr(params: str) -> None:
    numbers = [int(n) if n else 0 for n in params.split(";")] if params else [0]
    assert len(numbers) <= 16, params
    assert all(str(int(n)) == n for n in params.split(";") if n), f"not canonical: {params}"
    assert not {8, 10, 11, 12} & set(numbers), f"8/10/11/12 in SGR {params!r}"
    i = 0
    while i < len(numbers):
        n = numbers[i]
        if n in (38, 48):
            kind = numbers[i + 1]
            assert kind in (2, 5), params
            args = numbers[i + 2:i + 3 if kind == 5 else i + 5]
            assert len(args) == (1 if kind == 5 else 3) and all(a <= 255 for a in args), params
            assert kind == 2 or args[0] >= 16, params
            i += 2 + len(args)
            continue
        assert n in _SGR_PLAIN, f"SGR {n} in {params!r}"
        i += 1


def test_the_checker_refuses_what_it_should() -> None:
    for bad in [b"\x1b[8m", b"\x1b[08m", b"\x1b[1;8m", b"\x1b[38;5;8m", b"\x1b[58;5;1m",
                b"\x1b[?1036l", b"\x1b[?7l", b"\x1b[?1000h", b"\x1b[2h", b"\x1b[12;2]",
                b"\x1b[>4;2m", b"\x1b[>1u", b"\x1b[1u", b"\x1b[3J", b"\x1b]0;x\x07", b"\x1bP",
                b"\x1b(0", b"\x0e", b"\x1b[21t", b"\xc2\x9b", b"\x9b", b"\x1b[1\r;2H",
                b"\xe2\x80\xae", b"\x1b", b"\x1b[", b"\x1b[?01049h", b"\x1b[1:2m",
                "Û6n".encode(), "日".encode(), b"\x18", b"a\x18", "\u00e9".encode()]:
        with pytest.raises((AssertionError, UnicodeDecodeError)):
            check(bad)
    with pytest.raises(AssertionError):
        check(b"\x1b[6n", queries=False)
    check(b"\x1b[1;31mok\x1b[0m \x1b[38;5;208m\x1b[48;2;1;2;3m \xc2\xa3\x18\r\n\x1b[?1049h\x1b[H")
    check("Û\x186n 日\x18é\x18 \ufffd\x18".encode())


# -- the corpus ---------------------------------------------------------------------------
# (name, sequence, what may remain: controls executed inside a sequence, the visible text
# of a sequence a C1 control broke off, or an allowed part of a mixed sequence)

Case = tuple[str, bytes, bytes]


def _cases(prefix: str, sequences: list[bytes]) -> list[Case]:
    return [(f"{prefix}-{i}", seq, b"") for i, seq in enumerate(sequences)]


# Controls inside a sequence: terminals execute them and keep parsing the sequence.
C0_INSIDE: list[Case] = [
    (f"c0-{name}-{code:02x}", seq.replace(b"@", bytes([code])),
     b"\n" if code in (0x0b, 0x0c) else bytes([code]) if code in (7, 8, 9, 10, 13) else b"")
    for code in (0x00, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x7f)
    for name, seq in [("conceal", b"\x1b[@8m"), ("conceal-late", b"\x1b[8;@8m"),
                      ("meta-off", b"\x1b[?10@36l"), ("vt-switch", b"\x1b[12;@2]"),
                      ("kam", b"\x1b[@2h"), ("modify-keys", b"\x1b[>4;@2m")]
]
LEADING_ZEROS = _cases("zeros", [
    b"\x1b[08m", b"\x1b[008m", b"\x1b[0000000000000008m", b"\x1b[08;08m", b"\x1b[?01036l",
    b"\x1b[?001039l", b"\x1b[02h", b"\x1b[0020h", b"\x1b[012;2]", b"\x1b[012;02]",
    b"\x1b[>04;2m", b"\x1b[>4;02m", b"\x1b[021t", b"\x1b[?01034h", b"\x1b[?0002026h",
    b"\x1b[?01000h", b"\x1b[?007l", b"\x1b[>01u", b"\x1b[=01;1u", b"\x1b[?01036h",
    b"\x1b[?01034l",
    # numbers that wrap around to 8 or 1036 in a 32- or 64-bit parser
    b"\x1b[4294967304m", b"\x1b[18446744073709551624m", b"\x1b[?4294968332l",
    b"\x1b[4294967298h", b"\x1b[4294967308;2]",
])
CONCEALED: list[Case] = [*_cases("conceal", [
    b"\x1b[8m", b"\x1b[8;8m", b"\x1b[8:0m", b"\x1b[8:1m", b"\x1b[58;5;8m",
    b"\x1b[58:5:8m", b"\x1b[58;2;8;8;8m", b"\x1b[1;1;24;80;8$r", b"\x1b[1;1;24;80;8$t",
    b"\x1b[2;0]", b"\x1b[1;0]", b"\x1b[8]", b"\x1b[?2026h", b"\x1b[?8m", b"\x1b[10m",
    b"\x1b[11m", b"\x1b[12m", b"\x1b[3h", b"\x1b[88;1;1;24;80$x", b"\x1b[1;1;24;80$z",
    b"\x1b[?7l", b"\x1b[?3h", b"\x1b[?69h", b"\x1b#8", b"\x1b#3", b"\x1b#6", b"\x1b[3J",
    b"\x1b]P000000\x07", b"\x1b]4;7;#000000\x07", b"\x1b]10;#000000\x07", b"\x1b]R\x07",
]),
    ("conceal-kept-attrs", b"\x1b[1;8;31m", b"\x1b[1;31m"),
    ("conceal-after-reset", b"\x1b[0;8m", b"\x1b[0m"),
    ("conceal-empty-first", b"\x1b[;8m", b"\x1b[m"),
    ("conceal-cr-inside", b"\x1b[\r8m", b"\r"),
    ("conceal-colour-index-8", b"\x1b[38;5;8m", b"\x1b[90m"),
    ("conceal-colour-rgb-8", b"\x1b[48;2;8;10;12m", b"\x1b[48;2;9;9;13m"),
    ("conceal-colour-colon-8", b"\x1b[38:2::8:11:8m", b"\x1b[38;2;9;13;9m"),
    ("conceal-c1-csi-utf8", b"\xc2\x9b8m", b"8m"),
]
KEYBOARD = [*_cases("keys", [
    b"\x1b[?1034h", b"\x1b[?1034l", b"\x1b[?1035h", b"\x1b[?1036l", b"\x1b[?1036h",
    b"\x1b[?1037h", b"\x1b[?1039l", b"\x1b[?1039h", b"\x1b[?1050h", b"\x1b[?1051h",
    b"\x1b[?1052h", b"\x1b[?1053h", b"\x1b[?1060h", b"\x1b[?1061h", b"\x1b[?66h",
    b"\x1b[?67h", b"\x1b[?8l", b"\x1b[?2l", b"\x1b[2h", b"\x1b[2l", b"\x1b[20h",
    b"\x1b[12h", b"\x1b[12l", b"\x1b[>4;2m", b"\x1b[>4;1m", b"\x1b[>4m", b"\x1b[>1;2m",
    b"\x1b[>2;1m", b"\x1b[>0;1m", b"\x1b[>4n", b"\x1b[>4;2f", b"\x1b[>0s", b"\x1b[>1u",
    b"\x1b[>31u", b"\x1b[>u", b"\x1b[=1;1u", b"\x1b[=31;2u", b"\x1b[=0u", b"\x1b[<u",
    b"\x1b[<5u", b"\x1b[?1036;1039l", b"\x1b[?1000h", b"\x1b[?1002h", b"\x1b[?1003h",
    b"\x1b[?1004h", b"\x1b[?1005h", b"\x1b[?1006h", b"\x1b[?1015h", b"\x1b[?1016h",
    b"\x1b[?9h", b"\x1b[?1007h", b"\x1b[?1010h", b"\x1b[?1011h", b"\x1b[?1046h",
    b"\x1b[?1043h", b"\x1b[?1042h", b"\x1b[?1070h",
    b"\x1b F", b"\x1b G", b"\x1b<", b"\x1b[61;1\"p", b"\x1b[62;1\"p", b"\x1b[!p",
    b"\x1b[?1;1036s", b"\x1b[?1036r", b"\x1bP0;1|17/6C730D\x1b\\", b"\x1b[0q", b"\x1b[1q",
]),
    ("keys-mixed-kept", b"\x1b[?25;1036l", b"\x1b[?25l"),
    ("keys-mixed-kept-set", b"\x1b[?1;2004;1036;1000h", b"\x1b[?1;2004h"),
    ("keys-mouse-with-alt-screen", b"\x1b[?1049;1006;1000h", b"\x1b[?1049h"),
]
CONSOLE = [*_cases("console", [
    b"\x1b[12;2]", b"\x1b[12;63]", b"\x1b[12]", b"\x1b[15]", b"\x1b[9;1]", b"\x1b[14;1]",
    b"\x1b[10;20000]", b"\x1b[11;3000]", b"\x1b[13]", b"\x1b[16;0]", b"\x1b[?0c",
    b"\x1b[?1c", b"\x1b[?16;0;0c", b"\x1b%@", b"\x1b%G", b"\x1b%8", b"\x1b(K", b"\x1b(U",
    b"\x1b)K", b"\x1b)U", b"\x1bc", b"\x1bZ", b"\x1b[x", b"\x1b[ 12;2]", b"\x1b[12;2 ]",
    b"\x1b[1;12;2]",
]),
    ("console-c1-csi-utf8", b"\xc2\x9b12;2]", b"12;2]"),
    ("console-raw-9b-utf8", b"\x9b12;2]", "\ufffd\x1812;2]".encode()),
    ("console-cr-inside", b"\x1b[12;\r2]", b"\r"),
    ("console-lf-inside", b"\x1b[1\n2;2]", b"\n"),
    ("keys-cr-inside", b"\x1b[?1\r036h", b"\r"),
    ("console-overlong-esc", b"\xc0\x9b12;2]", "\ufffd\x18\ufffd\x1812;2]".encode()),
    ("console-overlong-c1", b"\xe0\x82\x9b12;2]",
     "\ufffd\x18\ufffd\x18\ufffd\x1812;2]".encode()),
]
STRINGS = _cases("string", [
    b"\x1b]52;c;aGVsbG8gd29ybGQ=\x07", b"\x1b]52;c;cm0gLXJmIH4K\x1b\\", b"\x1b]52;c;?\x07",
    b"\x1b]50;?\x07", b"\x1b]50;#+1\x1b\\", b"\x1b]4;1;?\x07", b"\x1b]11;?\x1b\\",
    b"\x1b]0;you have been hacked\x07", b"\x1b]2;sudo rm -rf /\x1b\\", b"\x1b]7;file:///\x07",
    b"\x1b]777;notify;Bank;call us\x07", b"\x1b]1337;File=inline=1:AAAA\x07", b"\x1b]\x07",
    b"\x1bP$qm\x1b\\", b"\x1bP+q544e\x1b\\", b"\x1bPq#0;2;0;0;0#1!6~-\x1b\\",
    b"\x1b_Gf=100,a=T;AAAA\x1b\\", b"\x1b^privacy\x1b\\", b"\x1bXstart\x1b\\",
    b"\x1bktitle\x1b\\", b"\x1b]0;x\x18", b"\x1b]0;x\x1a", b"\x1b]0;x\xc2\x9c",
    b"\x1bP$qm\xc2\x9c", b"\x1b]0;a\r\nb\x07",
])
WINDOW_PRINTER_QUERIES = _cases("window", [
    b"\x1b[21t", b"\x1b[20t", b"\x1b[14t", b"\x1b[18t", b"\x1b[8;1;1t", b"\x1b[3;0;0t",
    b"\x1b[2t", b"\x1b[9;1t", b"\x1b[22;0t", b"\x1b[t", b"\x1b[>0;1t", b"\x1b[5i",
    b"\x1b[4i", b"\x1b[i", b"\x1b[?5i", b"\x1b[=c", b"\x1b[>q", b"\x1b[?2004$p",
    b"\x1b[?u", b"\x1b[?1;1S", b"\x1b[?6n", b"\x1b[15n", b"\x1b[1;1;1;1;1T",
    b"\x1b[48t", b"\x1b[24*|", b"\x1b[132$|", b"\x1b[1'}", b"\x1b[1'~", b"\x1b[*x",
    b"\x1b[1;1;2;2;3;3$v", b"\x1b[1;1;24;80${", b"\x1b[1\"q", b"\x1b[?2J", b"\x1b[?2K",
])
BIDI_AND_C1: list[Case] = [
    (f"bidi-{cp:04x}", chr(cp).encode(), b"")
    for cp in (0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
               0x2066, 0x2067, 0x2068, 0x2069)
] + [(f"c1-utf8-{code:02x}", chr(code).encode(), b"") for code in range(0x80, 0xA0)]

HOSTILE = C0_INSIDE + LEADING_ZEROS + CONCEALED + KEYBOARD + CONSOLE + STRINGS \
    + WINDOW_PRINTER_QUERIES + BIDI_AND_C1
HOSTILE_8BIT: list[Case] = [
    (f"c1-8bit-{code:02x}", bytes([code]), b"") for code in range(0x80, 0xA0)
] + [
    ("8bit-csi-conceal", b"\x9b8m", b"8m"), ("8bit-csi-vt-switch", b"\x9b12;2]", b"12;2]"),
    ("8bit-osc-st", b"\x1b]52;c;aGk=\x9c", b""), ("8bit-dcs-st", b"\x1bP$qm\x9c", b""),
    ("8bit-conceal", b"\x1b[08m", b""), ("8bit-meta", b"\x1b[?1036l", b""),
    ("8bit-line-drawing", b"\x1b(0\x0e", b""),
]


def test_the_corpus_is_big_enough_and_names_are_unique() -> None:
    names = [name for name, _, _ in HOSTILE + HOSTILE_8BIT]
    assert len(names) >= 200
    assert len(set(names)) == len(names)
    for group in (C0_INSIDE, LEADING_ZEROS, CONCEALED, KEYBOARD, CONSOLE, STRINGS):
        assert len(group) >= 10


@pytest.mark.parametrize(("sequence", "rest"), [c[1:] for c in HOSTILE],
                         ids=[c[0] for c in HOSTILE])
def test_hostile_sequence_never_reaches_the_terminal(sequence: bytes, rest: bytes) -> None:
    assert sanitize(sequence) == rest
    out = sanitize(BEFORE + sequence + AFTER)
    assert out == BEFORE + rest + AFTER
    check(out)
    helper = sanitize(BEFORE + sequence + AFTER, queries=False)
    assert helper == out
    check(helper, queries=False)


@pytest.mark.parametrize(("sequence", "rest"), [c[1:] for c in HOSTILE_8BIT],
                         ids=[c[0] for c in HOSTILE_8BIT])
def test_hostile_sequence_never_reaches_an_8_bit_terminal(sequence: bytes, rest: bytes) -> None:
    out = sanitize(BEFORE + sequence + AFTER, utf8=False)
    assert out == BEFORE + rest + AFTER
    check(out, utf8=False)


def test_the_whole_corpus_back_to_back() -> None:
    data = b"".join(BEFORE + seq + AFTER for _, seq, _ in HOSTILE)
    out = Sanitizer().feed(data)
    assert out == b"".join(BEFORE + rest + AFTER for _, _, rest in HOSTILE)
    check(out)


@pytest.mark.parametrize("query", [b"\x1b[6n", b"\x1b[5n", b"\x1b[c", b"\x1b[0c", b"\x1b[>c",
                                   b"\x1b[>0c", b"\x1b[06n"])
def test_only_the_friends_terminal_is_asked_questions(query: bytes) -> None:
    friend = sanitize(BEFORE + query + AFTER)
    check(friend)
    assert friend == BEFORE + query.replace(b"06", b"6") + AFTER
    assert sanitize(BEFORE + query + AFTER, queries=False) == BEFORE + AFTER


def test_line_drawing_is_drawn_by_the_filter() -> None:
    # The terminal is never switched to line drawing: it cannot be left there.
    out = sanitize(b"\x1b(0lqk\x1b(B ok \x0e\x1b)0x\x0fx")
    assert out == "┌\x18─\x18┐\x18 ok │\x18x".encode()  # CAN: see check()
    check(out)
    assert sanitize(b"\x1b(0lqk\x1b(Bx", utf8=False) == b"+-+x"


def test_an_unended_string_does_not_hide_the_rest_of_the_session() -> None:
    s = Sanitizer()
    assert s.feed(b"\x1b]0;") == b""
    assert s.swallowing
    hidden = s.feed(b"x" * 8000)
    assert hidden == b""
    shown = s.feed(b"y" * 400 + b" rm -rf ~\r\n")
    assert shown.endswith(b" rm -rf ~\r\n")
    assert not s.swallowing


# -- the property: whatever the shell prints -----------------------------------------------

_PIECES = [seq for _, seq, _ in HOSTILE] + [
    b"\x1b", b"\x1b[", b"\x1b[?", b"\x1b[>", b"\x1b]", b"\x1bP", b"\x1b(", b"\x1b(0",
    b"\x9b", b"\xc2", b"\xc2\x9b", b"\xc2\x9c", b"\x07", b"\x18", b"\x0e", b"\x0f", b"8",
    b"08", b";", b":", b"m", b"h", b"l", b"u", b"]", b"t", b"$", b" ", b"\r", b"\n",
    b"\x1b\\", b"1036", b"1049", b"2004", b"38;5;", b"48;2;", b"\x1b[1;31m", b"\x1b[0m",
    b"text ", "é日".encode(), b"\xe2\x80\xae", b"\x1b[?1049h", b"\x1b[?25l", b"\x1b[H",
    b"\x1b7", b"\x1b8", b"\x1b[s", b"\x1b[u",
]
_stream = st.lists(st.one_of(st.sampled_from(_PIECES), st.binary(max_size=8)), max_size=40)


def _screen_after(output: bytes) -> vterm.Screen:
    screen = vterm.Screen(40, 10)
    screen.feed(output + b"X")  # X: drawn in whatever attributes are left on
    return screen


@settings(max_examples=400, deadline=None)
@given(pieces=_stream, cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=6),
       utf8=st.booleans(), queries=st.booleans())
def test_no_output_changes_keys_conceals_or_leaves_the_screen(
        pieces: list[bytes], cuts: list[int], utf8: bool, queries: bool) -> None:
    data = b"".join(pieces)
    whole = Sanitizer(utf8, queries=queries).feed(data)
    s = Sanitizer(utf8, queries=queries)
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    assert b"".join(s.feed(data[a:b]) for a, b in itertools.pairwise(bounds)) == whole
    check(whole, utf8, queries)
    screen = _screen_after(whole)
    assert not any(attr & vterm.HIDDEN for y in range(screen.rows) for _, attr in screen.row(y))
    assert screen.mouse_modes == set()
    assert screen.autowrap
    assert not screen.newline_mode
    assert Sanitizer(utf8, queries=queries).feed(whole) == whole  # canonical: a fixed point


# -- end to end: a hostile helper prints the corpus in the shared shell --------------------

_E2E_SAMPLE = [group[i][1] for group in (C0_INSIDE, LEADING_ZEROS, CONCEALED, KEYBOARD,
                                         CONSOLE, STRINGS, WINDOW_PRINTER_QUERIES)
               for i in range(0, len(group), 7)]


@pytest.mark.root
def test_a_hostile_helper_cannot_reach_either_real_terminal(world: support.World) -> None:
    helper, friend = support.walk_to_session(world, world.account(), world.account())
    support.run_in_shared_shell(helper, friend)
    sample = b"".join(seq + b"shown-%d " % i for i, seq in enumerate(_E2E_SAMPLE))
    octal = "".join(f"\\{byte:03o}" for byte in sample)
    helper.send(f"echo begin-$((1+1)); printf '{octal}'; echo; echo done-$((2+2))\r")
    for side, queries in ((helper, False), (friend, True)):
        side.expect("done-4")
        shown = side.output.rsplit("begin-2", 1)[1].split("done-4")[0]
        check(shown.encode(), queries=queries)
        for i in range(len(_E2E_SAMPLE)):
            assert f"shown-{i} " in shown, (i, _E2E_SAMPLE[i], shown)
    support.friend_ends_session(helper, friend)


# -- a real terminal: tmux, given the corpus with and without the filter --------------------

tmux = tui.tmux
_TAIL = b"\x1b[?1000h\x1b[?1006h\x1b[?7l\x1b[8msecret\r\n"  # mouse on, autowrap off, concealed


def _in_tmux(tmux: Tmux, path: Path, data: bytes) -> tuple[dict[str, str], str]:
    """What tmux is left with after ``data``: its mode flags, and the screen with SGRs."""
    path.write_bytes(data)
    pane = tmux.pane(["/bin/sh", "-c", f"cat {path}; printf END-$((1+1)); exec sleep 1000"],
                     {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    pane.wait_for("END-2")
    names = ("mouse_any_flag", "mouse_sgr_flag", "wrap_flag", "origin_flag")
    values = tmux.run("display-message", "-p", "-t", pane.target,
                      " ".join(f"#{{{n}}}" for n in names)).split()
    screen = tmux.run("capture-pane", "-p", "-e", "-t", pane.target)
    return dict(zip(names, values, strict=True)), screen


def _concealed(screen: str) -> bool:
    """Whether tmux draws anything concealed (SGR 8, not a colour's argument)."""
    for params in re.findall(r"\x1b\[([0-9;:]*)m", screen):
        numbers = [int(n or 0) for n in re.split("[;:]", params)]
        i = 0
        while i < len(numbers):
            if numbers[i] in (38, 48, 58):
                i += 3 if numbers[i + 1:i + 2] == [5] else 5
                continue
            if numbers[i] == 8:
                return True
            i += 1
    return False


def test_tmux_given_the_filtered_corpus_keeps_its_modes(tmux: Tmux, tmp_path: Path) -> None:
    raw_flags, raw_screen = _in_tmux(tmux, tmp_path / "raw", _TAIL)
    # the checks can see what the hostile sequences do to a real terminal...
    assert raw_flags["mouse_any_flag"] == "1" and raw_flags["wrap_flag"] == "0"
    assert _concealed(raw_screen)
    # ...and after the filter none of it happened
    corpus = b"".join(BEFORE + seq + AFTER for _, seq, _ in HOSTILE) + _TAIL
    flags, screen = _in_tmux(tmux, tmp_path / "filtered", Sanitizer().feed(corpus))
    assert flags == {"mouse_any_flag": "0", "mouse_sgr_flag": "0", "wrap_flag": "1",
                     "origin_flag": "0"}
    assert not _concealed(screen)
    assert "secret" in screen


# -- a real xterm: what Ctrl+Alt+C sends after the corpus, with and without the filter ------


def _ctrl_alt_c_after(display: str, folder: Path, name: str, shown: bytes,
                      lang: str = "C.UTF-8") -> bytes:
    """The bytes a real xterm sends for Ctrl+Alt+C once it has shown ``shown``; ``lang``:
    the xterm's own locale (in C it reads bytes, not UTF-8)."""
    shown_file, ready, got = (folder / f"{name}.{ext}" for ext in ("bin", "ready", "got"))
    shown_file.write_bytes(shown)
    script = (f"cat {shown_file}; stty raw -echo; : > {ready}; "
              f"dd bs=64 count=1 of={got} 2>/dev/null")
    env = {"PATH": "/usr/bin:/bin", "DISPLAY": display, "LANG": lang, "HOME": str(folder)}
    process = subprocess.Popen(["xterm", "-geometry", "80x24", "-e", "sh", "-c", script],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert time.monotonic() < deadline and process.poll() is None, "xterm did not start"
            time.sleep(0.05)
        xdotool = ["xdotool", "search", "--sync", "--onlyvisible", "--pid", str(process.pid)]
        window = subprocess.run(xdotool, env=env, capture_output=True, text=True, timeout=20,
                                check=True).stdout.split()[0]
        for command in (["windowfocus", "--sync", window], ["key", "ctrl+alt+c"]):
            subprocess.run(["xdotool", *command], env=env, timeout=20, check=True)
        process.wait(20)
        return got.read_bytes()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("xterm", "Xvfb", "xdotool")),
                    reason="needs xterm, Xvfb and xdotool (CI installs them)")
def test_ctrl_alt_c_sends_the_same_in_xterm_after_the_filtered_corpus(
        world: support.World, tmp_path: Path) -> None:
    corpus = b"".join(BEFORE + seq + AFTER for _, seq, _ in HOSTILE)
    with x_display() as display:
        before = _ctrl_alt_c_after(display, tmp_path, "before", b"ready\r\n")
        # xterm's defaults in UTF-8: the C1 character U+0083 (ESC Ctrl+C with metaSendsEscape)
        assert before in (b"\xc2\x83", b"\x1b\x03")
        # the check can see a hostile sequence change the key: modifyOtherKeys...
        assert _ctrl_alt_c_after(display, tmp_path, "raw", b"\x1b[>4;2m") != before
        # ...and after the filter the key is what it was
        assert _ctrl_alt_c_after(display, tmp_path, "filtered", Sanitizer().feed(corpus)) == before


# A program whose locale says UTF-8, in an xterm that reads bytes (started in another
# locale, as over a serial line or ssh from such a terminal): "Û" is C3 9B, and 9B is CSI.
_BEHIND_A_C1_BYTE = [
    "Û>4;2m".encode(),  # C3 9B, then > 4;2 m: modifyOtherKeys, Ctrl+Alt+C changes
    "\u65db>4;2m".encode(),  # E6 97 9B: the last of three bytes
    "\U0001f61b>4;2m".encode(),  # F0 9F 98 9B: SOS, then CSI
    "Ý52;c;aGk=\x07Û>4;2m".encode(),  # C3 9D: OSC first, then CSI
]


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("xterm", "Xvfb", "xdotool")),
                    reason="needs xterm, Xvfb and xdotool (CI installs them)")
def test_a_terminal_that_reads_bytes_under_a_utf8_locale_acts_on_no_c1_byte(
        world: support.World, tmp_path: Path) -> None:
    with x_display() as display:
        before = _ctrl_alt_c_after(display, tmp_path, "before", b"ready\r\n", lang="C")
        assert before in (b"\x83", b"\x1b\x03")  # xterm's defaults in an 8-bit locale
        # the check can see a C1 byte inside a UTF-8 character start a sequence there...
        raw = _BEHIND_A_C1_BYTE[0]
        assert _ctrl_alt_c_after(display, tmp_path, "raw", raw, lang="C") != before
        # ...and after the filter (as in a UTF-8 locale) no such sequence is completed
        for i, shown in enumerate(_BEHIND_A_C1_BYTE):
            filtered = Sanitizer(utf8=True, queries=False).feed(shown)
            assert filtered.replace(b"\x18", b"") == shown  # nothing else changes
            assert _ctrl_alt_c_after(display, tmp_path, f"filtered-{i}", filtered,
                                     lang="C") == before, shown


# -- the reset at the end, in a real terminal ---------------------------------------------

_FLAGS = ("alternate_on", "cursor_flag", "insert_flag", "keypad_cursor_flag", "keypad_flag",
          "mouse_any_flag", "mouse_sgr_flag", "origin_flag", "wrap_flag",
          "scroll_region_upper", "scroll_region_lower")


def _tmux_flags(tmux: Tmux, path: Path, data: bytes) -> dict[str, str]:
    path.write_bytes(data)
    pane = tmux.pane(["/bin/sh", "-c", f"cat {path}; printf END-$((1+1)); exec sleep 1000"],
                     {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    pane.wait_for("END-2")
    values = tmux.run("display-message", "-p", "-t", pane.target,
                      " ".join(f"#{{{n}}}" for n in _FLAGS)).split()
    return dict(zip(_FLAGS, values, strict=True))


def test_the_reset_at_the_end_leaves_tmux_as_it_was(tmux: Tmux, tmp_path: Path) -> None:
    """Every mode the filter lets a program set (derived from the filter), set through
    the filter, then remote-help's reset: tmux's flags are as a fresh pane's."""
    fresh = _tmux_flags(tmux, tmp_path / "fresh", b"")
    modes = [n for n in range(10000) if Sanitizer().feed(b"\x1b[?%dh" % n)]
    assert {1, 6, 47, 1049} <= set(modes)
    changes = b"".join(b"\x1b[?%dh" % n for n in modes if n != 1048) + (
        b"\x1b[?25l\x1b[4h\x1b=\x1b[2;5r\x1b[1;31m\x1b[5 q\x1b[?1000h\x1b[?1006h")
    filtered = Sanitizer()
    shown = filtered.feed(changes)
    changed = _tmux_flags(tmux, tmp_path / "changed", shown)
    # the check sees the filtered modes change tmux (mouse reports never pass)...
    assert {k for k in _FLAGS if changed[k] != fresh[k]} == set(_FLAGS) - {
        "mouse_any_flag", "mouse_sgr_flag", "wrap_flag"}, (fresh, changed)
    # ...and the reset undoes every one
    reset = shown + modes_left(filtered) + RESET_MODES
    assert _tmux_flags(tmux, tmp_path / "reset", reset) == fresh


@pytest.mark.parametrize(("name", "session"), [
    ("plain", b"one\r\ntwo\r\n$ "),
    ("modes", b"one\r\ntwo\r\n\x1b[?1h\x1b[4h\x1b[?2004h\x1b[2;3r\x1b[3;1H$ "),
    ("saved", b"\x1b7one\r\ntwo\r\n$ "),
    ("alternate", b"one\r\ntwo\r\n$ \x1b[?1049h\x1b[Hfull screen\x1b7"),
    ("alternate-47", b"one\r\ntwo\r\n$ \x1b[?47h\x1b[Hfull screen"),
    ("origin", b"one\r\ntwo\x1b[?6h\x1b[3;1H$ "),
])
def test_the_closing_words_follow_what_is_on_the_screen(tmux: Tmux, tmp_path: Path, name: str,
                                                        session: bytes) -> None:
    """The reset leaves the cursor where the session left it (origin mode excepted: then
    on the last row; an alternate screen left on: where it was before), so the closing
    words never write over the screen."""
    filtered = Sanitizer()
    shown = filtered.feed(session) + modes_left(filtered) + RESET_MODES
    path = tmp_path / name
    path.write_bytes(shown + b"\r\nclosing words\r\n")
    pane = tmux.pane(["/bin/sh", "-c", f"cat {path}; exec sleep 1000"],
                     {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    pane.wait_for("closing words")
    everything = tmux.run("capture-pane", "-p", "-S", "-", "-t", pane.target)
    lines = [line.rstrip() for line in everything.splitlines() if line.strip()]
    assert lines == ["one", "two", "$", "closing words"], pane.screen()


def _xterm_screen(display: str, folder: Path, name: str, shown: bytes) -> list[str]:
    """The lines a real xterm shows after ``shown`` (printed by xterm itself: CSI i)."""
    shown_file, printed = folder / f"{name}.bin", folder / f"{name}.txt"
    shown_file.write_bytes(shown + b"\x1b[i")
    env = {"PATH": "/usr/bin:/bin", "DISPLAY": display, "LANG": "C.UTF-8", "HOME": str(folder)}
    process = subprocess.Popen(
        ["xterm", "-geometry", "40x8", "-xrm", f"XTerm*printerCommand: cat > {printed}",
         "-xrm", "XTerm*printAttributes: 0", "-e", "sh", "-c", f"cat {shown_file}; sleep 1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    deadline = time.monotonic() + 10
    while not (printed.exists() and printed.read_text().count("\n") >= 8):
        assert time.monotonic() < deadline, f"xterm printed no screen for {name}"
        time.sleep(0.05)
    return [line.rstrip() for line in printed.read_text().splitlines() if line.strip()]


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("xterm", "Xvfb")),
                    reason="needs xterm and Xvfb (CI installs them)")
def test_the_closing_words_follow_the_screen_in_xterm(tmp_path: Path) -> None:
    """xterm leaving an alternate screen it is not on still restores a saved cursor (home
    if none was saved): the reset must not, or the closing words cover the session's."""
    closing = b"\r\nclosing words\r\n"
    with x_display() as display:
        # the check sees the closing words written over the screen...
        raw = _xterm_screen(display, tmp_path, "raw", b"\x1b7one\r\ntwo\r\n$ \x1b[?1049l"
                            + RESET_MODES + closing)
        assert raw != ["one", "two", "$", "closing words"], raw
        # ...and with what the session leaves, in every case they follow it
        for name, session in [("plain", b"one\r\ntwo\r\n$ "), ("saved", b"\x1b7one\r\ntwo\r\n$ "),
                              ("alternate", b"one\r\ntwo\r\n$ \x1b[?1049h\x1b[Hfull\x1b7"),
                              ("alternate-1047", b"one\r\ntwo\r\n$ \x1b[?1047h\x1b[Hfull"),
                              ("origin", b"one\r\ntwo\x1b[?6h\x1b[3;1H$ ")]:
            filtered = Sanitizer()
            shown = filtered.feed(session) + modes_left(filtered) + RESET_MODES + closing
            lines = _xterm_screen(display, tmp_path, name, shown)
            # (on the last row, what was above may have scrolled out of the 8 rows)
            expected = ["one", "two", "$", "closing words"]
            assert len(lines) >= 2 and lines == expected[-len(lines):], (name, lines)
