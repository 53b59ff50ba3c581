"""Issue 11 on the screens: typing an IPv6 address and a port, the port spelled on the
helper's screen, Enter on the role step, the options that do not work yet gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import urwid

from remote_help import settings
from remote_help.ui.screens.details import address_lines
from remote_help.wizard.flow import Step
from remote_help.wizard.options import Options
from tests.ui.stage import MIN, NORMAL, Stage, joined
from tests.ui.test_screens import staged

SIZES = [NORMAL, MIN]


@pytest.fixture(autouse=True)
def private_config(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    yield


def details(stage: Stage) -> Options:
    return stage.app.current.options  # type: ignore[attr-defined, no-any-return]


@pytest.mark.parametrize("size", SIZES)
def test_an_ipv6_address_can_be_typed_once_a_colon_is(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press(*"fd00:"))
        assert "Address: fd00:_" in text
        assert "B is a letter: to go back, press Escape." in text
        text = joined(await stage.press(*":abcd:b"))
        assert "Address: fd00::abcd:b_" in text
        assert stage.app.flow.step is Step.DETAILS  # B was a letter, not Back
        text = joined(await stage.press(*":::"))
        assert "That is not an address." in text
        assert "Address: fd00::abcd:b:_" in text
        await stage.press("backspace", "enter")
        assert stage.app.journey.options.address == "fd00::abcd:b"

    staged(size, test)


def test_escape_goes_back_from_a_long_address() -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n", *"::1")
        text = joined(await stage.press("esc"))
        assert "Step 2 of 7" in text

    staged(NORMAL, test)


@pytest.mark.parametrize(("keys", "shown"), [
    ("192.168.1.20 2300", "192.168.1.20 port 2300"),
    ("192.168.1.20 port 2300", "192.168.1.20 port 2300"),
    ("192.168.1.20p2300", "192.168.1.20 port 2300"),
    ("192.168.1.20:2300", "192.168.1.20 port 2300"),
    ("::1 port 2300", "::1 port 2300"),
])
def test_a_port_can_follow_the_address(keys: str, shown: str) -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press(*keys))
        assert f"Address: {shown}_" in text
        assert "[x]" not in text  # the R of "port" was a letter, not the reverse option
        screen = stage.app.current
        assert screen.act("continue") is False  # ready: Enter goes on
        assert details(stage).address == shown.partition(" port ")[0]
        assert details(stage).port == 2300

    staged(NORMAL, test)


def test_the_port_start_goes_in_one_backspace_and_needs_a_whole_address() -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press(*"192.168 "))
        assert "not complete yet" in text
        assert "Address: 192.168_" in text
        await stage.press(*".1.20 ")
        text = joined(await stage.press("backspace"))
        assert "Address: 192.168.1.20_" in text
        await stage.press(" ")
        text = joined(await stage.press(*"99999"))
        assert "at most 65535" in text
        text = joined(await stage.press("x"))
        assert "type only the second number" in text

    staged(NORMAL, test)


def test_a_port_from_the_command_line_is_kept_and_shown() -> None:
    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c"))  # the command line answered the details
        assert "Step 4 of 7: Connecting to your helper" in text
        assert "at 127.0.0.1 port 2301..." in text
        await stage.press("b")  # back: the address can be put right
        for _ in range(200):
            if stage.app.front.step is Step.DETAILS:
                break
            await asyncio.sleep(0.01)
        text = joined(stage.text())
        assert "Address: 127.0.0.1 port 2301_" in text
        assert stage.app.current.act("continue") is False
        assert details(stage).port == 2301

    staged(NORMAL, test, Options(role="friend", address="127.0.0.1", port=2301))  # type: ignore[arg-type]


def test_the_helper_reads_the_port_as_the_address() -> None:
    rows = address_lines([("192.168.1.20", "one nine two, dot, one six eight, dot, one, "
                                           "dot, two zero")], "helper", 2300)
    flat = joined(" ".join(_flat(r) for r in rows))
    assert "192.168.1.20 port 2300" in flat
    assert "(one nine two, dot, one six eight, dot, one, dot, two zero, port, two three " \
           "zero zero)" in flat
    assert "--port" not in flat


def test_enter_on_the_role_step_takes_last_times_answers() -> None:
    assert settings.save(settings.Settings(role="friend", address="192.0.2.44"))

    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c"))
        assert "Last time on this computer: I need help, with my helper at 192.0.2.44." in text
        assert "Press Enter to choose it again." in text
        text = joined(await stage.press("f1"))
        assert "Enter The same as last time on this computer" in text
        await stage.press("q")
        await stage.press("enter")
        # The details step is answered (the saved address): the journey goes on to connect.
        assert stage.app.flow.step is Step.WAIT
        assert stage.app.journey.options.address == "192.0.2.44"

    staged(NORMAL, test)


def test_enter_on_the_role_step_does_nothing_the_first_time() -> None:
    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c", "enter"))
        assert "Step 2 of 7" in text
        assert "Last time" not in text

    staged(NORMAL, test)


def test_a_helper_enter_chooses_helper_and_shows_what_to_tell() -> None:
    assert settings.save(settings.Settings(role="helper"))

    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c"))
        assert "Last time on this computer: I am helping someone." in text
        text = joined(await stage.press("enter"))
        assert "Step 3 of 7: What your friend must know" in text

    staged(NORMAL, test)


def test_a_link_local_address_needs_its_zone_and_a_pasted_form_is_understood() -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press(*"fe80::1", "enter"))
        assert "This address needs its last part too" in text
        assert stage.app.flow.step is Step.DETAILS
        text = joined(await stage.press(*"%eth0"))
        assert "Address: fe80::1%eth0_" in text
        for _ in range(len("fe80::1%eth0")):
            await stage.press("backspace")
        await stage.press("begin paste", *"[fd00::7]:2300", "end paste")
        assert stage.app.current.act("continue") is False  # ready: Enter goes on
        assert (details(stage).address, details(stage).port) == ("fd00::7", 2300)

    staged(NORMAL, test)


# -- fixaddr: the second reader's findings on the details step (notes-review11 2, 3, 4) -----

def _erase(count: int) -> list[str]:
    return ["backspace"] * count


@pytest.mark.parametrize(("given", "used"), [(Options(), 2222), (Options(port=2301), 2301)])
def test_a_port_the_field_no_longer_shows_is_never_used(given: Options, used: int) -> None:
    """A saved port that the person erased (with the address, or on its own) gives way to
    the command line's port, else the usual 2222."""
    assert settings.save(settings.Settings(role="friend", address="192.168.1.20 port 2300"))

    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c", "n"))
        shown = "192.168.1.20 port 2300" if used == 2222 else "192.168.1.20 port 2301"
        assert f"Address: {shown}_" in text
        text = joined(await stage.press(*_erase(40), *"10.0.0.5"))
        assert "Address: 10.0.0.5_" in text
        assert "port" not in text.partition("Address:")[2].splitlines()[0]
        assert stage.app.current.act("continue") is False  # ready: Enter goes on
        assert (details(stage).address, details(stage).port) == ("10.0.0.5", used)
        # Only the port erased: the address as shown, with the usual port.
        text = joined(await stage.press(*_erase(8), *"192.168.1.20 2300", *_erase(5)))
        assert "Address: 192.168.1.20_" in text
        assert stage.app.current.act("continue") is False
        assert (details(stage).address, details(stage).port) == ("192.168.1.20", used)

    staged(NORMAL, test, given)


@pytest.mark.parametrize("odd", ["\u00b2", "\u00b3", "\u0664", "\uff11"])
def test_a_digit_other_than_0_to_9_is_refused_with_a_hint_not_a_crash(odd: str) -> None:
    """The "²" key (top left on a French keyboard) in the address, in the port, and
    pasted: a hint, the field unchanged, the program still there."""
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press(*"127.0.0.1", odd))
        assert "Address: 127.0.0.1_" in text
        assert "Type only numbers and dots, like 192.168.1.20." in text
        text = joined(await stage.press(" ", *"23", odd))
        assert "Address: 127.0.0.1 port 23_" in text
        assert "type only the second number you were told" in text
        assert stage.app.current.act("continue") is False
        assert details(stage).port == 23
        await stage.press(*_erase(20), "begin paste", *f"12{odd}", "end paste")
        text = joined(await stage.press("7", "enter"))
        assert "That is not an address." in text
        assert stage.app.flow.step is Step.DETAILS
        text = joined(await stage.press(*_erase(20), *"127.0.0.1 port 2", "begin paste",
                                        odd, "end paste", "3"))
        assert "type only the second number you were told" in text
        assert stage.app.flow.step is Step.DETAILS  # still there: no crash

    staged(NORMAL, test)


@pytest.mark.parametrize(("keys", "shown"), [
    ("10.0.0.5", "10.0.0.5"),
    ("10.0.0.5 2300", "10.0.0.5 port 2300"),
    ("10.0.", "10.0."),  # half typed: kept as typed
])
def test_the_address_typed_is_kept_on_back(keys: str, shown: str) -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n", *keys)
        text = joined(await stage.press("esc"))
        assert "Step 2 of 7" in text
        text = joined(await stage.press("n"))
        assert f"Address: {shown}_" in text

    staged(NORMAL, test)


def test_enter_on_the_role_step_after_back_takes_last_times_address_not_the_draft() -> None:
    """The role step says "with my helper at 192.0.2.44": Enter connects there, not to
    the address typed before Back."""
    assert settings.save(settings.Settings(role="friend", address="192.0.2.44"))

    async def test(stage: Stage) -> None:
        await stage.press("c", "n", *_erase(20), *"10.0.0.5")
        text = joined(await stage.press("esc"))
        assert "with my helper at 192.0.2.44." in text
        await stage.press("enter")
        assert stage.app.flow.step is Step.WAIT
        assert stage.app.journey.options.address == "192.0.2.44"

    staged(NORMAL, test)


def _flat(row: object) -> str:
    """A row of a screen's lines as its words: markup, or a widget drawn wide."""
    if isinstance(row, urwid.Widget):
        return " ".join(line.decode().strip() for line in row.render((200,)).text)
    if isinstance(row, str):
        return row
    assert isinstance(row, list)
    return "".join(p if isinstance(p, str) else p[1] for p in row)
