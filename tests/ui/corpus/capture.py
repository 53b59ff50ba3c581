"""Regenerate the corpus: real programs' output on an 80x24 pty with TERM=xterm-256color."""

# Run from the project root: .venv/bin/python tests/ui/corpus/capture.py [name...]
# Each sample writes NAME.bin (every byte the program wrote, as a terminal would receive it)
# and NAME.marks (the byte offsets at which each key was sent, one per line; the screen just
# before each mark is a settled state worth comparing, and so is the end). Programs that are
# not installed are skipped with a message (whiptail is not; dialog came from apt). The
# output depends on this machine (file listings, process tables, dates); the tests compare
# us with tmux on the same bytes, so regenerating is always safe. LANG=C.UTF-8, HOME is a
# temporary directory, and programs run in it.

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import struct
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

COLS, ROWS = 80, 24
HERE = Path(__file__).resolve().parent
PS1 = r"\[\e[1;32m\]\u@demo\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]\$ "
LEFT, UP, ESC = b"\x1b[D", b"\x1b[A", b"\x1b"


@dataclass
class Sample:
    name: str
    argv: list[str]
    keys: list[bytes] = field(default_factory=list)  # each sent after the screen settles
    settle: float = 0.6  # seconds of quiet that count as settled
    env: dict[str, str] = field(default_factory=dict)


def _python_file() -> str:
    return str(HERE / "capture.py")


SAMPLES = [
    Sample("ls", ["bash", "-c", "ls --color=always -la /usr/bin | head -40"]),
    Sample("bash", ["bash", "--norc", "--noprofile", "-i"], [
        b"echo hello world", LEFT * 5, b"big ", b"\x01", b"# ", b"\x05", b"\x7f\x7f\r",
        b"echo " + b"0123456789" * 9 + b" done", LEFT * 12, b"XYZ", b"\r",
        b"ls --color=always /", b"\r", b"printf '\\e[1;31mred\\e[0m \\e[4munder\\e[0m\\n'\r",
        UP + UP, b"\x12hello", b"\x07", b"\x15clear\r", b"exit 0", b"\r",
    ], env={"PS1": PS1, "HISTFILE": "/dev/null"}),
    Sample("top", ["top", "-d", "0.5"], [b"1", b"c", b"q"], settle=1.2),
    Sample("vim", ["vim", "-u", "NONE", "-N", "-c", "syntax on", "-c", "set number ruler",
                   "sample.py"], [
        b"Gohello from the corpus" + ESC, b"ggjjdd", b"/def\r", b"30Gzz", b":q!\r"]),
    Sample("less", ["less", "/usr/share/common-licenses/GPL-3"], [
        b" ", b" ", b"/software\r", b"n", b"G", b"q"]),
    Sample("man", ["man", "ls"], [b" ", b"/color\r", b"n", b"q"],
           env={"MANPAGER": "less", "PAGER": "less"}),
    Sample("dialog_yesno", ["dialog", "--title", "Hello", "--yesno",
                            "Do you want to continue with the installation?", "10", "50"],
           [b"\t", b"\t"]),
    Sample("dialog_menu", ["dialog", "--colors", "--menu", "Pick a \\Z1colour\\Zn:", "15",
                           "50", "6", "1", "Red", "2", "Green", "3", "Blue",
                           "4", "Cyan \u4e2d\u6587", "5", "Magenta", "6", "Yellow"],
           [b"\x1bOB", b"\x1bOB", b"\x1bOB"]),
    Sample("dialog_gauge", ["bash", "-c", "for i in 0 20 40 60 80 95; do echo $i; "
                            "sleep 0.1; done | dialog --gauge 'Unpacking...' 8 60 0"]),
]


def _spawn(argv: list[str], env: dict[str, str], cwd: str) -> tuple[int, int]:
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    pid = os.fork()
    if pid == 0:  # the child: a new session with the pty as its terminal
        try:
            os.close(master)
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)  # noqa: S606 (the sample programs, no shell)
        finally:
            os._exit(127)
    os.close(slave)
    return pid, master


def _read_until_quiet(master: int, out: bytearray, quiet: float, limit: float = 10) -> bool:
    """Read until nothing came for ``quiet`` seconds; False when the program ended."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        ready, _, _ = select.select([master], [], [], quiet)
        if not ready:
            return True
        try:
            data = os.read(master, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
    return True


def capture(sample: Sample, workdir: str) -> tuple[bytes, list[int]]:
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "TERM": "xterm-256color",
           "LANG": "C.UTF-8", "HOME": workdir, "LESSHISTFILE": "-", **sample.env}
    pid, master = _spawn(sample.argv, env, workdir)
    out = bytearray()
    marks = []
    try:
        alive = _read_until_quiet(master, out, sample.settle)
        for key in sample.keys:
            if not alive:
                break
            marks.append(len(out))
            os.write(master, key)
            alive = _read_until_quiet(master, out, sample.settle)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(master)
    return bytes(out), marks


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        shutil.copy(_python_file(), Path(workdir) / "sample.py")
        for sample in SAMPLES:
            if names and sample.name not in names:
                continue
            if shutil.which(sample.argv[0]) is None or (
                    sample.argv[0] == "bash" and "dialog" in " ".join(sample.argv)
                    and shutil.which("dialog") is None):
                print(f"{sample.name}: skipped, the program is not installed")
                continue
            data, marks = capture(sample, workdir)
            (HERE / f"{sample.name}.bin").write_bytes(data)
            (HERE / f"{sample.name}.marks").write_text("".join(f"{m}\n" for m in marks))
            print(f"{sample.name}: {len(data)} bytes, {len(marks)} keys")


if __name__ == "__main__":
    main(sys.argv[1:])
