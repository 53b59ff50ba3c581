"""The seven steps of the journey as one transition table: no urwid, no asyncio, no I/O.

The journey (wizard/controller.py) fires events (what the person answered, what the
services reported) for both front ends, which only show the step they are given.
Everything that decides "what comes next" lives here: ``TABLE`` and ``SKIPPED``. Adding a
step is a member of ``Step``, its rows in the table and its number in ``NUMBERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum, auto

from remote_help.roles import Role


class Step(Enum):
    WELCOME = auto()  # what this does; the friend's warning
    ROLE = auto()  # helper or friend
    DETAILS = auto()  # helper: what the friend must know; friend: the helper's address
    WAIT = auto()  # waiting for, or connecting to, the other computer
    VERIFY = auto()  # the code read aloud and checked
    SETUP = auto()  # setting up the shared session
    CONNECTED = auto()  # the shared terminal
    ENDED = auto()  # the session is over: how it ended
    FAILED = auto()  # something stopped the journey: what and what to do
    QUIT = auto()  # the program ends (nothing was shared, or the ending was read)


# "Step 3 of 7": what people see; the ending screens count as the last step.
NUMBERS = {Step.WELCOME: 1, Step.ROLE: 2, Step.DETAILS: 3, Step.WAIT: 4, Step.VERIFY: 5,
           Step.SETUP: 6, Step.CONNECTED: 7, Step.ENDED: 7, Step.FAILED: 7, Step.QUIT: 7}
STEPS_SHOWN = 7


class Event(Enum):
    NEXT = "next"  # the person pressed Continue
    HELPER = Role.HELPER.value  # "I am helping someone"
    FRIEND = Role.FRIEND.value  # "I need help"
    BACK = "back"
    CANCEL = "cancel"  # the person stops everything
    PAIRED = "paired"  # the other computer answered: there is a code to compare
    UNPAIRED = "unpaired"  # a caller left before this person answered: waiting again
    VERIFIED = "verified"  # both people confirmed the code
    LIVE = "live"  # the shared session started
    ENDED = "ended"  # the shared session ended
    FAILED = "failed"  # the journey cannot go on
    RETRY = "retry"  # after a failure: try again from the details


class Refused(Exception):
    """The event has no meaning at this step (a stale key or a late service report)."""


_STEPS_BEFORE_NETWORK = (Step.WELCOME, Step.ROLE, Step.DETAILS)
_STEPS_ON_NETWORK = (Step.WAIT, Step.VERIFY, Step.SETUP)

TABLE: dict[tuple[Step, Event], Step] = {
    (Step.WELCOME, Event.NEXT): Step.ROLE,
    (Step.ROLE, Event.HELPER): Step.DETAILS,
    (Step.ROLE, Event.FRIEND): Step.DETAILS,
    (Step.ROLE, Event.BACK): Step.WELCOME,
    (Step.ROLE, Event.NEXT): Step.DETAILS,  # only when the role step is skipped
    (Step.DETAILS, Event.NEXT): Step.WAIT,
    (Step.DETAILS, Event.BACK): Step.ROLE,
    (Step.WAIT, Event.PAIRED): Step.VERIFY,
    (Step.WAIT, Event.BACK): Step.DETAILS,
    (Step.VERIFY, Event.VERIFIED): Step.SETUP,
    (Step.VERIFY, Event.UNPAIRED): Step.WAIT,
    (Step.VERIFY, Event.BACK): Step.DETAILS,
    (Step.SETUP, Event.LIVE): Step.CONNECTED,
    (Step.SETUP, Event.BACK): Step.DETAILS,
    (Step.CONNECTED, Event.ENDED): Step.ENDED,
    (Step.ENDED, Event.NEXT): Step.QUIT,
    (Step.FAILED, Event.RETRY): Step.DETAILS,
    (Step.FAILED, Event.NEXT): Step.QUIT,
    # Cancel works from every step; a failure can happen at any step that has started.
    **{(step, Event.CANCEL): Step.QUIT for step in Step if step is not Step.QUIT},
    **{(step, Event.FAILED): Step.FAILED for step in (*_STEPS_ON_NETWORK, Step.CONNECTED)},
}


# A step that is skipped passes the event that reached it on, through its own row:
# the role step, when the role came from the command line (Next goes on to the details,
# Back from the details goes on to the welcome); the details step, on the way forward
# only, while its answers are known and the person has not seen it yet (the command line
# gave the address, or the person accepted last time's answers with Enter): Back from the
# waiting step shows it, so a wrong address can be put right. The welcome is never
# skipped: it carries the friend's warning, and nothing the other computer sends can
# pass it.
FORWARD = (Event.NEXT, Event.HELPER, Event.FRIEND)
SKIPPED: dict[Step, Callable[[Flow, Event], bool]] = {
    Step.ROLE: lambda flow, event: flow.role_given,
    Step.DETAILS: lambda flow, event: flow.details_given and event in FORWARD,
}


class Flow:
    """Where the person is in the journey, and who they are once they said."""

    def __init__(self, role: Role | None = None, *, details_given: bool = False) -> None:
        self.step = Step.WELCOME
        self.role = role
        self.role_given: bool = role is not None
        self.details_given: bool = details_given  # the details step is answered: skipped forward
        self.warned = False  # the person has read the welcome and its warning

    def fire(self, event: Event) -> Step:
        key = (self.step, event)
        if key not in TABLE:
            raise Refused(f"{event.value} at {self.step.name}")
        if self.step is Step.WELCOME and event is Event.NEXT:
            self.warned = True
        if self.step is Step.ROLE and event in (Event.HELPER, Event.FRIEND):
            self.role = Role(event.value)
        step = TABLE[key]
        passed = event
        while step in SKIPPED and SKIPPED[step](self, passed):
            passed = Event.NEXT if passed in FORWARD else passed  # a role is chosen once
            if (step, passed) not in TABLE:
                break
            step = TABLE[step, passed]
        if step is Step.DETAILS:
            self.details_given = False  # seen: from now on it is a step like the others
        self.step = step
        return step

    def can(self, event: Event) -> bool:
        return (self.step, event) in TABLE

    @property
    def on_network(self) -> bool:
        """Something is open to the network: going back or away must close it first."""
        return self.step in _STEPS_ON_NETWORK or self.step is Step.CONNECTED

    @property
    def number(self) -> int:
        """The step number people see ("Step 3 of 7"); the ending screens count as 7."""
        return NUMBERS[self.step]
