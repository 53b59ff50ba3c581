"""Issue 11 on the screens: typing an IPv6 address and a port, the port spelled on the
helper's screen, Enter on the role step, the options that do not work yet gone."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

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
    flat = joined(" ".join(r if isinstance(r, str) else "".join(
        p if isinstance(p, str) else p[1] for p in r) for r in rows))
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
