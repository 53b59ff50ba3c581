"""Wake-ups of the full-screen program while nothing happens, against tmux's own server.

Run as root from the project root (the shared session needs throwaway users):

    sudo .venv/bin/python bench/idle.py [--urwid5 .venv-urwid5/bin/python] [--seconds 10]

bench/README.md says what is measured.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import support  # noqa: E402  (the same machinery the tests use)
from tests.e2e.test_ui import CODE, connect, launch  # noqa: E402
from tests.tui import Pane, Tmux  # noqa: E402

BUDGET = 10  # wake-ups in 10 s of doing nothing (issue 10)
SETTLE = 2.0  # seconds after a screen appeared before counting: its last drawings end


@dataclass
class Count:
    """Wake-ups of one idle screen, with the tmux server's as the reference."""

    screen: str
    ours: int
    tree: int  # ours plus every process below it (sshd, ssh, the shell...)
    tmux: int


def switches(pid: int) -> int:
    """Context switches of every thread of ``pid`` so far: each time it slept and ran
    again (voluntary), or was pre-empted (nonvoluntary). 0 once it has gone."""
    total = 0
    for status in Path(f"/proc/{pid}/task").glob("*/status"):
        try:
            for line in status.read_text().splitlines():
                if "ctxt_switches:" in line:
                    total += int(line.split()[1])
        except (OSError, ValueError):
            continue
    return total


def children(pid: int) -> list[int]:
    """Every process below ``pid``, however deep."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text[text.rfind(")") + 2 :].split()[1])
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def program_pid(pane: Pane) -> int:
    """The remote-help process in a pane (under the test wrapper's sh and runuser)."""
    for pid in [pane.pid(), *children(pane.pid())]:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if Path(argv[0].decode()).name.startswith("python") and argv[1:3] == [
                b"-m", b"remote_help"]:
            return pid
    raise RuntimeError(f"no remote-help process in {pane.name}'s pane")


def measure(tmux: Tmux, panes: dict[str, Pane], seconds: float) -> list[Count]:
    """Count for ``seconds`` while nobody touches anything, not even tmux (no
    capture-pane meanwhile: asking the server would wake it)."""
    server = int(tmux.run("display-message", "-p", "#{pid}").strip())
    time.sleep(SETTLE)
    pids = {name: program_pid(pane) for name, pane in panes.items()}
    trees = {name: [pid, *children(pid)] for name, pid in pids.items()}
    before = {pid: switches(pid) for tree in trees.values() for pid in tree}
    tmux_before = switches(server)
    time.sleep(seconds)
    after = {pid: switches(pid) for pid in before}
    tmux_woke = switches(server) - tmux_before
    return [Count(name, after[pids[name]] - before[pids[name]],
                  sum(max(0, after[p] - before[p]) for p in trees[name]), tmux_woke)
            for name in panes]


def welcome(tmux: Tmux, world: support.World, _python: str) -> dict[str, Pane]:
    pane = launch(tmux, world, world.account(), term="xterm-256color", lang="C.UTF-8")
    pane.wait_for("Step 1 of 7")
    return {"welcome": pane}


def waiting(tmux: Tmux, world: support.World, _python: str) -> dict[str, Pane]:
    port = support.free_port()
    world.ports.append(port)
    pane = launch(tmux, world, world.account(), "helper", "--port", str(port), "--bind",
                  "127.0.0.1", term="xterm-256color", lang="C.UTF-8")
    pane.wait_for("Step 1 of 7")
    pane.send("c")
    pane.wait_for("What your friend must know")
    pane.send("Enter")
    pane.wait_for("Waiting for your friend to connect")
    return {"helper waiting for the friend": pane}


def check(tmux: Tmux, world: support.World, python: str) -> dict[str, Pane]:
    """The five-word check: the helper reads the words, the friend has typed nothing yet
    (the first steps of tests/e2e/test_ui.py's connect)."""
    panes = waiting(tmux, world, python)
    helper = panes["helper waiting for the friend"]
    port = world.ports[-1]
    friend = launch(tmux, world, world.account(world.user()), "--port", str(port),
                    term="xterm-256color", lang="C.UTF-8")
    friend.wait_for("Only continue if YOU phoned someone you know.")
    friend.send("c")
    friend.wait_for("Who are you?")
    friend.send("n")
    friend.wait_for("Address:")
    friend.type("127.0.0.1")
    friend.wait_for("Address: +127.0.0.1_")
    friend.send("Enter")
    helper.wait_for(CODE)
    friend.wait_for("Type the first letter of each word you hear.")
    return {"check, helper reading": helper, "check, friend typing": friend}


def session(tmux: Tmux, world: support.World, _python: str) -> dict[str, Pane]:
    helper, friend = connect(tmux, world, "xterm-256color", "C.UTF-8")
    return {"session, helper": helper, "session, friend": friend}


def ended(tmux: Tmux, world: support.World, _python: str) -> dict[str, Pane]:
    """After the friend ended the session, both on their last page."""
    helper, friend = connect(tmux, world, "xterm-256color", "C.UTF-8")
    friend.send("M-C-c")
    friend.wait_for("Help has ended: you ended it.")
    helper.wait_for("Your friend ended the session.")
    return {"ended, helper": helper, "ended, friend": friend}


SCREENS: dict[str, Callable[[Tmux, support.World, str], dict[str, Pane]]] = {
    "welcome": welcome, "waiting": waiting, "check": check, "session": session,
    "ended": ended}
ROOT_ONLY = {"check", "session", "ended"}  # two people: the friend is a throwaway user


def urwid_version(python: str) -> str:
    result = subprocess.run([python, "-c", "import urwid; print(urwid.__version__)"],
                            capture_output=True, text=True, check=False)
    return result.stdout.strip() or "?"


def run(python: str, screens: list[str], seconds: float) -> Iterator[Count]:
    os.environ["REMOTE_HELP_TEST_PYTHON"] = python  # read by launch() for both people
    for name in screens:
        base = Path(tempfile.mkdtemp(prefix="rhi", dir="/tmp"))
        world = support.World(base)
        try:
            with Tmux(width=80, height=24) as tmux:
                panes = SCREENS[name](tmux, world, python)
                yield from measure(tmux, panes, seconds)
        finally:
            world.cleanup()
            shutil.rmtree(base, ignore_errors=True)


def pythons(urwid5: str | None) -> list[str]:
    """Debian's python3 (urwid 2.1.2), and the urwid 5 venv's if there is one."""
    found = [support.SYSTEM_PYTHON]
    candidate = urwid5 or str(ROOT / ".venv-urwid5" / "bin" / "python")
    if Path(candidate).is_dir():
        candidate = str(Path(candidate) / "bin" / "python")
    if os.access(candidate, os.X_OK):
        found.append(os.path.abspath(candidate))
    elif urwid5:
        raise SystemExit(f"{urwid5}: not a Python interpreter or a venv")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urwid5", metavar="PYTHON",
                        help="a venv (or its python) with urwid 5 and remote-help's test "
                             "extras; default .venv-urwid5 when it exists")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--screens", default=",".join(SCREENS),
                        help=f"comma-separated, of {', '.join(SCREENS)}")
    args = parser.parse_args()
    screens = [s for s in args.screens.split(",") if s]
    if unknown := set(screens) - set(SCREENS):
        parser.error(f"unknown screens: {', '.join(sorted(unknown))}")
    if os.geteuid() != 0 and ROOT_ONLY & set(screens):
        print("not root: the screens with both people (which need throwaway users) are "
              "left out")
        screens = [s for s in screens if s not in ROOT_ONLY]
    budget = BUDGET * args.seconds / 10
    try:
        for python in pythons(args.urwid5):
            print(f"\nurwid {urwid_version(python)} ({python}): wake-ups in "
                  f"{args.seconds:g} s of doing nothing; budget <= {budget:g}")
            print(f"{'screen':32} {'remote-help':>11} {'+children':>10} {'tmux':>6}  budget")
            for c in run(python, screens, args.seconds):
                verdict = "met" if c.ours <= budget else "OVER"
                print(f"{c.screen:32} {c.ours:11d} {c.tree:10d} {c.tmux:6d}  {verdict}",
                      flush=True)
    finally:
        for copy in support.SOURCE_COPIES:  # the sources the programs ran from
            shutil.rmtree(copy, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
