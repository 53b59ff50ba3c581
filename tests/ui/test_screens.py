"""Each step rendered at 80x24 and at the minimum size, driven by keypresses, read as a
person reads it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest

from remote_help.proto import sas
from remote_help.ui.chrome import MIN_COLS, MIN_ROWS
from remote_help.ui.palette import Caps
from remote_help.ui.screens.ending import Ended, Failed
from remote_help.ui.screens.verify import Result, VerifyFriend, VerifyHelper
from remote_help.wizard.flow import Step
from remote_help.wizard.options import Options
from remote_help.wizard.status import Details
from tests.ui.stage import COLOUR_UTF8, MIN, NORMAL, Stage, joined

SIZES = [NORMAL, MIN]
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBr1lqXh8Xq1vqJm2x1d6b8Jz4l1Vg0wT9Q2bqS3nQ1x"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHd8k2p7m1e6W4c5y0mQJ3a8pX9Lq2vB7r1sT6uN4oZy"
DETAILS = Details(KEY_A, KEY_B, "bob", "192.0.2.7")


@pytest.fixture(autouse=True)
def private_config(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    yield


def run(body: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(body())  # type: ignore[arg-type]


def staged(size: tuple[int, int], test: Callable[[Stage], Awaitable[None]],
           options: Options | None = None, caps: Caps = COLOUR_UTF8) -> None:
    async def body() -> None:
        stage = await Stage(options, size=size, caps=caps).start()
        try:
            await test(stage)
        finally:
            await stage.stop()

    asyncio.run(body())


@pytest.mark.parametrize("size", SIZES)
def test_welcome_warns_the_friend_before_anything_else(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        text = joined(stage.text())
        assert "Step 1 of 7" in text
        assert "Only continue if YOU phoned someone you know." in text
        assert "Banks, Microsoft and the police never ask for this." in text
        assert "Press C to continue, or Q to quit." in text
        assert "To stop at any time, press Ctrl+Alt+C." in text
        assert stage.app.flow.step is Step.WELCOME

    staged(size, test)
    staged(size, test, Options(role="friend"))


@pytest.mark.parametrize("size", SIZES)
def test_the_helper_is_told_the_friend_sees_everything(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        text = joined(stage.text())
        assert "Your friend will see everything you do" in text
        assert "Press C to continue" in text

    staged(size, test, Options(role="helper"))


@pytest.mark.parametrize("size", [(MIN_COLS - 1, 24), (80, MIN_ROWS - 1), (20, 5)])
def test_too_small_a_window_asks_to_be_made_bigger(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        text = joined(stage.text())
        assert "Please make this window bigger." in text
        assert "Only continue" not in text
        # Growing the window brings the step back, with nothing lost.
        assert "Only continue if YOU phoned" in joined(stage.text(NORMAL))

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_role_then_details_then_back(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c"))
        assert "Step 2 of 7" in text
        assert "N I need help with my computer" in text
        assert "H I am helping someone" in text
        text = joined(await stage.press("n"))
        assert "Step 3 of 7: Your helper's address" in text
        assert "Address:" in text
        text = joined(await stage.press("b"))
        assert "Step 2 of 7" in text
        text = joined(await stage.press("h"))
        assert "Step 3 of 7: What your friend must know" in text
        assert 'choose "I need help", and type this address' in text
        assert "dot" in text  # the address as it is read aloud
        text = joined(await stage.press("b", "b"))
        assert "Step 1 of 7" in text

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_the_address_takes_digits_and_dots_and_refuses_the_rest(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press(*"192.168.1"))
        assert "Address: 192.168.1_" in text
        text = joined(await stage.press("x"))
        assert "Type only numbers and dots" in text
        assert "Address: 192.168.1_" in text
        text = joined(await stage.press("a"))
        assert "The letters a to f are only in a long address, after a colon." in text
        text = joined(await stage.press(*"9999"))
        assert "at most 255" in text
        assert "Address: 192.168.199_" in text
        text = joined(await stage.press("enter"))
        assert "not complete yet" in text
        assert stage.app.flow.step is Step.DETAILS
        text = joined(await stage.press(".", "."))
        assert "Type a number before each dot." in text
        assert "Address: 192.168.199._" in text
        await stage.press("backspace", "backspace", "backspace", "backspace")
        text = joined(await stage.press(*"0.20"))
        assert "Address: 192.168.0.20_" in text

    staged(size, test)


def test_a_pasted_ipv6_address_is_taken_whole() -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press("begin paste", *"fe80::1:abcd", "end paste"))
        assert "Address: fe80::1:abcd_" in text

    staged(NORMAL, test)


@pytest.mark.parametrize("size", SIZES)
def test_options_show_their_state_and_only_what_works(size: tuple[int, int]) -> None:
    # Issue 11: options that do not work yet (screen sharing, the firewall) are not shown.
    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c", "n"))
        assert ("R [ ] My helper will connect to me (use this if my helper asks for it)"
                in text)
        assert "not in this version" not in text
        assert "Share" not in text and "firewall" not in text
        text = joined(await stage.press("r"))
        assert "R [x] My helper will connect to me" in text
        assert "Tell your helper this address" in text  # the friend now waits
        assert "Step 3 of 7: What your helper must know" in text
        text = joined(await stage.press("r"))
        assert "Address:" in text
        text = joined(await stage.press("s", "w"))  # no longer keys here: not address text
        assert "Address: _" in text and "[x]" not in text
        assert "Type only numbers and dots" in text

    staged(size, test)


def test_quit_from_every_wizard_step_ends_with_nothing_shared() -> None:
    for keys in ([], ["c"], ["c", "n"], ["c", "h"]):
        async def test(stage: Stage, keys: list[str] = keys) -> None:
            await stage.press(*keys, "q")
            assert stage.app.flow.step is Step.QUIT
            assert stage.app.final_words == "Cancelled. Nothing was shared."

        staged(NORMAL, test)


def test_ctrl_alt_c_stops_every_wizard_step() -> None:
    for keys in ([], ["c"], ["c", "n", "1"], ["c", "h"], ["f1"]):
        async def test(stage: Stage, keys: list[str] = keys) -> None:
            await stage.press(*keys, "meta ctrl c")
            assert stage.app.flow.step is Step.QUIT

        staged(NORMAL, test)


def test_help_lists_the_keys_of_the_step_and_closes() -> None:
    async def test(stage: Stage) -> None:
        await stage.press("c", "n")
        text = joined(await stage.press("f1"))
        assert "You can press:" in text
        assert "R Change who connects: the helper's computer to the friend's" in text
        assert "Ctrl+Alt+C Stop at once" in text
        assert "Share" not in text and "firewall" not in text
        text = joined(await stage.press("q"))
        assert "Address:" in text
        assert stage.app.flow.step is Step.DETAILS

    staged(NORMAL, test)


def test_keys_typed_ahead_reach_the_next_step() -> None:
    async def test(stage: Stage) -> None:
        for key in ["c", "n", *"10.0.0.1"]:  # all in one go, as a fast typist would
            stage.app.top.keypress(stage.size, key)
        await stage.settle()
        assert "Address: 10.0.0.1_" in joined(stage.text())

    staged(NORMAL, test)


# -- step 5, shown the way the front end shows it -------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_the_helper_reads_five_words_and_answers_y_or_n(size: tuple[int, int]) -> None:
    answers: list[bool] = []

    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyHelper("K7E2R", DETAILS, answers.append, lambda: None))
        text = joined(stage.text())
        assert "Step 5 of 7" in text
        assert "KILO SEVEN ECHO TWO ROMEO" in text
        assert "Did your friend's screen say CORRECT?" in text
        assert "Y Yes, it said CORRECT" in text
        text = joined(await stage.press("d"))
        assert "fingerprint SHA256:" in text
        assert "ssh-ed25519" in text
        assert "capital" in text or "small" in text  # spelled in NATO words
        text = joined(await stage.press("d"))
        assert "KILO SEVEN ECHO TWO ROMEO" in text
        await stage.press("y")
        assert answers == [True]

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_the_friend_fills_five_boxes(size: tuple[int, int]) -> None:
    checked: list[str] = []

    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyFriend(5, checked.append, lambda: None))
        text = joined(stage.text())
        assert "Type the first letter of each word you hear." in text
        assert text.count("_") >= 5
        text = joined(await stage.press("k", "7"))
        assert "K 7 _ _ _" in text
        text = joined(await stage.press("9"))
        assert "only 2 to 7" in text
        text = joined(await stage.press("enter"))
        assert "3 more to type" in text
        text = joined(await stage.press("backspace", "q", "e", "d", "r"))
        assert "K Q E D R" in text
        assert checked == []
        await stage.press("enter")
        assert checked == ["KQEDR"]

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_correct_and_stop_fill_the_screen(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        result = Result(True, DETAILS)
        stage.app.show(result)
        text = stage.text()
        assert "#####" in text  # the big letters
        assert 'Tell your helper: "My screen says CORRECT."' in joined(text)
        result.waiting_for_helper()
        stage.app.show(result)
        assert "Waiting for your helper to confirm" in stage.text()
        stage.app.show(Result(False, DETAILS))
        text = joined(stage.text())
        assert "Hang up and call your helper back on a number you know." in text

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_failure_and_ending_screens(size: tuple[int, int]) -> None:
    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.FAILED
        stage.app.show(Failed("Your helper did not connect within 10 minutes."))
        text = joined(stage.text())
        assert "Your helper did not connect within 10 minutes." in text
        assert "Press T to try again, or Q to close remote-help." in text
        stage.app.show(Failed("The words did not match.", stop=True))
        assert "####" in stage.text()
        stage.app.flow.step = Step.ENDED
        stage.app.show(Ended("Help has ended: you ended it."))
        text = joined(stage.text())
        assert "Help has ended: you ended it." in text
        assert "Press Q to close remote-help." in text

    staged(size, test)


def test_ascii_and_monochrome_terminals_get_plain_characters() -> None:
    async def test(stage: Stage) -> None:
        for step_keys in ([], ["c"], ["n"]):
            text = await stage.press(*step_keys)
            assert text.isascii(), text

    staged(NORMAL, test, caps=Caps(1, False))


def test_every_code_symbol_is_typable() -> None:
    checked: list[str] = []

    async def test(stage: Stage) -> None:
        screen = VerifyFriend(len(sas.ALPHABET), checked.append, lambda: None)
        stage.app.show(screen)
        await stage.press(*sas.ALPHABET.lower(), "enter")
        assert checked == [sas.ALPHABET]

    staged(NORMAL, test)


def test_last_successful_answers_are_the_defaults(tmp_path: object) -> None:
    from remote_help import settings

    assert settings.save(settings.Settings(role="friend", address="192.0.2.44"))

    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c"))
        assert "Last time on this computer: I need help, with my helper at 192.0.2.44." in text
        assert "Press Enter to choose it again." in text
        text = joined(await stage.press("n"))
        assert "Address: 192.0.2.44_" in text
        stage.app.journey.keep_answers()  # a connection worked: its answers are kept
        assert settings.load().address == "192.0.2.44"

    staged(NORMAL, test)


def test_a_broken_settings_file_changes_nothing(tmp_path: object) -> None:
    from remote_help import settings

    path = settings.config_path()
    assert path is not None
    path.parent.mkdir(parents=True)
    path.write_text("{not json")

    async def test(stage: Stage) -> None:
        text = joined(await stage.press("c", "n"))
        assert "Address: _" in text

    staged(NORMAL, test)
