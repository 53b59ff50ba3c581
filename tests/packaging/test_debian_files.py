"""The Debian files agree with the program: the man page's options are `remote-help --help`'s,
word for word, and the versions match."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.packaging.fakes import DEBIAN

ROOT = DEBIAN.parent
MAN = DEBIAN / "remote-help.1"
# Macros whose arguments alternate between two fonts, written without spaces between them.
ALTERNATING = {"BI", "BR", "IB", "IR", "RB", "RI"}


def plain_text(roff: str) -> str:
    """The words of a man page, macros and font changes removed, whitespace collapsed."""
    words: list[str] = []
    for line in roff.splitlines():
        if line.startswith('.\\"'):
            continue
        if line.startswith("."):
            macro, _, rest = line[1:].partition(" ")
            lexer = shlex.shlex(rest, posix=True)  # roff quotes with " only, escapes with \
            lexer.whitespace_split, lexer.quotes, lexer.escape = True, '"', ""
            args = list(lexer)
            words.append("".join(args) if macro in ALTERNATING else " ".join(args))
        else:
            words.append(line)
    text = " ".join(words)
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace("\\(aq", "'")
    return " ".join(text.split())


def section(roff: str, name: str) -> str:
    match = re.search(rf"^\.SH {name}\n(.*?)(?=^\.SH )", roff, re.M | re.S)
    assert match, f"the man page has no {name} section"
    return match.group(1)


def help_entries() -> list[tuple[str, str]]:
    """(invocation, help text) for every argument of `remote-help --help`."""
    env = {**os.environ, "COLUMNS": "1000", "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-m", "remote_help", "--help"], env=env,
                            capture_output=True, text=True, check=True)
    entries = []
    for line in result.stdout.splitlines():
        match = re.fullmatch(r"  (\S.*?)\s{2,}(\S.*)", line)
        if match and not line.startswith("  remote-help"):  # not the examples
            entries.append((match.group(1), " ".join(match.group(2).split())))
    return entries


def test_every_option_of_the_help_is_in_the_man_page_with_the_same_words() -> None:
    options = plain_text(section(MAN.read_text(), "OPTIONS"))
    entries = help_entries()
    assert len(entries) >= 10, entries
    for invocation, text in entries:
        assert invocation.replace("{helper,friend}", "helper|friend") in options, invocation
        assert text in options, f"{invocation}: {text!r} is not in the man page's OPTIONS"


def test_the_man_page_has_every_section_the_package_promises() -> None:
    roff = MAN.read_text()
    headings = [h.strip('"') for h in re.findall(r"^\.SH (.*)$", roff, re.M)]
    for name in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "THE TWO ROLES",
                 "EXIT STATUS", "FILES", "SECURITY", "EXAMPLES"):
        assert name in headings, name
    files = plain_text(section(roff, "FILES"))
    for path in ("~/.config/remote-help/settings.json", "~/.local/state/remote-help/",
                 "$XDG_RUNTIME_DIR/remote-help/", "/run/remote-help/"):
        assert path in files, path


def test_the_versions_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (DEBIAN / "changelog").read_text().splitlines()[0]
    assert changelog.startswith(f"remote-help ({project}) "), changelog
    assert f'"remote-help {project}"' in MAN.read_text().splitlines()[0]


# -- what the package pulls in, and what it names ----------------------------------------

def control_fields(paragraph: int) -> dict[str, str]:
    """The fields of one paragraph of debian/control (0: the source, 1: the package),
    continuation lines joined with spaces."""
    text = (DEBIAN / "control").read_text().split("\n\n")[paragraph]
    fields: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line[:1] in (" ", "\t"):
            fields[name] += " " + line.strip()
        else:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return fields


def relations(field: str) -> list[str]:
    """The package names of a relation field ("a (>= 1), b | c" -> a, b, c)."""
    names = re.split(r"[,|]", control_fields(1).get(field, ""))
    return [n.split("(")[0].strip() for n in names if n.strip()]


def test_openssh_server_is_suggested_not_recommended() -> None:
    """A default install (apt installs Recommends) must not start an SSH service on port
    22 on the friend's computer: 'no daemon, no open port'. One of the two computers needs
    the program, and the description says so."""
    assert "openssh-server" not in relations("Depends")
    assert "openssh-server" not in relations("Recommends")
    assert "openssh-server" in relations("Suggests")
    description = " ".join(control_fields(1)["Description"].split())
    assert "One of the two computers" in description
    assert "needs the SSH server program (openssh-server)" in description


def test_no_screen_sharing_program_is_named_before_screen_sharing_exists() -> None:
    for field in ("Depends", "Recommends", "Suggests"):
        assert not [n for n in relations(field) if "vnc" in n], field
    assert "vnc" not in MAN.read_text().lower()


def test_the_man_page_says_one_computer_needs_the_ssh_server() -> None:
    text = plain_text(MAN.read_text())
    assert "The helper's computer needs the SSH server program (openssh-server), or failing " \
        "that the friend's does." in text


# -- how the text looks at 80 columns and less -------------------------------------------

def rendered_man_page(width: int) -> list[str]:
    """The man page as `man` shows it in a terminal ``width`` columns wide, plain text."""
    env = {"PATH": "/usr/bin:/bin", "MANWIDTH": str(width), "LANG": "C.UTF-8",
           "MAN_KEEP_FORMATTING": ""}
    result = subprocess.run(["man", "-l", str(MAN)], env=env, capture_output=True, text=True,
                            check=True, timeout=30)
    plain = subprocess.run(["col", "-bx"], input=result.stdout, capture_output=True,
                           text=True, check=True, timeout=30).stdout
    return plain.splitlines()


@pytest.mark.skipif(shutil.which("man") is None, reason="man-db is not installed")
@pytest.mark.parametrize("width", [80, 60])
def test_no_line_of_the_man_page_is_stretched_or_too_wide(width: int) -> None:
    """A path cannot be broken; justified text would spread the words of the line before
    it far apart ("The    Share    my    Desktop    menu    entry.      It     runs")."""
    lines = rendered_man_page(width)
    assert any("/usr/libexec/remote-help/open-in-terminal" in line for line in lines)
    for line in lines[1:-1]:  # not the header and footer, spread on purpose
        assert len(line) <= width, line
        words = line.strip()
        # A tagged paragraph's tag is followed by spaces up to the text ("0      The").
        body = words.split(" ", 1)[1].lstrip() if " " in words else words
        assert "   " not in body, f"a stretched line: {line!r}"


@pytest.mark.parametrize("columns", [80, 60, 40])
def test_the_help_fits_the_terminal(columns: int) -> None:
    """The description was one line of 230 characters; the examples stay as written."""
    env = {**os.environ, "COLUMNS": str(columns), "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run([sys.executable, "-m", "remote_help", "--help"], env=env,
                            capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    description = [line for line in lines if line.startswith(("Let a", "The friend"))]
    assert description, result.stdout
    start = lines.index(description[0])
    paragraph = lines[start:lines.index("", start)]
    assert all(len(line) <= columns - 2 for line in paragraph), paragraph
    assert " ".join(paragraph).startswith(
        "Let a trusted helper into your Linux computer, safely, over the phone. The friend")
    assert " ".join(paragraph).endswith("that the friend sees and can end.")
    assert "  remote-help friend 192.0.2.7   connect to the helper at 192.0.2.7" in lines
