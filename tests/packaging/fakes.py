"""Fake programs for the packaging tests: tiny sh scripts that record how they were called."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

DEBIAN = Path(__file__).resolve().parents[2] / "debian"

# Each call appends one record to the log: the program's name, then its arguments, then a
# field holding only END, each field ended by a NUL byte (arguments may hold newlines).
# Only shell built-ins: PATH may hold nothing but the fakes.
END = "--end-of-call--"
RECORD = """printf '%s\\0' "${0##*/}" "$@" '""" + END + """' >>"$FAKE_LOG"
"""


def write_program(directory: Path, name: str, body: str = "") -> Path:
    """A fake ``name`` in ``directory`` that records its call, then runs ``body``."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\n" + RECORD + body + "\n")
    path.chmod(0o755)
    return path


def calls(log: Path) -> list[list[str]]:
    """The recorded calls, in order: [program, arg, arg, ...] each."""
    if not log.exists():
        return []
    fields = log.read_bytes().decode().split("\0")
    assert fields.pop() == "", "a call was cut short"
    result: list[list[str]] = []
    current: list[str] = []
    for field in fields:
        if field == END:
            result.append(current)
            current = []
        else:
            current.append(field)
    assert not current, f"a call was cut short: {current}"
    return result


def count_calls(log: Path) -> int:
    """How many calls were recorded so far (safe while a call is still being written)."""
    return log.read_bytes().count(END.encode() + b"\0") if log.exists() else 0


def environment(path: str, log: Path, **extra: str) -> dict[str, str]:
    """A minimal environment: PATH as given, the log, and what the test adds."""
    env = {"PATH": path, "FAKE_LOG": str(log), "HOME": os.environ.get("HOME", "/")}
    env.update(extra)
    return env


def enter_once_waiting(argv: list[str], env: dict[str, str], log: Path,
                       waiting: str, calls: int = 2) -> tuple[int, str, str]:
    """Run a script that must wait for Enter at the end: once its fakes were called
    ``calls`` times, check it still waits (``waiting`` says why it must), press Enter; its
    status, stdout and stderr."""
    process = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while count_calls(log) < calls and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        assert process.poll() is None, waiting
        stdout, stderr = process.communicate("\n", timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stdout, stderr
