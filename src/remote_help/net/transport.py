"""TCP on port 2222 (IPv4 and IPv6), with exact reads so no byte meant for SSH is taken."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import errno
import socket
import time
from collections.abc import Callable

from remote_help import aio
from remote_help.net import addresses
from remote_help.sentences import Say, text

DEFAULT_PORT = 2222


class NetError(Exception):
    """A network failure, as one plain sentence."""


def tune(sock: socket.socket) -> None:
    sock.setblocking(False)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)


async def recv_exactly(sock: socket.socket, count: int, deadline: float | None) -> bytes:
    """Read exactly ``count`` bytes; EOF or the deadline raise NetError."""
    loop = asyncio.get_running_loop()
    data = bytearray()
    while len(data) < count:
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise NetError(text(Say.NET_TOO_SLOW))
        try:
            chunk = await aio.wait_for(loop.sock_recv(sock, count - len(data)), timeout)
        except TimeoutError:
            raise NetError(text(Say.NET_TOO_SLOW)) from None
        except OSError as exc:
            raise NetError(text(Say.NET_BROKEN)) from exc
        if not chunk:
            raise NetError(text(Say.NET_CLOSED))
        data += chunk
    return bytes(data)


async def send_all(sock: socket.socket, data: bytes) -> None:
    if not data:
        return
    try:
        await asyncio.get_running_loop().sock_sendall(sock, data)
    except OSError as exc:
        raise NetError(text(Say.NET_BROKEN)) from exc


def open_listener(port: int, bind: str | None) -> list[socket.socket]:
    """Listening sockets for ``bind`` (or every address, IPv6 and IPv4) on ``port``."""
    if bind:
        try:
            infos = socket.getaddrinfo(bind, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
        except socket.gaierror:
            raise NetError(text(Say.NET_NOT_MY_ADDRESS, address=bind)) from None
        families = [(info[0], info[4]) for info in infos[:1]]
    else:
        families = [(socket.AF_INET6, ("::", port, 0, 0)), (socket.AF_INET, ("0.0.0.0", port))]  # noqa: S104
    last_error: OSError | None = None
    for family, address in families:
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:  # e.g. a kernel without IPv6
            last_error = exc
            continue
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and not bind:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            sock.bind(address)
            sock.listen(16)
            sock.setblocking(False)
            return [sock]
        except OSError as exc:
            sock.close()
            last_error = exc
    if last_error is not None and last_error.errno == errno.EADDRINUSE:
        raise NetError(text(Say.NET_PORT_TAKEN, port=port))
    if last_error is not None and last_error.errno == errno.EADDRNOTAVAIL:
        raise NetError(text(Say.NET_NOT_MY_ADDRESS, address=bind))
    reason = last_error.strerror if last_error is not None else "unknown"
    raise NetError(text(Say.NET_CANNOT_LISTEN, port=port, reason=reason))


class Why(enum.Enum):
    """Why a try at connecting failed, as far as this computer can tell."""

    REFUSED = "refused"  # the other computer answered: nothing waits at that port
    NO_NETWORK = "no-network"  # this computer has no way there (no network, no route)
    NO_ANSWER = "no-answer"  # silence (switched off, a firewall, a wrong address)


class Unreached(NetError):
    """Connecting failed until the time ran out; ``why`` says what the last try found."""

    def __init__(self, words: str, why: Why) -> None:
        super().__init__(words)
        self.why = why


NO_NETWORK = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN,
                        errno.EADDRNOTAVAIL})
FINAL = frozenset({errno.EINVAL})  # the address itself cannot work: no retry will help
RETRY_AFTER = (1.0, 2.0, 3.0)  # seconds between tries: soon at first, then calmer


def why_failed(error: BaseException | None) -> Why:
    """What one failed try means for the person."""
    if isinstance(error, ConnectionRefusedError) or (
            isinstance(error, OSError) and error.errno == errno.ECONNREFUSED):
        return Why.REFUSED
    if isinstance(error, OSError) and error.errno in NO_NETWORK:
        return Why.NO_NETWORK
    return Why.NO_ANSWER


async def connect(
    host: str, port: int, give_up_after: float, on_retry: Callable[[Why], None]
) -> socket.socket:
    """Connect, retrying while the other side is not listening yet.

    ``on_retry`` hears why a try failed, once for each change of reason, as soon as it is
    known (a refusal comes back at once: the person reads it within a second or two).
    Tries come 1, 2, then every 3 seconds: quick when the other person is about to be
    ready, without keeping the computer busy for the whole minute."""
    loop = asyncio.get_running_loop()
    deadline = time.monotonic() + give_up_after
    told: Why | None = None
    tries = 0
    if addresses.needs_zone(host):  # it reaches nothing: no minute of "No answer yet"
        raise NetError(text(Say.NET_NEEDS_ZONE, host=host))
    while True:
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            if exc.errno in (socket.EAI_AGAIN, getattr(socket, "EAI_NODATA", None)) and (
                    time.monotonic() < deadline):
                infos = []  # no name service reachable now: maybe no network yet
            else:
                raise NetError(text(Say.NET_BAD_ADDRESS, host=host)) from None
        error: BaseException | None = None
        errors: list[OSError] = []  # every try's, to tell a hopeless address at once
        for family, kind, proto, _, address in infos:
            sock = socket.socket(family, kind, proto)
            tune(sock)
            try:
                remaining = max(0.5, deadline - time.monotonic())
                await aio.wait_for(loop.sock_connect(sock, address), min(remaining, 15))
                return sock
            except (OSError, TimeoutError) as exc:
                sock.close()
                error = exc if isinstance(exc, OSError) else OSError(errno.ETIMEDOUT, "timed out")
                errors.append(error)
        if infos and all(e.errno in FINAL for e in errors):
            raise NetError(text(Say.NET_BAD_ADDRESS, host=host)) from error
        why = why_failed(error) if infos else Why.NO_NETWORK
        if time.monotonic() >= deadline:
            words = (text(Say.NET_NOT_CONNECTED) if why is Why.NO_NETWORK
                     else text(Say.NET_UNREACHABLE, host=host))  # the journey words them
            raise Unreached(words, why) from error
        if why is not told:
            on_retry(why)
            told = why
        pause = RETRY_AFTER[min(tries, len(RETRY_AFTER) - 1)]
        tries += 1
        await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))

