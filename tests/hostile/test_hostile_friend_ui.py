"""A hostile friend against the full-screen helper, in tmux (issue 9, weaknesses 10 and 11).

The friend's program is the real one with its session driven by a script
(``hostile_friend.py``); the helper's is unmodified. Whatever the friend's side sends
(costly output at the largest grid it may claim, RESIZE, RESYNC and NOTICE storms), the
helper's F10 and Ctrl+Alt+C end its side within a second, and the friend's words never
appear as the program's own on the helper's status or warning line.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from pathlib import Path
from typing import Any

import pytest

from tests import support, tui
from tests.e2e.test_ui import CODE, launch
from tests.hostile.test_floods_ui import program_pid
from tests.hostile.test_hostile_friend import FAKE_NOTICE, FLOODS, HOSTILE, MiB, rss
from tests.tui import Pane, Tmux

tmux = tui.tmux

SIZE = {"width": 250, "height": 80}
BOUND = 1.0  # seconds: the bound for the end keys under any output
FLOODING = 4.0  # seconds the flood runs before the key
UI_FLOODS: dict[str, list[list[Any]]] = {
    # The largest grid a friend may claim (1000x1000; the helper keeps 500x200), then
    # a screen fill (ESC # 8) in every byte pair: 8 minutes of a blocked helper before.
    "fill-screen-at-the-largest-grid": [["resize", [1000, 1000]], FLOODS["fill-screen"]],
    "clear-screen": [FLOODS["clear-screen"]],
    "insert-lines": [FLOODS["insert-lines"]],
    "colours": [FLOODS["colours"]],
    "resize-storm": [FLOODS["resize-storm"]],
    "resync-storm": [["resize", [1000, 1000]], FLOODS["resync-storm"], ["sleep", 60]],
    "notice-storm": [FLOODS["notice-storm"]],
}


def hostile_panes(tmux: Tmux, world: support.World,
                  steps: list[list[Any]]) -> tuple[Pane, Pane]:
    """Both people walk the wizard up to the shared terminal, the friend's program
    playing ``steps`` once the session is live (as tests/e2e/test_ui.py's connect)."""
    script = world.base / f"script-{secrets.token_hex(3)}.json"
    script.write_text(json.dumps(steps))
    script.chmod(0o644)
    port = support.free_port()
    world.ports.append(port)
    term, lang = "xterm-256color", "C.UTF-8"
    helper = launch(tmux, world, world.account(), "helper", "--port", str(port),
                    "--bind", "127.0.0.1", term=term, lang=lang)
    friend = launch(tmux, world, world.account(world.user()), "--port", str(port),
                    term=term, lang=lang, program=(str(HOSTILE), str(script)))
    helper.wait_for("Step 1 of 7")
    helper.send("c")
    helper.wait_for("What your friend must know")
    helper.send("Enter")
    helper.wait_for("Waiting for your friend to connect")
    friend.wait_for("Only continue if YOU phoned someone you know.")
    friend.send("c")
    friend.wait_for("Who are you?")
    friend.send("n")
    friend.wait_for("Address:")
    friend.type("127.0.0.1")
    friend.wait_for("Address: +127.0.0.1_")
    friend.send("Enter")
    words = helper.wait_for(CODE).group(1).split()
    friend.wait_for("Type the first letter of each word you hear.")
    friend.type(support.first_letters(words).lower())
    friend.send("Enter")
    friend.wait_for("CORRECT")
    helper.send("y")
    try:
        helper.wait_for(r"Ctrl\+Alt\+C or F10 ends the session", timeout=30)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{crash_reports(world)}") from None
    return helper, friend


def where(pid: int) -> str:
    """Where a process that does not end waits, for the test's report."""
    found = []
    for name in ("status", "wchan", "stack"):
        with contextlib.suppress(OSError):
            found.append(f"{name}: {(Path('/proc') / str(pid) / name).read_text()[:2000]}")
    return "\n".join(found)


def crash_reports(world: support.World) -> str:
    """What the programs saved about an unexpected problem, for the test's report."""
    return "\n".join(f"{path}:\n{path.read_text(errors='replace')}"
                     for path in sorted(world.base.rglob("crash-*.txt")))


def helper_ends(world: support.World, helper: Pane, friend: Pane, key: str) -> float:
    """The helper presses ``key``; seconds until its side says it ended."""
    started = time.monotonic()
    helper.send(key)
    helper.wait_for("You ended the session.", timeout=30)
    elapsed = time.monotonic() - started
    pid = program_pid(helper)
    helper.send("q")
    try:
        helper.wait_for("EXITED", timeout=30)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{crash_reports(world)}\n{where(pid)}") from None
    assert "EXITED 0" in helper.screen(), f"{helper.describe()}\n{crash_reports(world)}"
    assert "Traceback" not in helper.screen()
    # A friend that did not read may have missed the helper's goodbye: then it says the
    # connection was lost. Either way its person closes it.
    friend.wait_for("Your helper ended the session|The connection was lost", timeout=30)
    friend.send("q")
    friend.wait_for("EXITED", timeout=30)
    return elapsed


@pytest.mark.root
@pytest.mark.parametrize("tmux", [{"width": 100, "height": 30}], indirect=True)
def test_the_friends_notice_is_not_on_the_helpers_warning_line(world: support.World,
                                                                tmux: Tmux) -> None:
    """Weakness 11: the helper's red warning line showed the friend's NOTICE as the
    program's own ("Your friend ended the session. Press Q...")."""
    steps = [["sleep", 2], ["notice", FAKE_NOTICE], ["out", ["NOTICE-SENT\r\n", 1]],
             ["sleep", 60]]
    helper, friend = hostile_panes(tmux, world, steps)
    helper.wait_for("NOTICE-SENT", timeout=30)
    time.sleep(1)  # a notice would be drawn by now
    screen = helper.screen()
    assert "Your friend ended" not in screen, screen
    assert "Press Q" not in screen, screen
    helper_ends(world, helper, friend, "F10")


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("tmux", [SIZE], indirect=True)
@pytest.mark.parametrize("flood", list(UI_FLOODS))
@pytest.mark.parametrize("key", ["F10", "M-C-c"], ids=["F10", "Ctrl+Alt+C"])
def test_the_full_screen_helper_ends_within_a_second_under_any_flood(
        world: support.World, tmux: Tmux, flood: str, key: str) -> None:
    """Weakness 10: the helper's emulator took 1000x1000 and a 64 KiB message of ESC # 8
    blocked it for minutes; RESIZE and RESYNC storms did the same."""
    steps = [["sleep", 1], *UI_FLOODS[flood], ["sleep", 60]]
    helper, friend = hostile_panes(tmux, world, steps)
    time.sleep(1 + FLOODING)  # the flood may wipe anything it could show first
    elapsed = helper_ends(world, helper, friend, key)
    print(f"MEASURED helper {key} under the friend's {flood}: {elapsed:.3f} s")
    assert elapsed <= BOUND, f"{key} took {elapsed:.2f} s under the friend's {flood}"


@pytest.mark.timed
@pytest.mark.root
@pytest.mark.parametrize("tmux", [SIZE], indirect=True)
@pytest.mark.parametrize("storm", ["resizes", "notices", "resyncs"])
def test_the_full_screen_helpers_memory_stays_bounded_under_a_storm(
        world: support.World, tmux: Tmux, storm: str) -> None:
    """Weakness 12: 20 s of RESIZE (up to 1000x1000), NOTICE or RESYNC messages as fast
    as the helper takes them: its memory grows by less than 20 MiB."""
    actions = {"resizes": [["resizes", [5000, 20]]],
               "notices": [["notices", [FAKE_NOTICE, 2000, 20]]],
               "resyncs": [FLOODS["resync-storm"]] * 8}[storm]
    steps = [["sleep", 1], *actions, ["sleep", 60]]
    helper, friend = hostile_panes(tmux, world, steps)
    pid = program_pid(helper)
    before = peak = rss(pid)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        peak = max(peak, rss(pid))
        time.sleep(0.2)
    print(f"MEASURED full-screen helper RSS under the friend's {storm}: before "
          f"{before / MiB:.1f} MiB, peak {peak / MiB:.1f} MiB, growth "
          f"{(peak - before) / MiB:.1f} MiB")
    assert peak - before < 20 * MiB, f"the helper grew by {(peak - before) / MiB:.1f} MiB"
    elapsed = helper_ends(world, helper, friend, "F10")
    assert elapsed <= BOUND, f"F10 took {elapsed:.2f} s after the friend's {storm}"
