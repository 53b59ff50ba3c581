"""What the journey tells the front ends, and what the person answers.

The journey publishes one frozen ``Status`` at a time through one callback; a front end
renders it (a screen, or lines) and sends ``Answer``s back. Neither front end decides what
comes next: wizard/flow.py does, for both. ``status.step`` is the step it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from remote_help.roles import Role
from remote_help.tunnel import keys
from remote_help.wizard.flow import Event, Step
from remote_help.wizard.options import Options


@dataclass(frozen=True)
class Details:
    """What the Details view shows: both keys in full and their fingerprints."""

    my_key: str
    peer_key: str
    peer_user: str
    peer_address: str
    contained_by: str = ""  # the friend's side: how the shell's programs are kept together

    @property
    def my_fingerprint(self) -> str:
        return keys.fingerprint(self.my_key)

    @property
    def peer_fingerprint(self) -> str:
        return keys.fingerprint(self.peer_key)


@dataclass(frozen=True)
class Connected:
    """Who is on the other end, for the 'you are connected' message."""

    role: Role
    peer_role: Role
    peer_user: str
    peer_address: str


@dataclass(frozen=True)
class Status:
    step: Step
    options: Options  # the answers so far (the role among them)

    @property
    def role(self) -> Role:
        return self.options.role or Role.FRIEND

    @property
    def other(self) -> Role:
        return self.options.other


@dataclass(frozen=True)
class Asking(Status):
    """Steps 1-3: the person answers (Next, Back, a role, the details)."""

    last_role: str | None = None  # the role chosen last time on this computer
    # The friend's answers that Enter on the role step takes ("192.168.1.20 port 2300"):
    # the command line's or last time's, never a draft kept from the details step on Back.
    last_address: str = ""


@dataclass(frozen=True)
class Listening(Status):
    port: int = 0
    spoken: tuple[tuple[str, str], ...] = ()  # this computer's addresses, as said aloud


@dataclass(frozen=True)
class Connecting(Status):
    address: str = ""
    port: int = 0


@dataclass(frozen=True)
class News(Status):
    """One line of what is happening while waiting or connecting (shown under the step)."""

    text: str = ""


@dataclass(frozen=True)
class CodeReady(Status):
    """The words to compare: the helper reads them (and answers yes or no), the friend
    types their first letters (the journey compares)."""

    code: str = ""
    details: Details | None = None
    mismatches: int = 0  # the friend's typed words did not match this many times
    tries_left: int = 1  # typings of these words the friend has left, this one included


@dataclass(frozen=True)
class Checked(Status):
    """The friend's typed words were compared: CORRECT or STOP."""

    correct: bool = False
    details: Details | None = None


@dataclass(frozen=True)
class WaitingForPeer(Status):
    """This person confirmed; the other computer has not yet."""


@dataclass(frozen=True)
class SettingUp(Status):
    """Both confirmed: SSH is being started."""


@dataclass(frozen=True)
class Live(Status):
    """The shared session is starting (a front end shows its view now)."""

    connected: Connected | None = None


@dataclass(frozen=True)
class Ended(Status):
    """The shared session is over; ``text`` says how (the connection may still close)."""

    text: str = ""
    ok: bool = False


@dataclass(frozen=True)
class Failed(Status):
    """Nothing more can happen on this try; ``text`` says why and what to do."""

    text: str = ""
    stopped: bool = False  # the friend's screen said STOP


@dataclass(frozen=True)
class Answer:
    """What the person did on the step ``step``: an event of the flow (Next, Back, a role),
    with the details step's edited options, or the answer to the code's question (the
    helper's yes or no, the letters the friend typed)."""

    step: Step
    event: Event | None = None
    options: Options | None = None
    value: bool | str | None = field(default=None)
    remembered: bool = False  # the role step's Enter: last time's answers, all of them
