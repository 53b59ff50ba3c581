"""Every screen readable on every terminal: each styled run of text, on every screen of both
roles, checked for contrast against the background it is really drawn on.

Terminals differ in two ways that matter here. Their default colours: black on white
(xterm's and gnome-terminal's default) or white or grey on black (the Linux console, dark
themes); text in the terminal's default colours is always readable, but a colour of ours
on the terminal's default background may not be (yellow on white was the scam warning's).
And the RGB values of the 16 colours: xterm's, the Linux console's and gnome-terminal's
palettes are tested. urwid turns a palette entry into different attributes in monochrome,
16, 88 and 256-colour modes (``register_palette_entry``); each is resolved as urwid resolves
it. Bold with one of the 8 dark foreground colours is drawn bright by xterm (boldColors)
and the Linux console, plain by others: both are checked.

The threshold is WCAG 2's contrast ratio for text, 4.5:1 (success criterion 1.4.3, level
AA): our text is terminal-sized, never "large text", and 4.5:1 is what is asked of text
that must be read by people with moderately low vision, without contrast-enhancing
technology (a friend on an old monitor, or reading glasses forgotten). Lines that are only
drawing characters (the frame around the helper's copy) are graphics: 3:1 (1.4.11).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest
import urwid

from remote_help.roles import Role
from remote_help.ui.palette import PALETTE, Caps
from remote_help.wizard import status as st
from remote_help.wizard.flow import Step
from remote_help.wizard.options import Options
from tests.ui.stage import MIN, NORMAL, Stage

TEXT_RATIO = 4.5
GRAPHICS_RATIO = 3.0
DRAWING = set("─│┌┐└┘├┤┬┴┼═║+-|_ ")

# The 16 colours: xterm's defaults (its XTerm-col.ad / charproc.c), the Linux console's
# (drivers/tty/vt/vt.c default_red/grn/blu), gnome-terminal's "GNOME" palette (its
# default since 3.32).
THEMES = {
    "xterm": ("000000", "cd0000", "00cd00", "cdcd00", "0000ee", "cd00cd", "00cdcd", "e5e5e5",
              "7f7f7f", "ff0000", "00ff00", "ffff00", "5c5cff", "ff00ff", "00ffff", "ffffff"),
    "linux": ("000000", "aa0000", "00aa00", "aa5500", "0000aa", "aa00aa", "00aaaa", "aaaaaa",
              "555555", "ff5555", "55ff55", "ffff55", "5555ff", "ff55ff", "55ffff", "ffffff"),
    "gnome": ("171421", "c01c28", "26a269", "a2734c", "12488b", "a347ba", "2aa1b3", "d0cfcc",
              "5e5c64", "f66151", "33da7a", "e9ad0c", "2a7bde", "c061cb", "33c7de", "ffffff"),
}
# The terminal's default foreground and background.
DEFAULTS = {"light": ("000000", "ffffff"), "dark": ("ffffff", "000000"),
            "grey on black": ("aaaaaa", "000000")}
# urwid's modes, and where register_palette_entry keeps each mode's attribute.
MODES = {1: 1, 16: 0, 88: 2, 256: 3}
TERMINALS = [(theme, default) for theme in THEMES for default in DEFAULTS]

KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBr1lqXh8Xq1vqJm2x1d6b8Jz4l1Vg0wT9Q2bqS3nQ1x"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHd8k2p7m1e6W4c5y0mQJ3a8pX9Lq2vB7r1sT6uN4oZy"
DETAILS = st.Details(KEY_A, KEY_B, "bob", "192.0.2.7", "a throwaway user")


def luminance(rgb: str) -> float:
    """WCAG 2 relative luminance of an RRGGBB colour."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(rgb[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def ratio(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_ratio_is_wcags() -> None:
    assert ratio("000000", "ffffff") == pytest.approx(21.0)
    assert ratio("ffff00", "ffffff") < 1.1  # yellow on white: the bug this test is for
    assert ratio("777777", "ffffff") == pytest.approx(4.48, abs=0.01)


# -- resolving a palette entry as a terminal draws it -----------------------------------


class _PaletteOnly(urwid.BaseScreen):  # type: ignore[misc]
    """A screen that only resolves the palette (urwid 5's BaseScreen is abstract)."""

    def draw_screen(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError


def _specs() -> dict[str, tuple[urwid.AttrSpec, ...]]:
    screen = _PaletteOnly()
    screen.register_palette(PALETTE)
    return dict(screen._palette)


SPECS = _specs()


def _colour(spec: urwid.AttrSpec, mode: int, theme: str, *, fg: bool) -> list[str | None]:
    """The RGB values a terminal may draw the spec's foreground (or background) in; None
    for the terminal's default."""
    if fg:
        used = spec.foreground_basic or spec.foreground_high or spec.foreground_true
        number = spec.foreground_number
    else:
        used = spec.background_basic or spec.background_high or spec.background_true
        number = spec.background_number
    if not used:
        return [None]
    if number < 16:
        shades = [THEMES[theme][number]]
        if fg and spec.bold and number < 8:
            shades.append(THEMES[theme][number + 8])  # bold drawn bright
        return shades
    values = spec.get_rgb_values()[0:3] if fg else spec.get_rgb_values()[3:6]
    return ["".join(f"{v:02x}" for v in values)]


def drawn(name: str | None, mode: int, theme: str, default: str) -> list[tuple[str, str]]:
    """Each (foreground, background) a terminal may draw the style ``name`` in."""
    default_fg, default_bg = DEFAULTS[default]
    if name is None:
        return [(default_fg, default_bg)]
    spec = SPECS[name][MODES[mode]]
    pairs = []
    for fg in _colour(spec, mode, theme, fg=True):
        for bg in _colour(spec, mode, theme, fg=False):
            pair = (fg or default_fg, bg or default_bg)
            pairs.append(pair[::-1] if spec.standout else pair)
    return pairs


def test_every_palette_entry_reads_on_every_terminal() -> None:
    """The palette alone, before any screen: every entry in every mode."""
    bad = []
    for name in SPECS:
        for mode in MODES:
            for theme, default in TERMINALS:
                for fg, bg in drawn(name, mode, theme, default):
                    limit = GRAPHICS_RATIO if name == "frame" else TEXT_RATIO
                    if ratio(fg, bg) < limit:
                        bad.append(f"{name} ({mode} colours, {theme}, {default} default): "
                                   f"{fg} on {bg}, {ratio(fg, bg):.2f}:1")
    assert not bad, "\n".join(bad)


# -- every screen ------------------------------------------------------------------------


@dataclass
class Run:
    screen: str
    row: int
    style: str | None
    text: str


def runs(screen: str, canvas: urwid.Canvas) -> Iterator[Run]:
    """Each piece of text the canvas draws in one style (our styles: a palette name or
    none; the shell's own colours in the shared terminal are the shell's)."""
    for row, parts in enumerate(canvas.content()):
        for attr, _cs, data in parts:
            text = data.decode("utf-8", "replace")
            if text.strip() and (attr is None or isinstance(attr, str)):
                yield Run(screen, row, attr, text)


async def every_screen(stage: Stage, role: Role) -> list[tuple[str, urwid.Canvas]]:
    """Every step of ``role``'s journey, with its help, its hints and its Details."""
    shots: list[tuple[str, urwid.Canvas]] = []
    app, front = stage.app, stage.app.front

    def shot(label: str) -> None:
        shots.append((f"{role.value} {label} {stage.size}",
                      app.top.render(stage.size, focus=True)))

    async def with_help(label: str) -> None:
        shot(label)
        await stage.press("f1")
        shot(f"{label}, help")
        await stage.press("q")

    options = Options(role=role)
    await with_help("welcome")
    await stage.press("c")
    await with_help("role")
    await stage.press("n" if role is Role.FRIEND else "h")
    await with_help("details")
    await stage.press("r")
    shot("details, reverse")
    if role is Role.FRIEND:
        await stage.press("r")  # back to typing the helper's address
    await stage.press("x")  # only numbers and dots
    shot("details, a hint")
    app.flow.step = Step.WAIT
    front.show(st.Listening(Step.WAIT, options, port=2300,
                            spoken=(("192.0.2.7", "one nine two dot ..."),)))
    front.show(st.News(Step.WAIT, options, text="Still waiting..."))
    await with_help("waiting")
    front.show(st.Connecting(Step.WAIT, options, address="192.0.2.7", port=2222))
    shot("connecting")
    app.flow.step = Step.VERIFY
    front.show(st.CodeReady(Step.VERIFY, options, code="K7E2R", details=DETAILS))
    await with_help("the check")
    if role is Role.FRIEND:
        await stage.press("k", "9")
        shot("the check, a hint")
        for correct in (True, False):
            front.show(st.Checked(Step.VERIFY, options, correct=correct, details=DETAILS))
            shot(f"the check, correct={correct}")
            await stage.press("d")
            shot(f"the check, correct={correct}, details")
            await stage.press("d")
        front.show(st.WaitingForPeer(Step.VERIFY, options))
        shot("the check, waiting for the helper")
    else:
        await stage.press("d")
        shot("the check, details")
        await stage.press("d")
        front.show(st.WaitingForPeer(Step.SETUP, options))
        shot("waiting for the friend")
    app.flow.step = Step.SETUP
    front.show(st.SettingUp(Step.SETUP, options))
    await with_help("setting up")
    app.flow.step = Step.CONNECTED
    live = st.Live(Step.CONNECTED, options,
                   connected=st.Connected(role, role.other, "bob", "192.0.2.7"))
    shared = front.session_view(live)
    shared.show(b"$ ls\r\n\x1b[1;33mcoloured\x1b[0m plain\r\n$ ")
    if role is Role.HELPER:
        shared.grid(stage.size[0] - 4, stage.size[1] - 6)  # smaller than the window: framed
    await asyncio.sleep(0.1)
    shot("the shared terminal")
    shared.notice("Your friend's window is smaller than yours.")
    if role is Role.FRIEND:
        shared.helper_typed("ls[Enter]", echo=False)
    await asyncio.sleep(0.1)
    shot("the shared terminal, a notice")
    shots.append((f"{role.value} the shared terminal, too small",
                  app.top.render((40, 10), focus=True)))
    app.flow.step = Step.ENDED
    front.show(st.Ended(Step.ENDED, options, text="Help has ended: you ended it.", ok=True))
    shot("ended")
    app.flow.step = Step.FAILED
    front.show(st.Failed(Step.FAILED, options, text="The connection was lost."))
    shot("failed")
    front.show(st.Failed(Step.FAILED, options, text="The words did not match.",
                         stopped=True))
    shot("failed, STOP")
    return shots


def staged(size: tuple[int, int], caps: Caps,
           test: Callable[[Stage], Awaitable[None]]) -> None:
    async def body() -> None:
        stage = await Stage(size=size, caps=caps).start()
        try:
            await test(stage)
        finally:
            await stage.stop()

    asyncio.run(body())


@pytest.fixture(autouse=True)
def private_config(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


@pytest.mark.parametrize("size", [NORMAL, MIN])
@pytest.mark.parametrize("role", [Role.FRIEND, Role.HELPER])
def test_every_screen_reads_on_light_and_dark_terminals(role: Role,
                                                        size: tuple[int, int]) -> None:
    found: list[Run] = []

    async def test(stage: Stage) -> None:
        for label, canvas in await every_screen(stage, role):
            found.extend(runs(label, canvas))

    staged(size, Caps(16, True), test)
    styles = {run.style for run in found}
    # What must have been seen, or this test checked less than it says.
    assert {"key", "title", "header", "footer", "stop", "status", "status-warn", "hint",
            "wrong"} <= styles, styles
    if role is Role.FRIEND:
        # ("greyed" is in no screen since the options that do not work yet left them.)
        assert {"warning", "box", "box-empty", "correct"} <= styles, styles
    else:
        assert {"code", "frame"} <= styles, styles
    unknown = {s for s in styles if s is not None and s not in SPECS}
    assert not unknown, f"styles not in the palette: {unknown}"
    bad: dict[str, str] = {}
    for run in found:
        graphics = set(run.text) <= DRAWING
        limit = GRAPHICS_RATIO if graphics else TEXT_RATIO
        for mode in MODES:
            for theme, default in TERMINALS:
                for fg, bg in drawn(run.style, mode, theme, default):
                    if ratio(fg, bg) < limit:
                        where = f"{run.style} in {mode} colours, {theme}, {default} default"
                        bad.setdefault(where, f"{where}: {fg} on {bg} "
                                              f"({ratio(fg, bg):.2f}:1), {run.screen} "
                                              f"row {run.row}: {run.text.strip()!r}")
    assert not bad, "\n".join(bad.values())


def test_the_old_palette_would_have_failed() -> None:
    """The check finds what the issue found: yellow warning text on a white terminal."""
    spec = urwid.AttrSpec("yellow,bold", "default", 16)
    fg = THEMES["xterm"][spec.foreground_number]
    assert ratio(fg, DEFAULTS["light"][1]) < TEXT_RATIO
