"""Issue 11: the check's screens as the friend and the helper see them, at 80x24 and at the
minimum size: a mismatch asks for the same words again, whole words fill one box each,
and Back asks first."""

from __future__ import annotations

import pytest

from remote_help.ui.screens.verify import VerifyFriend, VerifyHelper
from remote_help.wizard.flow import Step
from tests.ui.stage import Stage, joined
from tests.ui.test_screens import DETAILS, SIZES, private_config, staged

__all__ = ["private_config"]  # the fixture, used by every test here


@pytest.mark.parametrize("size", SIZES)
def test_a_mismatch_asks_for_the_same_words_again(size: tuple[int, int]) -> None:
    checked: list[str] = []

    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyFriend(5, checked.append, lambda: None, mismatches=1,
                                    tries_left=2))
        text = joined(stage.text())
        assert "That does not match. Ask your helper to read the words again, slowly." in text
        assert "You can try 2 more times." in text
        assert "_ _ _ _ _" in text  # empty again
        assert "Type the first letter of each word you hear." in text
        stage.app.show(VerifyFriend(5, checked.append, lambda: None, mismatches=2,
                                    tries_left=1))
        assert "This is the last try." in joined(stage.text())

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_whole_words_fill_one_box_each_and_are_checked_as_typed(size: tuple[int, int]) -> None:
    checked: list[str] = []

    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyFriend(5, checked.append, lambda: None))
        text = joined(await stage.press("u", "n"))
        assert "U N _ _ _" in text  # may be UNIFORM NOVEMBER: kept as two
        assert "Type only the FIRST letter of each word." in text
        text = joined(await stage.press(*"iform"))
        assert "U _ _ _ _" in text  # UNIFORM, one word
        text = joined(await stage.press(*"novemberkiloxrayyankee"))
        assert "U N K X Y" in text
        await stage.press("enter")
        assert checked == ["UNIFORMNOVEMBERKILOXRAYYANKEE"]  # the journey reads them all

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_the_friends_back_asks_first(size: tuple[int, int]) -> None:
    went: list[bool] = []

    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyFriend(5, lambda typed: None, lambda: went.append(True)))
        await stage.press("k", "7")
        text = joined(await stage.press("esc"))
        assert "Go back? Your helper will need to read new words." in text
        assert "Y Yes, go back" in text and "N No, stay here" in text
        text = joined(await stage.press("n"))
        assert "K 7 _ _ _" in text and not went  # stayed, the letters kept
        await stage.press("esc")
        await stage.press("y")
        assert went == [True]

    staged(size, test)


@pytest.mark.parametrize("size", SIZES)
def test_the_helpers_back_asks_first_and_y_there_is_not_correct(size: tuple[int, int]) -> None:
    answers: list[bool] = []
    went: list[bool] = []

    async def test(stage: Stage) -> None:
        stage.app.flow.step = Step.VERIFY
        stage.app.show(VerifyHelper("K7E2R", DETAILS, answers.append,
                                    lambda: went.append(True)))
        text = joined(await stage.press("b"))
        assert "Go back? You will need to read new words to your friend." in text
        text = joined(await stage.press("n"))
        assert "KILO SEVEN ECHO TWO ROMEO" in text and not went
        await stage.press("b")
        await stage.press("y")
        assert went == [True] and answers == []  # Y here meant "go back", not CORRECT

    staged(size, test)
