"""Binds the journey to the services and to one front end (plain lines now, urwid next).

The front end asks and shows; the controller decides what happens next and owns every
resource (session directory, sockets, processes), so that every path out of the journey
(success, failure, cancel, signal) leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from remote_help import identity, lockout, paths
from remote_help.net import addresses, transport
from remote_help.net.pairing import Listener, Pairing
from remote_help.net.transport import NetError
from remote_help.proto import sas
from remote_help.proto.errors import ProtocolError
from remote_help.proto.handshake import Handshake, Identity, PeerAborted, SameRole
from remote_help.session import contain
from remote_help.session.mux import Ending
from remote_help.tunnel import common, keys, launch, sshd
from remote_help.tunnel.launch import Tunnel
from remote_help.wizard.messages import ending_text, span_text

log = logging.getLogger(__name__)


class Failure(Exception):
    """The journey cannot go on; ``str()`` is what the person reads."""


class Cancelled(Exception):
    """The person cancelled."""


class NoServer(Exception):
    """The caller has no SSH server, and neither have we: nothing could follow a check."""


class LeftEarly(Exception):
    """The caller's side of the check broke off before this side's person answered."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


@dataclass(frozen=True)
class Options:
    role: str | None = None
    address: str | None = None
    reverse: bool = False
    port: int = transport.DEFAULT_PORT
    bind: str | None = None
    sshd: str = sshd.DEFAULT_SSHD
    connect_timeout: float = 60.0
    wait: float = 600.0  # a listening side stops waiting after this long
    code_bits: int = sas.CODE_BITS


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

    role: str
    peer_role: str
    peer_user: str
    peer_address: str


class FrontEnd(Protocol):
    async def warn_friend(self) -> bool: ...
    async def ask_role(self) -> str: ...
    async def ask_address(self, whose: str) -> str: ...
    def listening(self, role: str, port: int, spoken: list[tuple[str, str]]) -> None: ...
    def connecting(self, role: str, address: str, port: int) -> None: ...
    def event(self, text: str) -> None: ...
    async def verify_helper(self, code: str, details: Details) -> bool: ...
    async def verify_friend(self, code: str, details: Details) -> bool: ...
    def waiting_for_peer(self, role: str) -> None: ...
    def setting_up(self, role: str) -> None: ...
    async def run_session(self, role: str, connected: Connected, tunnel: Tunnel,
                          spare: set[int]) -> Ending: ...
    def ended(self, role: str, text: str) -> None: ...


@dataclass
class Journey:
    front: FrontEnd
    options: Options
    session_dir: Path | None = None
    role: str | None = None
    live: bool = False  # a shared session has started
    _pairing: Pairing | None = None
    _listener: Listener | None = None
    _tunnel: Tunnel | None = None
    _privsep_dir: Path | None = None

    async def run(self) -> Ending:
        try:
            return await self._run()
        finally:
            await self._cleanup()

    async def _cleanup(self) -> None:
        if self._listener is not None:
            await self._listener.close()
        if self._pairing is not None:
            self._pairing.close()
        if self._tunnel is not None:
            await self._tunnel.close()
        if self.session_dir is not None:
            if log.isEnabledFor(logging.DEBUG):
                for name in ("sshd.log", "ssh.log"):
                    with contextlib.suppress(OSError):
                        log.debug("%s:\n%s", name, launch.log_tail(self.session_dir / name))
            paths.remove_session_dir(self.session_dir)
        if self._privsep_dir is not None:
            with contextlib.suppress(OSError):
                self._privsep_dir.rmdir()

    async def _run(self) -> Ending:
        opts = self.options
        role = opts.role or await self.front.ask_role()
        self.role = role
        if role == "friend" and not await self.front.warn_friend():
            raise Cancelled
        checks = lockout.CheckLog(_check_log_path())
        until = checks.locked_until()
        if until is not None:
            raise Failure(
                "For your safety, checking is paused until "
                f"{time.strftime('%H:%M', time.localtime(until))}: the last three checks were "
                "interrupted. If that was not you, someone may be interfering."
            )
        address = opts.address
        listens = (role == "helper") != opts.reverse
        if not listens and address is None:
            address = await self.front.ask_address("helper" if role == "friend" else "friend")
        me = self._prepare(role)

        def make_handshake(side: str) -> Handshake:
            return Handshake(side, me, code_bits=opts.code_bits)

        if listens:
            pairing = await self._listen(role, me, lambda: make_handshake("L"), checks)
        else:
            assert address is not None
            pairing = await self._connect(role, address, make_handshake("C"))
            await self._check(role, me, pairing, checks, forgiving=False)
        server = _server_role(me, pairing.peer)
        assert server is not None
        if self._listener is not None:  # verified: nobody else may connect now
            await self._listener.close()
            self._listener = None
        log.debug("verified; %s runs sshd", server)
        self.front.setting_up(role)
        conn = pairing.sock
        self._pairing = None
        assert self.session_dir is not None
        key = keys.KeyPair(self.session_dir / "key", me.public_key)
        try:
            if server == role:
                self._tunnel = await launch.serve(conn, self.session_dir, key, pairing.peer,
                                                  user=me.user, sshd_path=opts.sshd)
            else:
                self._tunnel = await launch.dial(conn, self.session_dir, key, pairing.peer)
        except launch.TunnelError as exc:
            raise Failure(_with_detail(role, str(exc), exc.detail)) from None
        except (sshd.SshdError, keys.ToolMissing, OSError) as exc:
            if role == "helper":
                raise Failure(str(exc) if not isinstance(exc, OSError) else
                              f"The secure connection could not be set up: {exc}") from None
            raise Failure("The secure connection could not be set up on this computer.") \
                from None
        log.debug("secure channel open")
        connected = Connected(role, pairing.peer.role, pairing.peer.user, pairing.peer_address)
        spare = {p.pid for p in self._tunnel.processes}
        self.live = True
        ending = await self.front.run_session(role, connected, self._tunnel, spare)
        if ending.reason == "setup-failed" and role == "helper" and not ending.detail:
            log_name = "sshd.log" if server == role else "ssh.log"
            detail = launch.meaningful_log_line(self.session_dir / log_name)
            ending = Ending(ending.reason, False, detail)
        # Say so at once: the shell is already gone; closing SSH may take a moment more.
        self.front.ended(role, ending_text(role, ending))
        return ending

    def _prepare(self, role: str) -> Identity:
        try:
            user = identity.user_name()
            self.session_dir = paths.make_session_dir()
            # Paths that go into SSH options must need no quoting: find out now, not
            # after the people have compared the words.
            common.safe_path(sys.executable)
            common.safe_path(self.session_dir)
            pair = keys.generate(self.session_dir)
        except (identity.IdentityError, paths.PathError, keys.ToolMissing,
                keys.KeyFailure) as exc:
            raise Failure(str(exc)) from None
        except OSError as exc:
            raise Failure(f"Could not prepare this session: {exc.strerror or exc}.") from None
        except ValueError:
            raise Failure("remote-help cannot run from a folder whose name has spaces or "
                          "unusual characters in it. Install it somewhere else.") from None
        # Root's sshd needs /run/sshd even to check a config; made now, removed at the end.
        if sshd.has_sshd(self.options.sshd):
            self._privsep_dir = sshd.ensure_privsep_dir()
        serves = sshd.can_serve(self.options.sshd, self.session_dir, pair, user)
        return Identity(role, pair.public_key, user, serves)

    async def _listen(self, role: str, me: Identity, make: Callable[[], Handshake],
                      checks: lockout.CheckLog) -> Pairing:
        """Wait for callers and check the code with each in turn until one is verified.

        A caller that leaves before this side's person answered is counted against its
        source only, so a stranger cannot lock the helper out (lockout.LeftEarly)."""
        listener = Listener(make, self.options.port, self.options.bind, self.front.event)
        self._listener = listener
        try:
            port = listener.start()
        except NetError as exc:
            raise Failure(str(exc)) from None
        spoken = addresses.spoken_addresses(self.options.bind)
        self.front.listening(role, port, spoken)
        # Nobody stays open to the network for long: the friend waiting with --reverse
        # least of all. Callers that left early do not extend the wait.
        deadline = asyncio.get_running_loop().time() + self.options.wait
        told_stop = False
        while True:
            try:
                pairing = await self._next_caller(role, listener, deadline)
            except asyncio.CancelledError:
                if told_stop:  # the person stopped after the caller said STOP: it counts
                    checks.record_interrupted()
                raise
            self._pairing = pairing
            try:
                await self._check(role, me, pairing, checks, forgiving=True)
            except LeftEarly as exc:
                self._pairing = None
                text = self._caller_left(role, listener, pairing, exc, checks)
                told_stop = told_stop or _says_stop(exc.cause)
                self.front.listening(role, port, spoken)
                self.front.event(text)
                continue
            return pairing

    def _caller_left(self, role: str, listener: Listener, pairing: Pairing, exc: LeftEarly,
                     checks: lockout.CheckLog) -> str:
        """Count a caller that left early against its source; stop waiting past the
        limit of one wait. Returns what the person reads.

        Ending the wait does not count toward the lock: that would let a stranger with a few
        addresses lock the helper out, and it adds nothing against a man in the middle,
        whose every batch of codes needs a fresh connection from the real caller, whose
        side counts each one."""
        barred = listener.reopen(pairing)
        log.info("check with %s broke off before our person answered: %s",
                 pairing.peer_address, exc)
        if listener.left_early.exhausted:
            raise Failure(_TOO_MANY_LEFT[role]) from None
        return _left_early_text(role, pairing.peer_address, exc.cause, barred)

    async def _next_caller(self, role: str, listener: Listener, deadline: float) -> Pairing:
        left = deadline - asyncio.get_running_loop().time()
        try:
            return await asyncio.wait_for(listener.next_pairing(), max(left, 0))
        except TimeoutError:
            other = "helper" if role == "friend" else "friend"
            raise Failure(f"Your {other} did not connect within "
                          f"{span_text(self.options.wait)}, so this computer stopped "
                          "waiting. Nothing was shared.") from None

    async def _check(self, role: str, me: Identity, pairing: Pairing,
                     checks: lockout.CheckLog, *, forgiving: bool) -> None:
        """Show the words (a listening side tells the caller the code only now) and let
        the people compare them."""
        self._pairing = pairing
        if _server_role(me, pairing.peer) is None:
            await pairing.abort("no-sshd")
            if forgiving:  # any caller can say it has none: say why, and keep waiting
                raise LeftEarly(NoServer())
            raise Failure(_NO_SSHD[role])
        try:
            await pairing.open()
        except (NetError, OSError) as exc:
            if not forgiving:
                raise
            raise LeftEarly(exc) from None  # gone before the words could be shown
        details = Details(me.public_key, pairing.peer.public_key, pairing.peer.user,
                          pairing.peer_address,
                          contain.plan().description if role == "friend" else "")
        await self._verify(role, pairing, details, checks, forgiving=forgiving)

    async def _connect(self, role: str, address: str, handshake: Handshake) -> Pairing:
        port = self.options.port
        self.front.connecting(role, address, port)
        try:
            sock = await transport.connect(address, port, self.options.connect_timeout,
                                           self.front.event)
        except NetError as exc:
            raise Failure(str(exc)) from None
        pairing = Pairing(sock, handshake, address)
        self._pairing = pairing
        try:
            await pairing.exchange()
        except PeerAborted as exc:
            other = "helper" if role == "friend" else "friend"
            text = _ABORTED_EARLY.get(exc.reason, _ABORTED_EARLY["cancelled"])
            raise Failure(text.format(other=other)) from None
        except SameRole as exc:
            await pairing.refuse("same-role")
            raise Failure(str(exc)) from None
        except (NetError, ProtocolError) as exc:
            raise Failure(f"The connection did not work: {exc}") from None
        return pairing

    async def _verify(self, role: str, pairing: Pairing, details: Details,
                      checks: lockout.CheckLog, *, forgiving: bool) -> None:
        """The people compare the code; SSH may start only when both confirmed.

        Every check that does not end verified is recorded: a man in the middle who sees
        the codes differ can drop the connection, or forge a refusal, so that people retry.
        Only on a listening side (``forgiving``), a check the caller broke off before this
        side's person answered raises LeftEarly instead: the caller may be any stranger,
        and the listener counts those per source (docs/decisions.md).
        """
        ask = self.front.verify_helper if role == "helper" else self.front.verify_friend
        person = asyncio.ensure_future(ask(pairing.code, details))  # noqa: TID251
        peer = asyncio.ensure_future(pairing.peer_outcome())  # noqa: TID251
        left_early = False
        try:
            await asyncio.wait([person, peer], return_when=asyncio.FIRST_COMPLETED)
            if peer.done() and (failed := peer.exception()) is not None:
                if forgiving and not person.done():
                    left_early = True
                    raise LeftEarly(failed)
                raise self._peer_failure(role, failed)
            if not await person:
                await pairing.abort("mismatch" if role == "friend" else "refused")
                raise Failure(_REFUSED[role])
            await pairing.confirm()
            if not peer.done():
                self.front.waiting_for_peer(role)
            try:
                await peer
            except Exception as exc:
                raise self._peer_failure(role, exc) from None
        finally:
            for task in (person, peer):
                task.cancel()
            await asyncio.gather(person, peer, return_exceptions=True)
            if not pairing.handshake.verified:
                if not left_early:
                    checks.record_interrupted()
                await pairing.abort("cancelled")  # tells the peer, unless already stopped

    def _peer_failure(self, role: str, exc: BaseException) -> Failure:
        if isinstance(exc, PeerAborted) and exc.reason in _PEER_ABORTED[role]:
            return Failure(_PEER_ABORTED[role][exc.reason])
        return Failure(
            "The check was interrupted. If this happens again, someone may be interfering: "
            + ("hang up and call your helper back on a number you know."
               if role == "friend" else "call your friend back on a number you know.")
        )


def _server_role(me: Identity, peer: Identity) -> str | None:
    """Which person's computer runs sshd: the helper's when it can, else the friend's."""
    helper, friend = (me, peer) if me.role == "helper" else (peer, me)
    if helper.has_sshd:
        return "helper"
    if friend.has_sshd:
        return "friend"
    return None


def _says_stop(cause: BaseException) -> bool:
    """Whether the caller said its person saw the words differ (or refused them)."""
    return isinstance(cause, PeerAborted) and cause.reason in ("mismatch", "refused")


def _left_early_text(role: str, who: str, cause: BaseException, barred: bool) -> str:
    """What the listening person reads when a caller left before they answered.

    The caller may be anyone, so what it says is reported, not believed: the person
    decides (and stopping now counts as an interrupted check)."""
    other = "friend" if role == "helper" else "helper"
    if isinstance(cause, NoServer) and role == "helper":
        text = (f"The computer at {who} could not be helped: neither computer has the SSH "
                "server program. Install it on yours with: sudo apt install openssh-server "
                "(the service can stay turned off).")
    elif isinstance(cause, NoServer):
        text = (f"The computer at {who} could not connect: your helper's computer is missing "
                "a program. Your helper knows what to do.")
    elif _says_stop(cause) and role == "helper":
        text = (f"Your friend's screen said STOP: the words did not match, so nothing was "
                f"shared (the computer at {who} says so). If your friend saw STOP, someone "
                "may be interfering: stop here and call your friend back on a number you "
                "know.")
    elif _says_stop(cause):
        text = (f"Your helper stopped the check, so nothing was shared (the computer at "
                f"{who} says so). If your helper did, stop here, hang up and call your "
                "helper back on a number you know.")
    else:
        text = (f"The computer at {who} left before you answered: forget those words, "
                "nothing was shared.")
    if barred:
        text += f" Connections from {who} are ignored from now on."
    return text + f" Still waiting for your {other}."


def _check_log_path() -> Path | None:
    directory = paths.state_dir()
    return None if directory is None else directory / "checks.json"


def _with_detail(role: str, sentence: str, detail: str) -> str:
    """Technical details are for the helper; the friend reads plain words only."""
    return f"{sentence} ({detail})" if detail and role == "helper" else sentence


_NO_SSHD = {
    "helper": "Neither computer has the SSH server program. Install it on yours with: "
    "sudo apt install openssh-server (the service can stay turned off), then start again.",
    "friend": "Your helper's computer is missing a program. Your helper knows what to do; "
    "start again when they tell you to.",
}
_REFUSED = {
    "friend": "The words did not match, so nothing was shared. Someone may be listening in: "
    "hang up and call your helper back on a number you know.",
    "helper": "You said your friend's screen did not say CORRECT, so nothing was shared. "
    "Call your friend back on a number you know and start again.",
}
_PEER_ABORTED = {
    "helper": {
        "mismatch": "Your friend's screen said STOP: the words did not match, so nothing was "
        "shared. Someone may be interfering; call your friend back on a number you know.",
        "no-sshd": _NO_SSHD["helper"],
    },
    "friend": {
        "refused": "Your helper stopped the connection, so nothing was shared. Hang up and "
        "call your helper back on a number you know.",
        "no-sshd": _NO_SSHD["friend"],
    },
}
_TOO_MANY_LEFT = {
    role: "Several computers connected and left before you answered, so this computer "
    "stopped waiting. Someone may be interfering: call your "
    f"{'friend' if role == 'helper' else 'helper'} back on a number you know. "
    "Nothing was shared."
    for role in ("helper", "friend")
}
_ABORTED_EARLY = {
    "busy": "The other computer is busy with someone else. Check the address with your "
    "{other} and try again.",
    "same-role": "Both of you gave the same answer to 'Who are you?'. One of you must "
    "choose the other answer.",
    "cancelled": "The other side stopped before the check could start.",
    "no-sshd": _NO_SSHD["friend"],
    "locked": "The other computer has paused checking for a while. Try again later.",
}
