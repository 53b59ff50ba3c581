"""The shared-terminal view: floods coalesce into frames and pause the shell instead of
growing memory; nothing the shell sends escapes the widget on either side."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import urwid

from remote_help.proto.session import Hello
from remote_help.ui import shared
from remote_help.ui.shared import SharedTerminal

HOSTILE = [
    b"\x1b]52;c;cm0gLXJmIH4K\x07",  # clipboard write
    b"\x1b]0;title\x07\x1b]2;title\x1b\\",  # titles
    b"\x1b[21t\x1b[20t\x1b[14t\x1b[18t",  # title and window reports
    b"\x1bP$qm\x1b\\\x1bP+q544e\x1b\\",  # DECRQSS, XTGETTCAP
    b"\x1b]10;?\x07\x1b]11;?\x07\x1b]4;1;?\x07",  # colour queries
    b"\x1b_application program command\x1b\\\x1b^privacy message\x1b\\",
    b"\x1b[?1049h\x1b[?1000h\x1b[?2004h\x1b[>4;2m\x1b[>1u",  # modes for the real terminal
    b"\x1b]8;;http://example.invalid/\x07link\x1b]8;;\x07",
]


def run(body: object) -> None:
    asyncio.run(body)  # type: ignore[arg-type]


def make(role: str, sent: list[bytes], redraws: list[int]) -> SharedTerminal:
    view = SharedTerminal(role, (80, 25), lambda: redraws.append(1), colors=16, utf8=True)
    view.send = sent.append
    view.set_peer("bob", "192.0.2.7")
    return view


@pytest.mark.parametrize("role", ["friend", "helper"])
def test_dangerous_sequences_stay_inside_and_are_never_answered(role: str) -> None:
    async def body() -> None:
        sent: list[bytes] = []
        view = make(role, sent, [])
        for data in HOSTILE:
            view.show(data)
        view.show(b"\x1b[6n\x1b[c")  # harmless questions: only the friend's side answers
        await asyncio.sleep(0.1)
        canvas = view.widget.render((80, 25), focus=True)
        text = b"\n".join(canvas.text)
        assert b"\x1b" not in text
        for word in (b"title", b"cm0g", b"http", b"privacy", b"application"):
            assert word not in text
        assert b"link" in text  # the text of a hyperlink, without the link
        if role == "friend":
            assert sent == [b"\x1b[1;5R", b"\x1b[?1;2c"]
        else:
            assert sent == []

    run(body())


@pytest.mark.timed
def test_a_flood_pauses_the_shell_and_resumes_it_drawing_at_most_30_frames_a_second() -> None:
    async def body() -> None:
        redraws: list[int] = []
        view = make("friend", [], redraws)
        drained: list[int] = []
        view.on_drained = lambda: drained.append(1)
        loop = asyncio.get_running_loop()
        started = loop.time()
        flood = b"y\r\n" * 100_000  # more than the view takes before it says "busy"
        view.show(flood)
        assert view.busy  # the session stops reading the shell now
        while view.busy:
            await asyncio.sleep(0.01)
        elapsed = loop.time() - started
        assert drained == [1]
        assert len(redraws) <= 3 + elapsed * 30
        await asyncio.sleep(0.1)
        assert view.screen.text_lines()[-2] == "y"

    run(body())


def test_the_friend_status_line_always_says_how_to_end() -> None:
    async def body() -> None:
        view = make("friend", [], [])
        view.connected(Hello("helper", "Bob Smith", 80, 24))
        rows = [r.decode() for r in view.widget.render((80, 25), focus=True).text]
        assert rows[0].startswith(" To end help, press Ctrl+Alt+C.")
        assert "Bob Smith (bob at 192.0.2.7)" in rows[0]
        small = [r.decode() for r in view.widget.render((60, 20), focus=True).text]
        assert small[0].startswith(" To end help, press Ctrl+Alt+C.")  # first, never cut

    run(body())


def test_the_helper_is_warned_when_its_window_is_smaller() -> None:
    async def body() -> None:
        view = make("helper", [], [])
        view.show(b"$ ")  # the shell printed: the grid shows (a progress line until then)
        await asyncio.sleep(0.1)
        view.grid(100, 40)
        view.notice("Make your window bigger: your friend's screen is 100x40, yours 80x24.")
        rows = [r.decode() for r in view.widget.render((80, 25), focus=True).text]
        assert rows[0].startswith(" Ctrl+Alt+C or F10 ends the session.   Your friend:")
        assert "Make your window bigger" in rows[1]
        view.grid(60, 20)
        rows = [r.decode() for r in view.widget.render((80, 25), focus=True).text]
        assert "Make your window bigger" not in "\n".join(rows)
        assert rows[1].startswith(("┌", "+"))  # the friend's grid, framed

    run(body())


def test_limits_are_what_the_design_says() -> None:
    assert pytest.approx(1 / 30) == shared.FRAME_INTERVAL
    assert shared.PENDING_LIMIT <= 1024 * 1024


def test_the_helpers_keys_are_on_the_friends_status_line_and_go_after_a_while(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared, "TYPED_SHOWN", 0.2)

    async def body() -> None:
        view = make("friend", [], [])
        for _ in range(5):
            view.helper_typed("ls -la[Enter]", echo=False)
        view.helper_typed("secret-command[Enter]", echo=False)
        status = b"".join(view.widget.render((80, 25), focus=True).text[:1]).decode()
        assert status.startswith(" To end help, press Ctrl+Alt+C.  Your helper typed: ...")
        assert status.rstrip().endswith("secret-command[Enter]")
        assert "ter]" not in status.split("...")[1][:5]  # never half a key's name
        await asyncio.sleep(0.4)
        status = b"".join(view.widget.render((80, 25), focus=True).text[:1]).decode()
        assert "Helping you: bob at 192.0.2.7" in status

    run(body())


def test_the_last_key_the_helper_typed_stays_in_view_after_wide_characters() -> None:
    """The status line is measured in cells: after wide characters the newest key is not
    pushed out at the right edge."""
    async def body() -> None:
        view = make("friend", [], [])
        view.helper_typed("echo " + "日本" * 30 + "[Enter]", echo=False)
        status = b"".join(view.widget.render((80, 25), focus=True).text[:1]).decode()
        assert status.rstrip().endswith("日本[Enter]"), status

    run(body())


def test_a_resync_starts_the_helpers_copy_again() -> None:
    async def body() -> None:
        friend = make("friend", [], [])
        friend.show(b"\x1b[31mred\x1b[0m\r\n\x1b[?1hprompt$ ")
        snapshot = friend.snapshot()
        helper = make("helper", [], [])
        helper.grid(80, 24)
        helper.show(b"old junk \x1b[3")  # half a sequence when the helper fell behind
        await asyncio.sleep(0.1)
        helper.reset()
        helper.show(snapshot)
        await asyncio.sleep(0.1)
        assert helper.screen.text_lines()[:2] == ["red", "prompt$"]
        assert helper.screen.app_cursor_keys

    run(body())


# -- never hidden (issue 9) ----------------------------------------------------------------

SMALL = "Your helper is connected. Make this window bigger, or press Ctrl+Alt+C to end."


def screen_text(view: SharedTerminal, size: tuple[int, int]) -> str:
    return "\n".join(r.decode() for r in view.widget.render(size, focus=True).text)


@pytest.mark.parametrize("size", [(1, 1), (2, 1), (1, 30), (10, 3), (59, 40), (200, 19),
                                  (59, 19)])
def test_too_small_a_window_says_the_helper_is_connected_and_holds_its_keys(
        size: tuple[int, int]) -> None:
    async def body() -> None:
        view = make("friend", [], [])
        drained: list[int] = []
        view.on_drained = lambda: drained.append(1)
        assert not view.busy
        text = screen_text(view, size)
        cols, rows = size
        assert len(text.split("\n")) == rows
        words = " ".join(text.split())
        assert words and SMALL.replace(" ", "").startswith(words.replace(" ", ""))
        if cols * rows >= 2 * len(SMALL):
            assert words == SMALL
        assert view.busy  # the session holds the helper's keys (and stops reading)
        screen_text(view, (80, 25))
        assert screen_text(view, (80, 25)).startswith(" To end help, press Ctrl+Alt+C.")
        await asyncio.sleep(0.05)
        assert not view.busy
        assert drained == [1]  # the held keys go now

    run(body())


def test_the_helper_too_small_is_told_but_not_held() -> None:
    async def body() -> None:
        view = make("helper", [], [])
        text = " ".join(screen_text(view, (40, 10)).split())
        assert text == ("Your friend is connected. Make this window bigger, or press "
                        "Ctrl+Alt+C or F10 to end.")
        assert not view.busy

    run(body())


def test_a_screen_that_cannot_be_drawn_holds_the_keys_and_ends_the_session(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async def body() -> None:
        view = make("friend", [], [])
        ended: list[int] = []
        view.end = lambda: ended.append(1)

        def broken(*args: object) -> object:
            raise ValueError("cannot draw")

        monkeypatch.setattr(view.view, "_draw", broken)
        view.show(b"hello")
        await asyncio.sleep(0.1)
        text = screen_text(view, (80, 25))
        assert view.busy
        await asyncio.sleep(0.05)
        assert ended == [1]
        text = screen_text(view, (80, 25))
        assert "Your helper's keys are stopped" in text
        assert "cannot be drawn" in text

    run(body())


def test_the_helpers_screen_that_cannot_be_drawn_says_so_in_the_helpers_words(
        monkeypatch: pytest.MonkeyPatch) -> None:
    async def body() -> None:
        view = make("helper", [], [])
        view.grid(80, 24)
        view.end = lambda: None

        def broken(*args: object) -> object:
            raise ValueError("cannot draw")

        monkeypatch.setattr(view.view, "_draw", broken)
        view.show(b"hello")
        await asyncio.sleep(0.1)
        screen_text(view, (80, 25))  # the drawing that fails
        await asyncio.sleep(0.05)
        text = screen_text(view, (80, 25))
        assert "Your screen could not be drawn. The session is ending." in text
        assert "Your helper" not in text

    run(body())


def test_characters_of_uncertain_width_in_the_helpers_keys_stay_on_the_status_line() -> None:
    async def body() -> None:
        view = make("friend", [], [])
        view.helper_typed("\u4dc0\ufe0f" * 30 + "[Enter]", echo=False)
        rows = view.widget.render((80, 25), focus=True).text
        calc = getattr(urwid, "calc_width", None) or urwid.util.calc_width
        assert all(calc(row, 0, len(row)) == 80 for row in rows)
        assert rows[0].decode().isascii()

    run(body())


class _FakeScreen:
    def __init__(self) -> None:
        self.screen_buf: list[object] | None = None


class _FakeMain:
    def __init__(self) -> None:
        self.screen = _FakeScreen()
        self.draw_screen: Callable[[], None] = lambda: None


def test_the_app_rewrites_the_status_row_every_time_and_ends_a_session_it_cannot_draw(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """urwid writes only rows it believes changed; in a session the app makes it write the
    status row every time and every row at least once a second; and a drawing that
    raises ends the session with the helper's keys held, instead of freezing it."""
    from remote_help.ui import app as app_module
    from remote_help.ui.palette import Caps
    from remote_help.wizard.options import Options

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setattr(app_module.termios, "tcgetattr", lambda fd: [])  # a terminal

    async def body() -> None:
        app = app_module.App(Options(), Caps(16, True))
        view = make("friend", [], [])
        ended: list[int] = []
        view.end = lambda: ended.append(1)
        app.current = view
        main = _FakeMain()
        app.main = main  # type: ignore[assignment]
        seen: list[object] = []
        main.draw_screen = lambda: app._draw_screen(
            lambda: seen.append(main.screen.screen_buf))
        app._draw_screen(lambda: seen.append(main.screen.screen_buf))
        assert seen == [None]  # the first drawing writes every row
        main.screen.screen_buf = [["status"], ["shell"]]
        app._draw_screen(lambda: seen.append(list(main.screen.screen_buf or [])))
        assert seen[-1] == [None, ["shell"]]  # the status row is written again
        await asyncio.sleep(app_module.REWRITE_EVERY + 0.2)
        assert seen[-1] is None  # and a second later, every row

        def broken() -> None:
            raise ValueError("cannot draw")

        app._draw_screen(broken)
        assert view.busy  # the helper's keys are held at once
        await asyncio.sleep(0.05)
        assert ended == [1]
        app.main = None

    run(body())


def test_back_to_the_same_size_with_nothing_changed_the_keys_go_again() -> None:
    """urwid caches canvases per size: growing back to a size drawn before, in a quiet
    session, must still tell the session it can be seen again."""
    from remote_help.ui.chrome import Top

    async def body() -> None:
        view = make("friend", [], [])
        top = Top(lambda key: None)
        top.show(view.widget, "", [], "", chrome=False)
        for size, busy in (((80, 25), False), ((80, 25), False), ((40, 10), True),
                           ((80, 25), False), ((1, 1), True), ((80, 25), False)):
            top.render(size, True)
            await asyncio.sleep(0.02)
            assert view.busy is busy, size

    run(body())
