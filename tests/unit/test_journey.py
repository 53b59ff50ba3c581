"""The journey's steps 1-3 and its answers, with a front end that records what it is shown
(the network steps run for real in tests/e2e)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from remote_help import settings
from remote_help.roles import Role
from remote_help.sentences import Say, text
from remote_help.wizard import status as st
from remote_help.wizard.controller import Journey
from remote_help.wizard.flow import Event, Step
from remote_help.wizard.options import Options

CANCELLED = text(Say.WIZARD_CANCELLED)


class Recorder:
    def __init__(self) -> None:
        self.shown: list[st.Status] = []
        self.changed = asyncio.Event()

    def show(self, status: st.Status) -> None:
        self.shown.append(status)
        self.changed.set()

    def session_view(self, live: st.Live) -> Any:
        raise AssertionError("no session in these tests")

    @property
    def last(self) -> st.Status:
        return self.shown[-1]


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def run(test: Any, given: Options | None = None,
        saved: settings.Settings | None = None) -> None:
    async def body() -> None:
        front = Recorder()
        journey = Journey(front, given or Options(), saved or settings.Settings())
        task = asyncio.ensure_future(journey.run())  # noqa: TID251
        await settle()
        try:
            await test(journey, front, task)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(body())


def test_every_question_is_a_published_status_answered_back() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        assert isinstance(front.last, st.Asking) and front.last.step is Step.WELCOME
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        assert front.last.step is Step.ROLE
        assert isinstance(front.last, st.Asking) and front.last.last_role is Role.FRIEND
        journey.answer(st.Answer(Step.ROLE, Event.HELPER))
        await settle()
        assert front.last.step is Step.DETAILS
        assert front.last.options.role is Role.HELPER and front.last.options.listens
        journey.answer(st.Answer(Step.DETAILS, Event.BACK))
        await settle()
        assert front.last.step is Step.ROLE
        journey.answer(st.Answer(Step.ROLE, Event.CANCEL))
        outcome = await task
        assert outcome.cancelled and outcome.words == CANCELLED and outcome.code == 1

    run(test, saved=settings.Settings(role=Role.FRIEND, address="192.0.2.7"))


def test_the_friend_gets_the_saved_address_to_confirm_the_helper_does_not() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        journey.answer(st.Answer(Step.ROLE, Event.FRIEND))
        await settle()
        assert front.last.options.address == "192.0.2.7"
        journey.answer(st.Answer(Step.DETAILS, Event.BACK))
        await settle()
        journey.answer(st.Answer(Step.ROLE, Event.HELPER))
        await settle()
        assert front.last.options.address == ""

    run(test, saved=settings.Settings(role=Role.FRIEND, address="192.0.2.7"))


def test_a_role_from_the_command_line_skips_its_step_both_ways() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        assert front.last.step is Step.DETAILS
        journey.answer(st.Answer(Step.DETAILS, Event.BACK))
        await settle()
        assert front.last.step is Step.WELCOME

    run(test, Options(role=Role.FRIEND, address="192.0.2.8"))


def test_answers_for_a_step_already_left_are_dropped() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        count = len(front.shown)
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))  # pressed twice
        journey.answer(st.Answer(Step.DETAILS, Event.NEXT))  # not there yet
        journey.answer(st.Answer(Step.ROLE, Event.RETRY))  # no meaning here
        await settle()
        assert len(front.shown) == count and journey.flow.step is Step.ROLE

    run(test)


def test_a_broken_front_end_stops_the_journey_with_its_error() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.abort(RuntimeError("drawing failed"))
        with pytest.raises(RuntimeError, match="drawing failed"):
            await task

    run(test)


def test_the_details_answer_carries_the_edited_options() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        edited = Options(role=Role.HELPER, address="127.0.0.1", port=1)
        journey.answer(st.Answer(Step.DETAILS, Event.NEXT, options=edited))
        await settle()
        assert journey.options.address == "127.0.0.1" and journey.options.port == 1
        assert journey.options.role is Role.FRIEND  # the role is not the details' to change
        assert journey.flow.step is Step.WAIT  # connecting (to nothing on loopback)

    run(test, Options(role=Role.FRIEND, address="192.0.2.9"))


def test_the_details_typed_are_kept_on_back() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        journey.answer(st.Answer(Step.ROLE, Event.FRIEND))
        await settle()
        typed = Options(role=Role.FRIEND, address="192.0.2.99", reverse=True)
        journey.answer(st.Answer(Step.DETAILS, Event.BACK, options=typed))
        await settle()
        journey.answer(st.Answer(Step.ROLE, Event.FRIEND))
        await settle()
        assert front.last.options.address == "192.0.2.99" and front.last.options.reverse

    run(test)


def test_the_role_is_chosen_never_skipped_by_a_key() -> None:
    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        journey.answer(st.Answer(Step.ROLE, Event.NEXT))
        await settle()
        assert journey.flow.step is Step.ROLE

    run(test)


def test_a_signal_while_the_try_closes_is_not_taken_for_back() -> None:
    """Back pressed, then a signal while the try still closes what it opened: the close
    runs to its end and the program stops (it does not go back to the details)."""
    closed: list[str] = []

    async def test(journey: Journey, front: Recorder, task: Any) -> None:
        async def share(stack: Any) -> Any:
            async def close() -> None:
                closed.append("start")
                await asyncio.sleep(0.2)
                closed.append("end")

            stack.push_async_callback(close)
            await asyncio.sleep(10)

        journey._share = share  # type: ignore[method-assign]
        journey.answer(st.Answer(Step.WELCOME, Event.NEXT))
        await settle()
        journey.answer(st.Answer(Step.DETAILS, Event.NEXT))
        await settle()
        journey.answer(st.Answer(Step.WAIT, Event.BACK))
        await asyncio.sleep(0.05)
        journey.answer(st.Answer(Step.WAIT, Event.CANCEL))  # while closing: waits
        journey.signalled()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert closed == ["start", "end"]

    run(test, Options(role=Role.HELPER, port=0, bind="127.0.0.1"))
