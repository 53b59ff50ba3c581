"""The one place a shared session is built: the journey hands over the tunnel and the
front end's view; the front end gets the session's inputs (keys, end, resize) back.

Front ends never import the session or the tunnel: they implement ``SessionView`` and
receive ``Inputs``. A session carries channels by kind; ``BUILDERS`` maps each kind to
what runs it on each side. The shell is the one kind today; screen sharing will be a new
kind with its own view, added as one row here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from remote_help.proto.channels import Inputs, Kind
from remote_help.roles import Role
from remote_help.session.mux import Ending, FriendSession, HelperSession, View
from remote_help.tunnel.launch import Tunnel


class SessionView(View, Protocol):
    """A front end's view of a session: the mux's view, plus what the builder needs."""

    kind: Kind
    term: str  # the friend's side: the terminal type for the shell (TERM)

    def attach(self, inputs: Inputs) -> None:
        """Keys, the end key and resizes go to ``inputs`` from now on."""

    def close(self) -> None:
        """The session is over: let go of the keyboard and the screen."""


class _Session(Inputs, Protocol):
    async def run(self, rfd: int, wfd: int, *, lead: bool) -> Ending: ...


Builder = Callable[[SessionView, str, set[int]], _Session]

BUILDERS: dict[tuple[Kind, Role], Builder] = {
    (Kind.SHELL, Role.FRIEND): lambda view, name, spare: FriendSession(view, name, view.term,
                                                                        spare),
    (Kind.SHELL, Role.HELPER): lambda view, name, spare: HelperSession(view, name),
}


async def run(role: Role, tunnel: Tunnel, view: SessionView, name: str) -> Ending:
    """Run the session of ``view.kind`` for ``role`` over ``tunnel`` until it ends.

    ``name`` is this person's name as the other side's greeting shows it; the tunnel's own
    processes are spared when the friend's shell and everything it started is ended."""
    spare = {p.pid for p in tunnel.processes}
    session = BUILDERS[view.kind, role](view, name, spare)
    view.attach(session)
    try:
        return await session.run(tunnel.rfd, tunnel.wfd, lead=tunnel.lead)
    finally:
        view.close()
