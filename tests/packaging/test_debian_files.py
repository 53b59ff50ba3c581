"""The Debian files agree with the program: the man page's options are `remote-help --help`'s,
word for word, and the versions match."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib

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
