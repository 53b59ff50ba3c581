"""The handshake over one TCP connection, with a deadline for every step before people talk."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from remote_help import aio, lockout
from remote_help.net import transport
from remote_help.net.transport import NetError
from remote_help.proto import frames
from remote_help.proto.errors import ProtocolError
from remote_help.proto.handshake import (
    FRAMES_PER_DIRECTION,
    Handshake,
    Identity,
    PeerAborted,
    SameRole,
    State,
)
from remote_help.roles import AbortReason
from remote_help.sentences import Say, text

log = logging.getLogger(__name__)

STEP_DEADLINE = 10.0  # seconds for each machine-to-machine step
HUMAN_DEADLINE = 15 * 60.0  # the people compare the code within this time
LEAVING_DEADLINE = 2.0  # seconds for the rest of a frame once a peer that confirmed spoke
MAX_PENDING = 8  # handshakes in progress at once on a listener
MAX_PENDING_PER_ADDRESS = 2


def describe(address: Any) -> str:
    """A peer address for people: '192.0.2.7' (IPv4-mapped IPv6 shown as IPv4)."""
    host = str(address[0]) if isinstance(address, tuple) else str(address)
    return host.removeprefix("::ffff:")


def source_of(who: str) -> str:
    """The 'computer' an address stands for when counting checks that broke off: the
    IPv4 address, or the IPv6 /64 (one host commonly holds a whole /64)."""
    try:
        address = ipaddress.ip_address(who.split("%", 1)[0])
    except ValueError:
        return who
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


class Pairing:
    """One connection going through the handshake."""

    def __init__(self, sock: socket.socket, handshake: Handshake, peer_address: str) -> None:
        self.sock = sock
        self.handshake = handshake
        self.peer_address = peer_address
        self._reader = frames.FrameReader(max_frames=FRAMES_PER_DIRECTION)
        self._handed_over = False
        self.peer_spoke = False  # something came after the peer's CONFIRM (see peer_leaves)

    @property
    def frames_read(self) -> int:
        return self._reader.frames_read

    @property
    def peer(self) -> Identity:
        assert self.handshake.peer is not None
        return self.handshake.peer

    @property
    def code(self) -> str:
        assert self.handshake.code is not None
        return self.handshake.code

    async def _read_frame(self, deadline: float | None) -> tuple[bytes, dict[str, Any]]:
        while want := self._reader.wanted():
            self._reader.feed(await transport.recv_exactly(self.sock, want, deadline))
        return self._reader.take()

    async def exchange(self) -> None:
        """Run the machine part of the handshake until this side knows the code. A
        listening side stops short of telling it to the caller: see ``open``."""
        hs = self.handshake
        await transport.send_all(self.sock, hs.start())
        while hs.state not in (State.COMPARING, State.READY, State.ABORTED):
            raw, message = await self._read_frame(time.monotonic() + STEP_DEADLINE)
            await transport.send_all(self.sock, hs.receive(raw, message))

    async def open(self) -> None:
        """The listening side shows its person the words now: only now may the caller
        learn the code (a caller that learned codes unseen could collect them)."""
        if self.handshake.state is State.READY:
            await transport.send_all(self.sock, self.handshake.open())

    async def peer_outcome(self) -> None:
        """Wait for the peer's CONFIRM; raises PeerAborted, NetError or ProtocolError."""
        raw, message = await self._read_frame(time.monotonic() + HUMAN_DEADLINE)
        self.handshake.receive(raw, message)

    async def peer_leaves(self) -> None:
        """After the peer's CONFIRM, until this side sends its own: wait for the peer to
        leave. Never returns; raises PeerAborted (its ABORT), NetError (closed, broken) or
        ProtocolError (anything else).

        Nothing is read until the connection has something to read: cancelling this
        while it waits consumes no byte. And whatever comes now is not SSH's: a peer may
        start SSH only once it has read our CONFIRM, which is not sent while this runs
        (the journey stops it first, and checks ``peer_spoke`` then)."""
        await _readable(self.sock, self._spoke)
        reader = frames.FrameReader(max_frames=1)  # the ABORT, past the handshake's three
        while want := reader.wanted():
            reader.feed(await transport.recv_exactly(self.sock, want,
                                                     time.monotonic() + LEAVING_DEADLINE))
        self.handshake.receive(*reader.take())  # an ABORT raises PeerAborted
        raise ProtocolError(text(Say.PROTO_OUT_OF_ORDER))

    def _spoke(self) -> None:
        self.peer_spoke = True

    async def confirm(self) -> None:
        await transport.send_all(self.sock, self.handshake.confirm())

    async def abort(self, reason: AbortReason | str) -> None:
        """Tell the peer we stop (best effort), then close."""
        if self.handshake.state is not State.ABORTED:
            await self._send_quietly(self.handshake.abort(reason))
        self.close()

    async def refuse(self, reason: AbortReason | str) -> None:
        """After a bad frame: tell the peer why (best effort, whatever the state), close."""
        message = {"t": "ABORT", "reason": AbortReason(reason)}
        await self._send_quietly(frames.encode(message))
        self.close()

    async def _send_quietly(self, data: bytes) -> None:
        with contextlib.suppress(NetError, OSError, TimeoutError):
            await aio.wait_for(transport.send_all(self.sock, data), 2)

    def close(self) -> None:
        if not self._handed_over:
            self.sock.close()

    def hand_over(self) -> socket.socket:
        """The verified connection, for SSH: closing the pairing leaves it open."""
        self._handed_over = True
        return self.sock


async def _readable(sock: socket.socket, then: Callable[[], None]) -> None:
    """Until ``sock`` has something to read (or its end): ``then`` is called at once, in
    the event loop's callback, before any other task runs."""
    loop = asyncio.get_running_loop()
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        loop.remove_reader(sock)
        then()
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock, wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock)


_STOPPED = {
    AbortReason.BUSY: Say.NET_PEER_BUSY,
    AbortReason.SAME_ROLE: Say.NET_PEER_SAME_ROLE,
    AbortReason.CANCELLED: Say.NET_PEER_CANCELLED,
}


def failure_text(exc: BaseException) -> str:
    if isinstance(exc, NetError | ProtocolError):
        return str(exc)
    if isinstance(exc, PeerAborted):
        return text(_STOPPED.get(exc.reason, Say.NET_PEER_STOPPED))
    return text(Say.NET_UNEXPECTED)


class Listener:
    """Accepts connections concurrently; hands out the first one whose code is ready."""

    def __init__(
        self,
        make_handshake: Callable[[], Handshake],
        port: int,
        bind: str | None,
        on_event: Callable[[str], None],
    ) -> None:
        self._make_handshake = make_handshake
        self._port = port
        self._bind = bind
        self._on_event = on_event
        self._sockets: list[socket.socket] = []
        self._tasks: set[asyncio.Task[None]] = set()
        # Handshakes in progress, oldest first, with their peer's address.
        self._pending: dict[asyncio.Task[None], tuple[str, Pairing]] = {}
        self._ready: asyncio.Queue[Pairing] = asyncio.Queue()
        self._taken = False
        self.left_early = lockout.LeftEarly()
        self._accepting: list[asyncio.Task[None]] = []

    def start(self) -> int:
        """Start listening; returns the port (useful when 0 was asked)."""
        self._sockets = transport.open_listener(self._port, self._bind)
        for sock in self._sockets:
            self._accepting.append(aio.spawn(self._accept_loop(sock), "accept"))
        return int(self._sockets[0].getsockname()[1])

    async def next_pairing(self) -> Pairing:
        """The next caller whose code is ready; the slot is then taken (others are told
        'busy') until ``reopen``."""
        while True:
            pairing = await self._ready.get()
            if not self.left_early.barred(source_of(pairing.peer_address)):
                self._taken = True
                return pairing
            pairing.close()

    def reopen(self, pairing: Pairing) -> bool:
        """The check with ``pairing`` broke off before this side's person answered: note
        it against its source and take callers again. Returns whether that source is now
        ignored."""
        pairing.close()
        source = source_of(pairing.peer_address)
        self.left_early.record(source)
        self._taken = False
        return self.left_early.barred(source)

    async def _accept_loop(self, listening: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                sock, address = await loop.sock_accept(listening)
            except OSError:
                await asyncio.sleep(0.1)  # e.g. out of file descriptors: keep going
                continue
            transport.tune(sock)
            who = describe(address)
            if self.left_early.barred(source_of(who)):
                # Its checks broke off before anyone answered, too often: dropped without a
                # word, so it learns nothing and the screen is not flooded.
                log.info("ignored a connection from %s: its checks broke off before", who)
                sock.close()
                continue
            if not self._taken:
                self._on_event(text(Say.NET_CONNECTED, who=who))
            if self._taken:
                task = aio.spawn(self._refuse(sock, who), f"refuse {who}")
            else:
                self._make_room(who)
                pairing = Pairing(sock, self._make_handshake(), who)
                task = aio.spawn(self._handle(pairing), f"handshake {who}")
                self._pending[task] = (who, pairing)
                task.add_done_callback(self._forget)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.sleep(0)  # let it read what already arrived before accepting more

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._pending.pop(task, None)

    def _make_room(self, who: str) -> None:
        """Past the limits, drop the oldest handshake in progress from the same address, or
        else from the address with the most. A real peer finishes its part in milliseconds;
        what lingers is junk, so a flood pushes out its own connections, never a newcomer."""
        by_address: dict[str, list[asyncio.Task[None]]] = {}
        for task, (address, _) in self._pending.items():
            by_address.setdefault(address, []).append(task)
        same = by_address.get(who, [])
        if len(same) >= MAX_PENDING_PER_ADDRESS:
            self._drop(self._idlest(same))
        elif len(self._pending) >= MAX_PENDING:
            busiest = max(by_address.values(), key=len)
            self._drop(self._idlest(busiest))

    def _idlest(self, tasks: list[asyncio.Task[None]]) -> asyncio.Task[None]:
        """The oldest of those that have not even sent a first message, else the oldest."""
        silent = [t for t in tasks if self._pending[t][1].frames_read == 0]
        return (silent or tasks)[0]

    def _drop(self, task: asyncio.Task[None]) -> None:
        who, pairing = self._pending.pop(task)
        task.cancel()
        pairing.close()  # the task may not have started: it would never close it itself
        self._on_event(text(Say.NET_DROPPED_SLOW, who=who))

    async def _refuse(self, sock: socket.socket, who: str) -> None:
        self._on_event(text(Say.NET_TURNED_AWAY, who=who))
        pairing = Pairing(sock, self._make_handshake(), who)
        try:
            await pairing.abort(AbortReason.BUSY)
        finally:
            pairing.close()

    async def _handle(self, pairing: Pairing) -> None:
        who = pairing.peer_address
        try:
            await pairing.exchange()
        except asyncio.CancelledError:
            pairing.close()
            raise
        except (NetError, ProtocolError, PeerAborted) as exc:
            self._on_event(text(Say.NET_CLOSED_BECAUSE, who=who, why=failure_text(exc)))
            if isinstance(exc, SameRole):
                await pairing.refuse(AbortReason.SAME_ROLE)
            pairing.close()
            return
        if self._taken:
            await pairing.abort(AbortReason.BUSY)
            return
        await self._ready.put(pairing)

    async def close(self) -> None:
        """Stop listening and drop every connection still in its handshake."""
        await aio.cancel_all(*self._accepting, *list(self._tasks))
        for sock in self._sockets:
            sock.close()
        while not self._ready.empty():
            self._ready.get_nowait().close()
