"""Who is who, which side of the connection, and why things end: the program's vocabulary.

Each is a ``compat.StrEnum`` (``enum.StrEnum`` from 3.11, made by hand for Python 3.10),
so a member equals its wire string ("helper" == Role.HELPER), hashes like it (a
dict keyed by strings finds it), is written as that string by ``json.dumps``, and prints as
it (``__str__`` and ``__format__`` give the value on every Python version; 3.11 changed
what ``format`` of a mixed-in enum gives). Values read from the other computer are turned
into members where they are decoded (``Role(value)`` raises ``ValueError`` for anything
else), so past that point a role is always one of these.

A bottom-layer module: it imports nothing from remote_help but compat.
"""

from __future__ import annotations

from remote_help.compat import StrEnum


class _Word(StrEnum):
    """A member that is its value wherever a string is expected."""


class Role(_Word):
    """Who a person is in a session."""

    HELPER = "helper"  # the technical person, who is let in
    FRIEND = "friend"  # the person whose computer it is

    @property
    def other(self) -> Role:
        """The other person's role."""
        return Role.FRIEND if self is Role.HELPER else Role.HELPER

    def listens(self, reverse: bool) -> bool:
        """Whether this side waits for the other to connect: the helper does, unless the
        connection is reversed (then the friend waits)."""
        return (self is Role.HELPER) != reverse


class Side(_Word):
    """Which end of the TCP connection (the handshake's roles, DESIGN section 4)."""

    CONNECTED = "C"  # this side connected to the other
    LISTENED = "L"  # this side waited and the other connected to it

    @property
    def other(self) -> Side:
        return Side.LISTENED if self is Side.CONNECTED else Side.CONNECTED

    @classmethod
    def of(cls, role: Role, reverse: bool) -> Side:
        """The side a person with ``role`` takes."""
        return cls.LISTENED if role.listens(reverse) else cls.CONNECTED


class EndReason(_Word):
    """Why a session ended (``session.mux.Ending.reason``). The first four also travel in
    the session stream's BYE message (``BYE_REASONS``); the others are found locally."""

    FRIEND_ENDED = "friend-ended"  # the friend pressed the end key
    HELPER_ENDED = "helper-ended"  # the helper pressed the end key
    SHELL_EXITED = "shell-exited"  # the friend's shell exited
    ERROR = "error"  # something went wrong (a BYE error, or a message out of place)
    LOST = "lost"  # the connection broke during the session
    SETUP_FAILED = "setup-failed"  # the session never started
    CLOSED_EARLY = "closed-early"  # the connection closed before the session started

    @classmethod
    def ended_by(cls, role: Role) -> EndReason:
        """The reason when the person with ``role`` ended the session."""
        return cls.FRIEND_ENDED if role is Role.FRIEND else cls.HELPER_ENDED

    @property
    def normal(self) -> bool:
        """The session ended as it should (exit status 0): a person ended it, or the shell
        exited."""
        return self in (EndReason.FRIEND_ENDED, EndReason.HELPER_ENDED,
                        EndReason.SHELL_EXITED)


BYE_REASONS = frozenset({EndReason.FRIEND_ENDED, EndReason.HELPER_ENDED,
                         EndReason.SHELL_EXITED, EndReason.ERROR})


class AbortReason(_Word):
    """Why a side stopped the handshake before the session (its ABORT message)."""

    CANCELLED = "cancelled"  # the person pressed cancel or closed the program
    BACK = "back"  # the person went back to start again (reported, never believed)
    MISMATCH = "mismatch"  # the friend's typed code did not match: STOP
    REFUSED = "refused"  # the helper said the friend's screen did not say CORRECT
    BUSY = "busy"  # the listener is already checking a code with someone else
    SAME_ROLE = "same-role"  # both sides chose the same role
    NO_SSHD = "no-sshd"  # neither computer has an SSH server program
    LOCKED = "locked"  # checking is locked after repeated interruptions
    TIMEOUT = "timeout"  # a person did not answer in time
    ERROR = "error"  # anything else that went wrong locally
