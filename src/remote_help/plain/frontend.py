"""The line-mode front end: every step as plain questions and answers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace

from remote_help.plain.terminal import (
    FRIEND_END_KEYS,
    HELPER_END_KEYS,
    EndKeys,
    PlainView,
    RawMode,
    columns,
    end_key_ends_line,
    fit,
    fit_prompt,
)
from remote_help.proto import sas
from remote_help.proto.channels import Inputs, Kind
from remote_help.proto.session import Hello
from remote_help.roles import Role
from remote_help.sentences import Say, text
from remote_help.wizard import status as st
from remote_help.wizard.flow import Event, Step
from remote_help.wizard.messages import span_text
from remote_help.wizard.options import (
    DEFAULT_PORT,
    Options,
    needs_zone,
    split_port,
    spoken_number,
    spoken_with_port,
    with_port,
)

log = logging.getLogger(__name__)

# The end word: two of these, chosen at random for each session and shown only on this
# computer, at the start and when the session really ends. The other computer never learns
# it (it is never sent), so it cannot print an ending that carries it: in line mode the
# other side's output reaches this terminal, and a perfect copy of every other word of the
# real ending is easy to print. Everyday words, none of the NATO words the code is read in.
END_WORDS = (
    "badger", "beaver", "camel", "cobra", "donkey", "eagle", "ferret", "gecko", "goose",
    "heron", "horse", "koala", "lemur", "llama", "lobster", "magpie", "moose", "otter",
    "panda", "parrot", "pigeon", "rabbit", "raven", "salmon", "seal", "shark", "sheep",
    "spider", "tiger", "turtle", "walrus", "zebra",
    "apple", "apricot", "bacon", "bagel", "banana", "butter", "carrot", "cherry", "cookie",
    "garlic", "ginger", "grape", "honey", "lemon", "mango", "melon", "muffin", "noodle",
    "olive", "onion", "peach", "peanut", "pepper", "pickle", "potato", "pumpkin", "radish",
    "raisin", "tomato", "waffle", "walnut", "yogurt",
    "anchor", "basket", "bottle", "bucket", "button", "candle", "carpet", "compass",
    "crayon", "helmet", "kettle", "ladder", "lantern", "magnet", "mirror", "needle",
    "paddle", "pencil", "pillow", "rocket", "saddle", "scissors", "shovel", "spoon",
    "teapot", "ticket", "trumpet", "blanket", "violin", "wallet", "whistle", "zipper",
    "canyon", "cloud", "desert", "forest", "garden", "glacier", "harbor", "island",
    "jungle", "meadow", "orchard", "planet", "pond", "prairie", "rainbow", "river",
    "sunset", "thunder", "valley", "volcano", "acorn", "blossom", "cactus", "daisy",
    "feather", "maple", "pebble", "sapling", "tulip", "willow", "comet", "breeze",
)


def keep_memory_private() -> None:
    """The end word lives in this program's memory; the shared shell runs as the same
    user, and where ptrace is allowed (Debian's default) it could read it there
    (/proc/PID/mem, a debugger). Not dumpable: only root may, and no core file has it."""
    try:
        import ctypes  # noqa: PLC0415  (only in line mode's sessions)

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError) as exc:
        log.info("this program's memory stays readable by its user: %s", exc)


PR_SET_DUMPABLE = 4


def end_word() -> str:
    """Two different end words at random: one chance in 16,256 for a guess."""
    first = secrets.choice(END_WORDS)
    return f"{first} {secrets.choice([w for w in END_WORDS if w != first])}"


def end_word_lines(role: Role, word: str, cols: int = 80) -> list[str]:
    """Shown while the code is checked, when the person looks at this screen for seconds
    and nothing from the other computer can be on it (once the session runs, the other
    side can write over any line still on the screen); ``cols``: the terminal's width."""
    return fit(text(Say.PLAIN_END_WORD, role, word=word), cols)


def sign_off_line(word: str) -> str:
    """The last line of a real ending."""
    return text(Say.PLAIN_SIGN_OFF, word=word)


class Cancelled(Exception):
    """The person ended the questions (end of input, or the end key)."""


class LineInput:
    """Reads whole lines from the terminal without blocking the event loop."""

    def __init__(self, fd: int = 0) -> None:
        self.fd = fd
        self._buffer = bytearray()
        self._end_keys = EndKeys(FRIEND_END_KEYS)  # Ctrl+Alt+C stops here too

    async def readline(self) -> str:
        while b"\n" not in self._buffer:
            with end_key_ends_line(self.fd):
                await self._readable()
            try:
                chunk = os.read(self.fd, 4096)
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                raise Cancelled
            chunk, ended = self._end_keys.feed(chunk)
            if ended:
                raise Cancelled
            self._buffer += chunk.replace(b"\r", b"\n")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        return line.decode(errors="replace").strip()

    async def _readable(self) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not ready.done():
                ready.set_result(None)

        try:
            loop.add_reader(self.fd, wake)
        except PermissionError:
            return  # a regular file or /dev/null: always readable, a read never blocks
        try:
            await ready
        finally:
            loop.remove_reader(self.fd)


# Statuses after which no question asked before can still be answered.
QUESTIONS_END = (st.Listening, st.Connecting, st.SettingUp, st.Live, st.Ended, st.Failed)


class PlainFrontEnd:
    """Implements the journey's ``FrontEnd`` as lines: each status is printed, and each
    question is asked in a task of its own whose answer goes back to the journey."""

    def __init__(self, answer: Callable[[st.Answer], None] | None = None) -> None:
        self.input = LineInput()
        self.answer: Callable[[st.Answer], None] = answer or (lambda _: None)
        self.abort: Callable[[BaseException], None] = lambda _: None
        self._end_word: str | None = None  # chosen when the session is set up
        self._signed_off = False
        self._asking: asyncio.Task[None] | None = None
        self._warned = False  # the friend's warning was read and agreed to

    def say(self, text: str = "") -> None:
        """Lines broken between words at the terminal's width (asked each time: the
        window may have changed)."""
        sys.stdout.write("\n".join(fit(text, columns())) + "\n")
        sys.stdout.flush()

    async def ask(self, prompt: str) -> str:
        sys.stdout.write(fit_prompt(prompt, columns()) + " ")
        sys.stdout.flush()
        return await self.input.readline()

    async def yes_no(self, prompt: str) -> bool:
        while True:
            answer = (await self.ask(prompt)).lower()
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.say(text(Say.PLAIN_YES_OR_NO))

    # -- what the journey publishes ------------------------------------------------------

    def show(self, status: st.Status) -> None:
        if isinstance(status, QUESTIONS_END):
            self.close()  # a question still open was overtaken (a caller left, a failure)
        if isinstance(status, st.Asking):
            self._asking_step(status)
        elif isinstance(status, st.Listening):
            self._listening(status)
        elif isinstance(status, st.Connecting):
            self.say()
            self.say(text(Say.PLAIN_CONNECTING, status.role,
                          address=with_port(status.address, status.port)))
        elif isinstance(status, st.News):
            self.say(status.text)
        elif isinstance(status, st.CodeReady):
            assert status.details is not None
            if status.role is Role.HELPER:
                self._question(status.step, self._verify_helper(status.code, status.details))
            else:
                self._question(status.step, self._verify_friend(status))
        elif isinstance(status, st.Checked):
            self._checked(status.correct)
        elif isinstance(status, st.WaitingForPeer):
            if status.role is Role.FRIEND:
                self.say(text(Say.PLAIN_WAITING_CONFIRM))
            else:
                self.say(text(Say.PLAIN_WAITING_PEER))
        elif isinstance(status, st.SettingUp):
            self.say(text(Say.PLAIN_SETTING_UP))
            if self._end_word is None:  # shown with the code, as a rule
                self._show_end_word(status.role)
        elif isinstance(status, st.Ended):
            self.say()
            self.say(status.text)
            self.sign_off()
            self.answer(st.Answer(status.step, Event.NEXT))
        elif isinstance(status, st.Failed):
            self.say()
            self.say(status.text)
            self.answer(st.Answer(status.step, Event.NEXT))

    def _question(self, step: Step, asking: Awaitable[st.Answer]) -> None:
        """Ask in a task of its own: the journey goes on (a caller may leave meanwhile,
        and then this question is dropped for the next)."""
        if self._asking is not None:
            self._asking.cancel()

        async def ask() -> None:
            try:
                answer = await asking
            except Cancelled:
                answer = st.Answer(step, Event.CANCEL)
            self.answer(answer)

        def done(task: asyncio.Task[None]) -> None:
            if not task.cancelled() and task.exception() is not None:
                self.abort(task.exception())  # type: ignore[arg-type]

        self._asking = asyncio.ensure_future(ask())  # noqa: TID251
        self._asking.add_done_callback(done)

    def close(self) -> None:
        if self._asking is not None:
            self._asking.cancel()
            self._asking = None

    # -- steps 1-3: the role, the warning, the address -----------------------------------

    def _asking_step(self, status: st.Asking) -> None:
        if status.step is Step.WELCOME:
            if status.options.role is Role.HELPER:
                self.answer(st.Answer(Step.WELCOME, Event.NEXT))
            else:  # the friend's warning first, before any other question
                self._question(Step.WELCOME, self._welcome())
        elif status.step is Step.ROLE:
            self._question(Step.ROLE, self._ask_role(status.last_role))
        elif status.step is Step.DETAILS:
            self._question(Step.DETAILS, self._details_step(status.options))

    async def _ask_role(self, last: str | None = None) -> st.Answer:
        """Who the person is; Enter alone chooses what they chose last time."""
        self.say(text(Say.PLAIN_ROLE_QUESTION))
        self.say(f"  1  {text(Say.PLAIN_ROLE_FRIEND)}")
        self.say(f"  2  {text(Say.PLAIN_ROLE_HELPER)}")
        remembered = {Role.FRIEND.value: "1", Role.HELPER.value: "2"}.get(str(last or ""))
        prompt = (text(Say.PLAIN_ROLE_PROMPT_AGAIN, number=remembered) if remembered
                  else text(Say.PLAIN_ROLE_PROMPT))
        while True:
            answer = (await self.ask(prompt)).lower() or (remembered or "")
            if answer in ("1", "friend", "help"):
                return st.Answer(Step.ROLE, Event.FRIEND)
            if answer in ("2", "helper"):
                return st.Answer(Step.ROLE, Event.HELPER)
            self.say(text(Say.PLAIN_ROLE_AGAIN))

    async def _welcome(self) -> st.Answer:
        """Whoever may be the friend reads the warning before anything else (as on the
        full screen's first step)."""
        if not await self._warn_friend():
            return st.Answer(Step.WELCOME, Event.CANCEL)
        return st.Answer(Step.WELCOME, Event.NEXT)

    async def _details_step(self, options: Options) -> st.Answer:
        if options.role is Role.FRIEND and not self._warned and not await self._warn_friend():
            return st.Answer(Step.DETAILS, Event.CANCEL)
        if not options.listens and not options.address:
            address, port = await self._ask_address(options.role or Role.FRIEND)
            # no port typed: the command line's (or the usual), never an earlier one
            options = replace(options, address=address, port=port or options.usual_port)
        return st.Answer(Step.DETAILS, Event.NEXT, options=options)

    async def _warn_friend(self) -> bool:
        self.say()
        self.say(text(Say.PLAIN_WARN))
        self.say()
        self.say(text(Say.PLAIN_WARN_ONLY_IF))
        self.say()
        self._warned = await self.yes_no(text(Say.PLAIN_WARN_CONTINUE))
        return self._warned

    async def _ask_address(self, role: Role) -> tuple[str, int | None]:
        """The other person's address, asked of the person with ``role``, and the port
        if they typed one ("192.168.1.20 port 2300")."""
        self.say()
        while True:
            typed = await self.ask(text(Say.PLAIN_ADDRESS_PROMPT, role))
            try:
                host, port = split_port(typed)
            except ValueError:
                self.say(text(Say.PLAIN_ADDRESS_AGAIN, role))
                continue
            if not needs_zone(host):
                return host, port
            self.say(text(Say.NET_NEEDS_ZONE, host=host))  # fe80::1 reaches nothing

    # -- step 4 --------------------------------------------------------------------------

    def _listening(self, status: st.Listening) -> None:
        role = status.role
        self.say()
        self.say(text(Say.PLAIN_WAITING, role))
        self.say(text(Say.PLAIN_WAITS_AT_MOST, span=span_text(status.options.wait)))
        self.say(text(Say.PLAIN_TELL_ADDRESS, role))
        best, *others = status.spoken
        port = status.port
        if role is Role.HELPER:  # the address and the port, read aloud alike
            self.say(f"    {with_port(best[0], port)}    ({spoken_with_port(best[0], port)})")
        else:
            self.say(f"    {best[0]}    ({best[1]})")
            if port not in (0, DEFAULT_PORT):
                self.say(text(Say.PLAIN_NOT_USUAL_PORT, role, port=port,
                              spoken=spoken_number(port)))
        if others:
            self.say(text(Say.PLAIN_OTHER_ADDRESSES,
                          addresses=", ".join(a for a, _ in others[:4])))

    # -- step 5 --------------------------------------------------------------------------

    async def _verify_helper(self, code: str, details: st.Details) -> st.Answer:
        self.say()
        self.say(text(Say.PLAIN_CONNECTED_CHECK))
        self.say(text(Say.PLAIN_READ_WORDS, words=sas.spoken(code)))
        self.say(text(Say.PLAIN_FRIEND_TYPES))
        self._show_end_word(Role.HELPER)
        self.say(text(Say.CHECK_PLAIN_BACK_HINT))
        while True:
            answer = (await self.ask(text(Say.PLAIN_DID_IT_SAY))).lower()
            if answer in ("y", "yes", "n", "no"):
                return st.Answer(Step.VERIFY, value=answer.startswith("y"))
            if answer in ("d", "details"):
                self._details(details)
            elif answer == "back":
                if await self.yes_no(text(Say.CHECK_BACK_PROMPT, Role.HELPER)):
                    return st.Answer(Step.VERIFY, Event.BACK)
            else:
                self.say(text(Say.PLAIN_Y_OR_N))

    async def _verify_friend(self, status: st.CodeReady) -> st.Answer:
        """The friend types the letters; their form is checked here, their meaning by the
        journey (which asks again, with the same words, after a mismatch)."""
        code, details = status.code, status.details
        assert details is not None
        self.say()
        if status.mismatches:
            self.say(text(Say.CHECK_NO_MATCH))
            self.say(text(Say.CHECK_LAST_TRY) if status.tries_left <= 1 else
                     text(Say.CHECK_TRIES_LEFT, tries=status.tries_left))
        else:
            self.say(text(Say.PLAIN_WILL_READ))
            self.say(text(Say.PLAIN_TYPE_FIRST))
            self.say(text(Say.CHECK_PLAIN_BACK_HINT))
        while True:
            typed = await self.ask(text(Say.PLAIN_TYPE_FIVE))
            if typed.lower() in ("d", "details"):
                self._details(details)
                continue
            if typed.lower() == "back":
                if await self.yes_no(text(Say.CHECK_BACK_PROMPT, Role.FRIEND)):
                    return st.Answer(Step.VERIFY, Event.BACK)
                continue
            readings = sas.candidates(typed)
            if not readings:
                self.say(text(Say.PLAIN_ONLY_FIRST))
                continue
            if not any(len(r) == len(code) for r in readings):
                self.say(text(Say.PLAIN_WRONG_COUNT, got=_typed_count(typed, readings),
                              words=len(code)))
                continue
            return st.Answer(Step.VERIFY, value=typed)

    def _checked(self, correct: bool) -> None:
        self.say()
        if correct:
            self.say(text(Say.PLAIN_CORRECT))
            self.say(text(Say.PLAIN_TELL_CORRECT))
            self._show_end_word(Role.FRIEND)
        else:
            self.say(text(Say.PLAIN_STOP))

    def sign_off(self) -> None:
        """Once a session was set up, its ending says the end word, once."""
        if self._end_word is not None and not self._signed_off:
            self._signed_off = True
            self.say(sign_off_line(self._end_word))

    def _details(self, details: st.Details) -> None:
        self.say()
        self.say(text(Say.PLAIN_DETAILS_TITLE))
        self.say("  " + text(Say.PLAIN_DETAILS_MY_KEY, key=details.my_key))
        self._fingerprint(details.my_fingerprint)
        self.say("  " + text(Say.PLAIN_DETAILS_OTHER, user=details.peer_user,
                             address=details.peer_address))
        self.say("    " + text(Say.PLAIN_DETAILS_KEY, key=details.peer_key))
        self._fingerprint(details.peer_fingerprint)
        if details.contained_by:
            self.say("  " + text(Say.PLAIN_DETAILS_WHEN_ENDS, how=details.contained_by))
        self.say()

    def _fingerprint(self, fingerprint: str) -> None:
        """A key's fingerprint, and the same spelled out to be read over the phone."""
        self.say("    " + text(Say.PLAIN_DETAILS_FINGERPRINT, fingerprint=fingerprint))
        self.say("    " + text(Say.PLAIN_DETAILS_SPELLED,
                               spelled=sas.spell(fingerprint.removeprefix("SHA256:"))))

    def _show_end_word(self, role: Role) -> None:
        """The end word, shown while nothing from the other computer can reach this
        terminal; chosen once, so a second check (another caller) shows the same."""
        if self._end_word is None:
            keep_memory_private()
            self._end_word = end_word()
        self.say()
        for line in end_word_lines(role, self._end_word, columns()):
            self.say(line)

    # -- step 7 --------------------------------------------------------------------------

    def session_view(self, live: st.Live) -> LineSessionView:
        connected = live.connected
        assert connected is not None
        role = live.role

        def greeting(peer: Hello) -> list[str]:
            # Shown only once the other program answered through the secure connection.
            where = text(Say.PLAIN_USER_AT, user=connected.peer_user,
                         address=connected.peer_address)
            who = (where if peer.name == connected.peer_user
                   else text(Say.PLAIN_NAMED, name=peer.name, who=where))
            return text(Say.PLAIN_GREETING, role, who=who).split("\n")

        self.say()
        return LineSessionView(greeting, role)


class LineSessionView(PlainView):
    """The shared terminal in line mode: the terminal in raw mode, every key read from it
    to the session (the end keys end it), the window's size followed."""

    kind = Kind.SHELL

    def __init__(self, greeting: Callable[[Hello], list[str]], role: Role) -> None:
        super().__init__(greeting, answers=role is Role.FRIEND)
        term = os.environ.get("TERM", "")
        self.term = term if term and term != "dumb" else "vt100"
        self._keys = EndKeys(FRIEND_END_KEYS if role is Role.FRIEND else HELPER_END_KEYS)
        self._raw = RawMode()
        self._inputs: Inputs | None = None

    def attach(self, inputs: Inputs) -> None:
        self._inputs = inputs
        loop = asyncio.get_running_loop()
        self._raw.__enter__()
        with contextlib.suppress(PermissionError):  # stdin that cannot be watched
            loop.add_reader(0, self._on_key)
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGWINCH, inputs.resize)

    def _on_key(self) -> None:
        try:
            data = os.read(0, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        loop = asyncio.get_running_loop()
        if not data:
            loop.remove_reader(0)
            return
        passed, ended = self._keys.feed(data)
        assert self._inputs is not None
        if passed:
            self._inputs.key_input(passed)
        if ended:
            self._inputs.end()

    def close(self) -> None:
        super().close()
        if self._inputs is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_reader(0)
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGWINCH)
        self._raw.__exit__(None, None, None)
        self._inputs = None


def _typed_count(typed: str, readings: set[str]) -> int:
    """How many the friend typed, as the friend counts: words when whole words were typed
    with spaces between them, else letters (what was typed, not its shortest reading)."""
    tokens = typed.split()
    if len(tokens) > 1 and all(len(token) > 1 for token in tokens):
        return len(tokens)
    letters = "".join(tokens).upper()
    return len(letters) if letters in readings else min(len(r) for r in readings)
