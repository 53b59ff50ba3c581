"""The wizard's transition table: every edge, and the rules around it."""

from __future__ import annotations

import pytest

from remote_help.wizard.flow import TABLE, Event, Flow, Refused, Step

EDGES = sorted(TABLE.items(), key=lambda item: (item[0][0].value, item[0][1].value))


def at(step: Step, role: str | None = None, *, role_given: bool = False) -> Flow:
    flow = Flow(role if role_given else None)
    flow.step = step
    flow.role = role
    return flow


@pytest.mark.parametrize(("edge", "target"), EDGES, ids=str)
def test_every_edge(edge: tuple[Step, Event], target: Step) -> None:
    step, event = edge
    flow = at(step, "friend")
    assert flow.can(event)
    assert flow.fire(event) is target
    assert flow.step is target


def test_the_happy_path_has_seven_steps() -> None:
    flow = Flow()
    seen = [flow.number]
    for event in (Event.NEXT, Event.FRIEND, Event.NEXT, Event.PAIRED, Event.VERIFIED,
                  Event.LIVE):
        flow.fire(event)
        seen.append(flow.number)
    assert seen == [1, 2, 3, 4, 5, 6, 7]
    assert flow.role == "friend"
    assert flow.fire(Event.ENDED) is Step.ENDED
    assert flow.fire(Event.NEXT) is Step.QUIT


@pytest.mark.parametrize("step", [s for s in Step if s is not Step.QUIT])
def test_cancel_works_from_every_step(step: Step) -> None:
    assert at(step).fire(Event.CANCEL) is Step.QUIT


@pytest.mark.parametrize("step", [Step.ROLE, Step.DETAILS, Step.WAIT, Step.VERIFY, Step.SETUP])
def test_back_works_from_every_step_before_the_session(step: Step) -> None:
    flow = at(step)
    before = flow.step.value
    flow.fire(Event.BACK)
    assert flow.step.value < before


def test_back_from_the_network_steps_returns_to_the_details() -> None:
    for step in (Step.WAIT, Step.VERIFY, Step.SETUP):
        assert at(step).fire(Event.BACK) is Step.DETAILS


def test_a_given_role_skips_the_role_step_both_ways() -> None:
    flow = Flow("helper")
    assert flow.fire(Event.NEXT) is Step.DETAILS
    assert flow.fire(Event.BACK) is Step.WELCOME
    assert flow.role == "helper"


def test_the_welcome_and_its_warning_are_never_skipped() -> None:
    flow = Flow("friend")
    assert flow.step is Step.WELCOME
    assert not flow.warned
    for event in (Event.PAIRED, Event.VERIFIED, Event.LIVE, Event.FRIEND):
        with pytest.raises(Refused):
            flow.fire(event)
    assert flow.step is Step.WELCOME
    flow.fire(Event.NEXT)
    assert flow.warned


@pytest.mark.parametrize("step", list(Step))
def test_events_without_meaning_are_refused_and_change_nothing(step: Step) -> None:
    for event in Event:
        flow = at(step)
        if (step, event) not in TABLE:
            with pytest.raises(Refused):
                flow.fire(event)
            assert flow.step is step


def test_a_failure_can_be_retried_from_the_details() -> None:
    flow = at(Step.VERIFY, "friend")
    flow.fire(Event.FAILED)
    assert flow.fire(Event.RETRY) is Step.DETAILS


def test_the_connected_session_cannot_go_back() -> None:
    assert not at(Step.CONNECTED).can(Event.BACK)
    assert at(Step.CONNECTED).on_network


def test_flow_imports_neither_urwid_nor_asyncio() -> None:
    from remote_help.wizard import flow

    source = __import__("pathlib").Path(flow.__file__).read_text()
    assert "import urwid" not in source
    assert "import asyncio" not in source
