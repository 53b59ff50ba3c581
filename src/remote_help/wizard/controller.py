"""The journey: every step from the welcome to the end, for both front ends.

The journey owns the flow of steps (wizard/flow.py), the options, the code check and
every resource opened on the network's side (session directory, listener,
privilege-separation directory, tunnel): each is registered on one exit stack as it is
opened, so every path out of a try (success, failure, Back, cancel, signal) leaves
nothing behind. Front ends render what it publishes (wizard/status.py) and send the
person's answers back with ``answer``; they never import the services.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from remote_help import aio, identity, lockout, paths, settings
from remote_help.aio import spawn
from remote_help.net import addresses, transport
from remote_help.net.pairing import Listener, Pairing
from remote_help.net.transport import NetError
from remote_help.proto import sas
from remote_help.proto.errors import ProtocolError
from remote_help.proto.handshake import Handshake, Identity, PeerAborted, SameRole
from remote_help.roles import AbortReason, EndReason, Role, Side
from remote_help.sentences import Say, text
from remote_help.session import contain
from remote_help.session import run as session_run
from remote_help.session.mux import Ending
from remote_help.session.run import SessionView
from remote_help.tunnel import common, keys, launch, sshd
from remote_help.tunnel.launch import Tunnel
from remote_help.wizard.flow import Event, Flow, Refused, Step
from remote_help.wizard.messages import ending_text, span_text
from remote_help.wizard.options import Options, merged, to_save, with_port
from remote_help.wizard.status import (
    Answer,
    Asking,
    Checked,
    CodeReady,
    Connected,
    Connecting,
    Details,
    Ended,
    Failed,
    Listening,
    Live,
    News,
    SettingUp,
    Status,
    WaitingForPeer,
)

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
TRIES = 3  # typings of the same words before the friend's screen says STOP


class Failure(Exception):
    """The journey cannot go on; ``str()`` is what the person reads."""


class NoServer(Exception):
    """The caller has no SSH server, and neither have we: nothing could follow a check."""


class LeftEarly(Exception):
    """The caller's side of the check broke off before this side's person answered."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class FrontEnd(Protocol):
    """A front end: shows each status the journey publishes, and hands over a view when
    a shared session starts. Answers go back through ``Journey.answer``."""

    def show(self, status: Status) -> None: ...
    def session_view(self, live: Live) -> SessionView: ...


@dataclass(frozen=True)
class Outcome:
    """How the program ends: its exit status, and the last words for the person."""

    code: int
    words: str
    cancelled: bool = False  # the person (or a signal) stopped before anything was shared


_NETWORK_STEPS = (Step.WAIT, Step.VERIFY, Step.SETUP, Step.CONNECTED)


class Journey:
    """One run of remote-help, from the welcome to the last screen."""

    def __init__(self, front: FrontEnd, given: Options,
                 saved: settings.Settings | None = None, *,
                 defaults: settings.Settings | None = None,
                 skips_answered: bool = False) -> None:
        """``saved``: what the person decided before anything started (cli), else what
        was saved; ``defaults``: what of it fills in the answers, if not all of it (line
        mode shows no saved address: it uses none). What is saved at the end keeps the
        rest of ``saved`` (a helper keeps the friend's answers of this computer).
        ``skips_answered``: the details step is skipped on the way forward when its
        answers are known (the full screen; line mode asks its warning there)."""
        self.front = front
        self.given = given  # the command line's answers
        self.saved = saved if saved is not None else settings.load()
        self.defaults = defaults if defaults is not None else self.saved
        self.options = merged(given, self.defaults)
        self.skips_answered = skips_answered
        self.flow = Flow(given.role, details_given=skips_answered and self._answered(given))
        self.live = False  # a shared session has started
        self.outcome = Outcome(EXIT_FAILED, text(Say.WIZARD_CANCELLED), cancelled=True)
        self.stopped_at_check = False  # the friend's screen said STOP
        self._answers: asyncio.Queue[Answer | None] = asyncio.Queue()  # None: a crash
        self._question: asyncio.Future[Answer] | None = None
        self._attempt: asyncio.Task[Ending] | None = None
        self._stopped_by: Event | None = None  # Back or Cancel while on the network
        self._unwinding = False  # the try is closing what it opened: not to be cut short
        self._signalled = False  # a signal stops the program: never taken as Back
        self._crash: BaseException | None = None

    # -- what the front ends call -------------------------------------------------------

    def answer(self, answer: Answer) -> None:
        """The person did something on ``answer.step``. Answers that mean nothing at the
        step the journey is at (a late key, a screen already replaced) are dropped."""
        event = answer.event
        attempt = None if self._unwinding else self._attempt
        if event in (Event.BACK, Event.CANCEL) and attempt is not None and (
                self.flow.step in _NETWORK_STEPS):
            if self.flow.can(event):
                # Each press cancels again: asyncio may drop a cancel that meets a result
                # (a caller paired in the same instant); the first press says what for.
                self._stopped_by = self._stopped_by or event
                attempt.cancel()
            return
        if answer.step is not self.flow.step:
            log.debug("answer for %s at %s dropped", answer.step, self.flow.step)
            return
        if event is None and self._question is not None and not self._question.done():
            self._question.set_result(answer)
        elif event is not None:
            self._answers.put_nowait(answer)

    def keep_answers(self) -> None:
        """The connection worked: the answers become next time's defaults."""
        settings.save(to_save(self.options, self.saved))

    def addresses(self) -> list[tuple[str, str]]:
        """This computer's addresses as people say them (the details step shows them)."""
        return addresses.spoken_addresses(self.options.bind)

    def abort(self, exc: BaseException) -> None:
        """Something broke in a front end: stop in order, then raise ``exc`` from run."""
        if self._crash is not None:
            return
        self._crash = exc
        if self._attempt is not None and not self._unwinding:
            self._attempt.cancel()
        self._answers.put_nowait(None)

    def signalled(self) -> None:
        """A signal (a closed window, Ctrl+C in line mode) is about to stop the program:
        the cancel that follows is never taken for the person's Back."""
        self._signalled = True

    def _honour_stop(self) -> None:
        """A Back or Cancel whose cancel asyncio dropped (it met a result) is acted on at
        the next step of the try."""
        if self._stopped_by is not None:
            raise asyncio.CancelledError

    # -- the steps ----------------------------------------------------------------------

    async def run(self) -> Outcome:
        self._publish_step()
        while self.flow.step is not Step.QUIT:
            if self.flow.step is Step.WAIT:
                await self._try()
            else:
                self._apply(await self._next_answer())
            self._raise_crash()
        return self.outcome

    def _publish_step(self) -> None:
        """Steps 1-3 are questions: say which, with the answers so far."""
        if self.flow.step in (Step.WELCOME, Step.ROLE, Step.DETAILS):
            last = self.options.for_role(Role.FRIEND, self.given, self.defaults)
            address = with_port(last.address, last.port) if last.address else ""
            self.front.show(Asking(self.flow.step, self.options, last_role=self.saved.role,
                                   last_address=address))

    async def _next_answer(self) -> Answer:
        answer = await self._answers.get()
        self._raise_crash()
        assert answer is not None
        return answer

    def _raise_crash(self) -> None:
        if self._crash is not None:
            raise self._crash

    def _apply(self, answer: Answer) -> None:
        """An answer on steps 1-3, or on the last screens."""
        event = answer.event
        assert event is not None
        step = self.flow.step
        if answer.step is not step or not self.flow.can(event):
            return  # given on a step the journey has left since (it was queued)
        if step is Step.ROLE and event is Event.NEXT:
            return  # the role is chosen, not skipped by a key (the flow skips it itself)
        chosen = Role(event.value) if event in (Event.FRIEND, Event.HELPER) else None
        if step is Step.ROLE and chosen is not None and (
                chosen != self.options.role or answer.remembered):
            # (Enter: last time's answers, as the role step shows them, not a draft kept
            # from the details step before Back)
            self.options = self.options.for_role(chosen, self.given, self.defaults)
        if step is Step.ROLE and chosen is not None and self.skips_answered:
            # Enter on the role step takes last time's answers: the address among them.
            self.flow.details_given = answer.remembered and self._answered(self.options)
        if step is Step.DETAILS and answer.options is not None:  # kept on Back too
            self.options = replace(answer.options, role=self.options.role,
                                   role_given=self.options.role_given)
        if step in (Step.WELCOME, Step.ROLE, Step.DETAILS) and event is Event.CANCEL:
            self.outcome = Outcome(EXIT_FAILED, text(Say.WIZARD_CANCELLED), cancelled=True)
        self.flow.fire(event)
        self._publish_step()

    @staticmethod
    def _answered(options: Options) -> bool:
        """Whether the details step has nothing left to ask: this computer connects, and
        the other one's address is known."""
        return options.role is not None and not options.listens and bool(options.address)

    def _fire(self, event: Event) -> None:
        """A service's report: moves the flow when it means something at this step."""
        with contextlib.suppress(Refused):
            self.flow.fire(event)

    async def _try(self) -> None:
        """Step 4 onwards: one try at connecting and sharing, until it ends, fails, or the
        person goes back or stops."""
        self._stopped_by = None
        self._unwinding = False
        self.stopped_at_check = False
        self._attempt = spawn(self._connect_and_share(), "attempt", expected=(Failure,))
        try:
            await self._attempt
        except asyncio.CancelledError:
            event, self._stopped_by = self._stopped_by, None
            self._raise_crash()
            if event is None or self._signalled or _cancelled_from_outside():
                raise  # stopped from outside (a signal)
            self.flow.fire(event)
            if event is Event.CANCEL:
                self.outcome = Outcome(EXIT_FAILED, text(Say.WIZARD_CANCELLED), cancelled=True)
            self._publish_step()
            return
        except Failure as exc:
            words = str(exc) or text(Say.WIZARD_STOPPED)
            self.outcome = Outcome(EXIT_FAILED, words)
            self.flow.fire(Event.FAILED)
            self.front.show(Failed(Step.FAILED, self.options, text=words,
                                   stopped=self.stopped_at_check))
            return
        finally:
            self._attempt = None
        if self.flow.step is not Step.ENDED:  # ended before the session began
            self.flow.fire(Event.FAILED)
            self.front.show(Failed(Step.FAILED, self.options, text=self.outcome.words))

    async def _connect_and_share(self) -> Ending:
        stack = contextlib.AsyncExitStack()
        try:
            ending = await self._share(stack)
        finally:
            # Whatever ended the try, what it opened is closed to the end: a key or a
            # signal meanwhile waits for it (a process left running, a port left open).
            self._unwinding = True
            await aio.to_the_end(stack.aclose())
        return ending

    async def _share(self, stack: contextlib.AsyncExitStack) -> Ending:
        opts = self.options
        role = opts.role or Role.FRIEND
        checks = lockout.CheckLog(_check_log_path())
        until = checks.locked_until()
        if until is not None:
            raise Failure(text(Say.WIZARD_LOCKED_OUT,
                               time=time.strftime("%H:%M", time.localtime(until))))
        me, session_dir = self._prepare(stack, role)

        def make_handshake(side: Side) -> Handshake:
            return Handshake(side, me, code_bits=opts.code_bits)

        if opts.listens:
            listener = Listener(lambda: make_handshake(Side.LISTENED), opts.port, opts.bind,
                                self._news)
            stack.push_async_callback(listener.close)
            pairing = await self._listen(stack, role, me, listener, checks)
            await listener.close()  # verified: nobody else may connect now
            self._honour_stop()
        else:
            pairing = await self._connect(stack, role, opts.address or "",
                                          make_handshake(Side.CONNECTED))
            self._honour_stop()
            await self._check(role, me, pairing, checks, forgiving=False)
            self._honour_stop()
        server = _server_role(me, pairing.peer)
        assert server is not None
        log.debug("verified; %s runs sshd", server)
        self._fire(Event.VERIFIED)
        self._show(SettingUp, Step.SETUP)
        tunnel = await self._open_tunnel(stack, role, server=server, me=me, pairing=pairing,
                                         session_dir=session_dir)
        self._honour_stop()
        log.debug("secure channel open")
        connected = Connected(role, pairing.peer.role, pairing.peer.user, pairing.peer_address)
        ending = await self._session(role, connected, tunnel)
        if (ending.reason in (EndReason.SETUP_FAILED, EndReason.CLOSED_EARLY)
                and role is Role.HELPER and not ending.detail):
            log_name = "sshd.log" if server == role else "ssh.log"
            detail = launch.meaningful_log_line(session_dir / log_name)
            ending = Ending(ending.reason, False, detail)
        # Say so at once: the shell is already gone; closing SSH may take a moment more.
        words = ending_text(role, ending)
        self.outcome = Outcome(EXIT_OK if ending.ok else EXIT_FAILED, words)
        self._fire(Event.ENDED)
        self.front.show(Ended(Step.ENDED, self.options, text=words, ok=ending.ok))
        return ending

    def _show(self, kind: Callable[..., Status], step: Step, **values: Any) -> None:
        self.front.show(kind(step, self.options, **values))

    def _news(self, words: str) -> None:
        self._show(News, self.flow.step, text=words)

    async def _session(self, role: Role, connected: Connected, tunnel: Tunnel) -> Ending:
        """Step 7: the shared session, in the front end's view, until it ends."""
        self._fire(Event.LIVE)
        self.live = True
        self.keep_answers()
        live = Live(Step.CONNECTED, self.options, connected=connected)
        self.front.show(live)
        view = self.front.session_view(live)
        return await session_run.run(role, tunnel, view, identity.display_name())

    async def _open_tunnel(self, stack: contextlib.AsyncExitStack, role: Role, *,
                           server: Role, me: Identity, pairing: Pairing,
                           session_dir: Path) -> Tunnel:
        """SSH over the connection the check ran on: the tunnel owns it from now on."""
        conn = pairing.sock  # handed over once the tunnel has it: closed by the stack else
        key = keys.KeyPair(session_dir / "key", me.public_key)
        try:
            if server == role:
                tunnel = await launch.serve(conn, session_dir, key, pairing.peer,
                                            user=me.user, sshd_path=self.options.sshd)
            else:
                tunnel = await launch.dial(conn, session_dir, key, pairing.peer)
        except launch.TunnelError as exc:
            # The other person leaving now (Q, Ctrl+Alt+C, a closed window) closes the
            # connection under SSH: say that, not only that SSH failed.
            sentence = text(Say.SETUP_PEER_LEFT, role) if exc.peer_left else str(exc)
            raise Failure(_with_detail(role, sentence, exc.detail)) from None
        except (sshd.SshdError, keys.ToolMissing, OSError) as exc:
            if role is Role.HELPER:
                raise Failure(str(exc) if not isinstance(exc, OSError) else
                              text(Say.WIZARD_SETUP_FAILED_BECAUSE, reason=exc)) from None
            raise Failure(text(Say.WIZARD_SETUP_FAILED_HERE)) from None
        pairing.hand_over()
        stack.push_async_callback(tunnel.close)
        return tunnel

    def _prepare(self, stack: contextlib.AsyncExitStack, role: Role) -> tuple[Identity, Path]:
        try:
            user = identity.user_name()
            session_dir = paths.make_session_dir()
            stack.callback(_remove_session_dir, session_dir)
            # Paths that go into SSH options must need no quoting: find out now, not
            # after the people have compared the words.
            common.safe_path(sys.executable)
            common.safe_path(session_dir)
            pair = keys.generate(session_dir)
        except (identity.IdentityError, paths.PathError, keys.ToolMissing,
                keys.KeyFailure) as exc:
            raise Failure(str(exc)) from None
        except OSError as exc:
            raise Failure(text(Say.WIZARD_CANNOT_PREPARE,
                               reason=exc.strerror or exc)) from None
        except ValueError:
            raise Failure(text(Say.WIZARD_UNUSUAL_FOLDER)) from None
        # Root's sshd needs /run/sshd even to check a config; made now, removed at the end.
        if sshd.has_sshd(self.options.sshd):
            privsep = sshd.ensure_privsep_dir()
            if privsep is not None:
                stack.callback(_remove_empty_dir, privsep)
        serves = sshd.can_serve(self.options.sshd, session_dir, pair, user)
        return Identity(role, pair.public_key, user, serves), session_dir

    async def _listen(self, stack: contextlib.AsyncExitStack, role: Role, me: Identity,
                      listener: Listener, checks: lockout.CheckLog) -> Pairing:
        """Wait for callers and check the code with each in turn until one is verified.

        A caller that leaves before this side's person answered is counted against its
        source only, so a stranger cannot lock the helper out (lockout.LeftEarly)."""
        try:
            port = listener.start()
        except NetError as exc:
            raise Failure(str(exc)) from None
        spoken = tuple(addresses.spoken_addresses(self.options.bind))
        self._show(Listening, Step.WAIT, port=port, spoken=spoken)
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
            _own(stack, pairing)
            try:
                await self._check(role, me, pairing, checks, forgiving=True)
            except LeftEarly as exc:
                words = self._caller_left(role, listener, pairing, exc, checks)
                told_stop = told_stop or _says_stop(exc.cause)
                self._fire(Event.UNPAIRED)  # waiting again
                self._show(Listening, Step.WAIT, port=port, spoken=spoken)
                self._news(words)
                continue
            return pairing

    def _caller_left(self, role: Role, listener: Listener, pairing: Pairing, exc: LeftEarly,
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
            raise Failure(text(Say.WIZARD_TOO_MANY_LEFT, role)) from None
        return _left_early_text(role, pairing.peer_address, exc.cause, barred)

    async def _next_caller(self, role: Role, listener: Listener, deadline: float) -> Pairing:
        left = deadline - asyncio.get_running_loop().time()
        try:
            return await aio.wait_for(listener.next_pairing(), max(left, 0))
        except TimeoutError:
            raise Failure(text(Say.WIZARD_NOBODY_CONNECTED, role,
                               span=span_text(self.options.wait))) from None

    async def _check(self, role: Role, me: Identity, pairing: Pairing,
                     checks: lockout.CheckLog, *, forgiving: bool) -> None:
        """Show the words (a listening side tells the caller the code only now) and let
        the people compare them."""
        if _server_role(me, pairing.peer) is None:
            await pairing.abort("no-sshd")
            if forgiving:  # any caller can say it has none: say why, and keep waiting
                raise LeftEarly(NoServer())
            raise Failure(text(Say.WIZARD_NO_SSHD, role))
        try:
            await pairing.open()
        except (NetError, OSError) as exc:
            if not forgiving:
                raise
            raise LeftEarly(exc) from None  # gone before the words could be shown
        details = Details(me.public_key, pairing.peer.public_key, pairing.peer.user,
                          pairing.peer_address,
                          contain.plan().description if role is Role.FRIEND else "")
        await self._verify(role, pairing, details, checks, forgiving=forgiving)

    async def _connect(self, stack: contextlib.AsyncExitStack, role: Role, address: str,
                       handshake: Handshake) -> Pairing:
        port = self.options.port
        self._show(Connecting, Step.WAIT, address=address, port=port)
        where = with_port(address, port)  # as the person typed it and was told it

        def retrying(why: transport.Why) -> None:
            self._news(_retry_text(role, why, where))

        try:
            sock = await transport.connect(address, port, self.options.connect_timeout,
                                           retrying)
        except transport.Unreached as exc:
            raise Failure(_gave_up_text(role, exc, where)) from None
        except NetError as exc:
            raise Failure(str(exc)) from None
        pairing = Pairing(sock, handshake, address)
        _own(stack, pairing)
        try:
            await pairing.exchange()
        except PeerAborted as exc:
            raise Failure(_aborted_early_text(role, exc.reason)) from None
        except SameRole as exc:
            await pairing.refuse("same-role")
            raise Failure(str(exc)) from None
        except (NetError, ProtocolError) as exc:
            raise Failure(text(Say.WIZARD_CONNECTION_FAILED, reason=exc)) from None
        return pairing

    async def _verify(self, role: Role, pairing: Pairing, details: Details,
                      checks: lockout.CheckLog, *, forgiving: bool) -> None:
        """The people compare the code; SSH may start only when both confirmed.

        A check that does not end verified is recorded for the lockout when nobody at this
        computer stopped it: a man in the middle who sees the codes differ can drop the
        connection, or forge a refusal, so that people retry. The STOP of the check (the
        friend's third mismatch, the helper's No) counts too: it is his sign. A Back, Q,
        Ctrl+Alt+C or a signal here (a closed window) does not count: the person chose it,
        and each new try needs both people to read and type new words. What the peer says
        (its ABORT's reason) never exempts anything. Only on a listening side
        (``forgiving``), a check the caller broke off before this side's person answered
        raises LeftEarly instead: the caller may be any stranger, and the listener counts
        those per source (docs/decisions.md).
        """
        person = asyncio.ensure_future(self._ask_person(role, pairing.code, details))  # noqa: TID251
        peer = asyncio.ensure_future(pairing.peer_outcome())  # noqa: TID251
        watch: asyncio.Future[None] | None = None
        left_early = False
        stopped_here = False  # this computer's person (or a signal) stopped the check
        try:
            await asyncio.wait([person, peer], return_when=asyncio.FIRST_COMPLETED)
            if peer.done() and peer.exception() is None and not person.done():
                # The peer confirmed and our person has not answered: keep watching the
                # connection, so that a peer who leaves now is seen now.
                watch = asyncio.ensure_future(pairing.peer_leaves())  # noqa: TID251
                await asyncio.wait([person, watch], return_when=asyncio.FIRST_COMPLETED)
                if pairing.peer_spoke and not watch.done():
                    await asyncio.wait([watch])  # the rest of its frame, a short deadline
            failed = _failure_of(peer) or _failure_of(watch)
            if failed is not None:
                if forgiving and not person.done():
                    left_early = True
                    raise LeftEarly(failed)
                raise self._peer_failure(role, failed)
            if watch is not None:
                watch.cancel()  # nothing was read: what comes after our CONFIRM is SSH's
            if not await person:
                await pairing.abort(AbortReason.MISMATCH if role is Role.FRIEND
                                    else AbortReason.REFUSED)
                raise Failure(text(Say.WIZARD_REFUSED, role))
            try:
                await pairing.confirm()
            except (NetError, OSError) as exc:  # the other side went in that instant
                raise self._peer_failure(role, exc) from None
            if not peer.done():
                self._show(WaitingForPeer, Step.VERIFY)
            try:
                await peer
            except Exception as exc:
                raise self._peer_failure(role, exc) from None
        except asyncio.CancelledError:
            # Back, Q, Ctrl+Alt+C, a signal: this computer's own. A crash is counted: it
            # is unexpected, and whatever caused it is not known to be from here.
            stopped_here = self._crash is None and (
                self._stopped_by is not None or self._signalled or _cancelled_from_outside())
            raise
        finally:
            # Recorded before anything is awaited: a cancel meanwhile cannot skip it.
            if not pairing.handshake.verified and not left_early and not stopped_here:
                checks.record_interrupted()
            tasks = [task for task in (person, peer, watch) if task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if not pairing.handshake.verified:
                # Tells the peer, unless already stopped; Back is said as such.
                await pairing.abort(AbortReason.BACK if self._stopped_by is Event.BACK
                                    else AbortReason.CANCELLED)

    async def _ask_person(self, role: Role, code: str, details: Details) -> bool:
        """The helper says whether the friend's screen said CORRECT; the friend types the
        first letters of the words, and the journey compares them here.

        A mismatch lets the friend type the same words again, up to TRIES times: the code
        is fixed for this connection (both sides were bound before it existed), so typing
        it again gives a man in the middle no new chance; only a new connection would, and
        that needs the people to start again. The typed letters never leave this computer.
        """
        self._fire(Event.PAIRED)
        for mismatches in range(TRIES):
            answer = await self._ask(CodeReady(Step.VERIFY, self.options, code=code,
                                               details=details, mismatches=mismatches,
                                               tries_left=TRIES - mismatches))
            if role is Role.HELPER:
                return answer.value is True
            correct = sas.matches(str(answer.value or ""), code)
            if correct or mismatches + 1 == TRIES:
                break
            log.info("the typed words did not match (%d of %d)", mismatches + 1, TRIES)
        self.stopped_at_check = not correct
        self.front.show(Checked(Step.VERIFY, self.options, correct=correct, details=details))
        return correct

    async def _ask(self, status: Status) -> Answer:
        """Show ``status`` and wait for the person's answer to it."""
        self._question = asyncio.get_running_loop().create_future()
        try:
            self.front.show(status)
            return await self._question
        finally:
            self._question = None

    def _peer_failure(self, role: Role, exc: BaseException) -> Failure:
        if isinstance(exc, PeerAborted) and exc.reason in _PEER_ABORTED[role]:
            return Failure(text(_PEER_ABORTED[role][exc.reason], role))
        return Failure(text(Say.WIZARD_INTERRUPTED, role))




def _failure_of(task: asyncio.Future[None] | None) -> BaseException | None:
    """What a finished task of the peer's side raised (None: not finished, or fine)."""
    if task is None or not task.done() or task.cancelled():
        return None
    return task.exception()


def _cancelled_from_outside() -> bool:
    """Whether the journey's own task is being cancelled (Python 3.11 and newer can tell;
    on 3.10 cli's signal handler says so through ``Journey.signalled``)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if callable(cancelling) else False


def _own(stack: contextlib.AsyncExitStack, pairing: Pairing) -> None:
    """The pairing's connection is closed at the end of the try, unless the tunnel took
    it (closing twice is harmless: a caller that left was closed by the listener)."""
    stack.callback(pairing.close)


def _remove_session_dir(session_dir: Path) -> None:
    if log.isEnabledFor(logging.DEBUG):
        for name in ("sshd.log", "ssh.log"):
            with contextlib.suppress(OSError):
                log.debug("%s:\n%s", name, launch.log_tail(session_dir / name))
    paths.remove_session_dir(session_dir)


def _remove_empty_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        directory.rmdir()


def _server_role(me: Identity, peer: Identity) -> Role | None:
    """Which person's computer runs sshd: the helper's when it can, else the friend's."""
    helper, friend = (me, peer) if me.role is Role.HELPER else (peer, me)
    if helper.has_sshd:
        return Role.HELPER
    if friend.has_sshd:
        return Role.FRIEND
    return None


def _says_stop(cause: BaseException) -> bool:
    """Whether the caller said its person saw the words differ (or refused them)."""
    return isinstance(cause, PeerAborted) and cause.reason in ("mismatch", "refused")


def _left_early_text(role: Role, who: str, cause: BaseException, barred: bool) -> str:
    """What the listening person reads when a caller left before they answered.

    The caller may be anyone, so what it says is reported, not believed: the person
    decides (and stopping now counts as an interrupted check)."""
    if isinstance(cause, NoServer):
        said = text(Say.WIZARD_LEFT_NO_SERVER, role, who=who)
    elif _says_stop(cause):
        said = text(Say.WIZARD_LEFT_SAID_STOP, role, who=who)
    elif isinstance(cause, PeerAborted) and cause.reason is AbortReason.CANCELLED:
        said = text(Say.CHECK_LEFT_CLOSED, role, who=who)  # reported, not believed
    elif isinstance(cause, PeerAborted) and cause.reason is AbortReason.BACK:
        said = text(Say.CHECK_LEFT_WENT_BACK, role, who=who)
    else:
        said = text(Say.WIZARD_LEFT_EARLY, who=who)
    sentences = [said]
    if barred:
        sentences.append(text(Say.WIZARD_LEFT_BARRED, who=who))
    sentences.append(text(Say.WIZARD_STILL_WAITING, role))
    return " ".join(sentences)


def _check_log_path() -> Path | None:
    directory = paths.state_dir()
    return None if directory is None else directory / "checks.json"


def _with_detail(role: Role, sentence: str, detail: str) -> str:
    """Technical details are for the helper; the friend reads plain words only."""
    if detail and role is Role.HELPER:
        return text(Say.WIZARD_WITH_DETAIL, sentence=sentence, detail=detail)
    return sentence


# What the peer's ABORT means to each person during the check (other reasons: interrupted).
_PEER_ABORTED: dict[Role, dict[AbortReason, Say]] = {
    Role.HELPER: {AbortReason.MISMATCH: Say.WIZARD_PEER_SAID_STOP,
                  AbortReason.NO_SSHD: Say.WIZARD_NO_SSHD,
                  AbortReason.CANCELLED: Say.CHECK_PEER_CLOSED,
                  AbortReason.BACK: Say.CHECK_PEER_WENT_BACK},
    Role.FRIEND: {AbortReason.REFUSED: Say.WIZARD_PEER_REFUSED,
                  AbortReason.NO_SSHD: Say.WIZARD_NO_SSHD,
                  AbortReason.CANCELLED: Say.CHECK_PEER_CLOSED,
                  AbortReason.BACK: Say.CHECK_PEER_WENT_BACK},
}
# What the listening side's ABORT means to the caller, before the check started.
_ABORTED_EARLY: dict[AbortReason, Say] = {
    AbortReason.BUSY: Say.WIZARD_PEER_BUSY,
    AbortReason.SAME_ROLE: Say.WIZARD_PEER_SAME_ROLE,
    AbortReason.CANCELLED: Say.WIZARD_PEER_CANCELLED,
    AbortReason.BACK: Say.WIZARD_PEER_CANCELLED,
    AbortReason.NO_SSHD: Say.WIZARD_NO_SSHD,
    AbortReason.LOCKED: Say.WIZARD_PEER_LOCKED,
}


def _aborted_early_text(role: Role, reason: AbortReason) -> str:
    """Why the listening side stopped before the check, in the words of the caller's
    person (a helper calling a friend with no SSH server is told what to install)."""
    key = _ABORTED_EARLY.get(reason, Say.WIZARD_PEER_CANCELLED)
    return text(key, role)


def _retry_text(role: Role, why: transport.Why, where: str) -> str:
    """What the person reads while connecting keeps failing for this reason (the most
    likely cause first: a refusal means nobody is waiting there)."""
    if why is transport.Why.REFUSED:
        return text(Say.NET_NOTHING_WAITING_YET, role, host=where)
    if why is transport.Why.NO_NETWORK:
        return text(Say.NET_NOT_CONNECTED_YET)
    return text(Say.NET_NO_ANSWER_YET, host=where)


def _gave_up_text(role: Role, exc: transport.Unreached, where: str) -> str:
    """Why connecting failed in the end, in the words of the person's role."""
    if exc.why is transport.Why.REFUSED:
        return text(Say.NET_NOTHING_WAITING, role, host=where)
    return str(exc)
