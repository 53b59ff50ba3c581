"""The session stream's Channel over real pipes: every order of bytes the protocol allows.

The leader (its channel came from sshd's forced command) writes the preamble; the follower
skips whatever precedes it and holds its own messages until it has seen it. The peer may
write before, during or after any of that: nothing it sent may be lost or misread.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable

import pytest

from remote_help import aio
from remote_help.proto import session as sp
from remote_help.session import mux
from remote_help.session.channel import MAX_JUNK, PREAMBLE, Channel

HELLO = sp.Hello("helper", "Early Bird", 100, 30)
FRIEND_HELLO = sp.Hello("friend", "Alice", 80, 24)
KEY = sp.TermIn(b"x")
PATIENCE = 5.0


class End:
    """One side: a Channel and what it received."""

    def __init__(self) -> None:
        self.messages: list[sp.Message] = []
        self.closed: list[str | None] = []
        self.channel = Channel(self.messages.append, self.closed.append)

    async def received(self, count: int) -> list[sp.Message]:
        """The first ``count`` messages, once they are all there."""
        await until(lambda: len(self.messages) >= count or bool(self.closed))
        assert not self.closed, f"the stream closed: {self.closed}"
        return self.messages[:count]


async def until(condition: Callable[[], bool]) -> None:
    deadline = asyncio.get_running_loop().time() + PATIENCE
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "waited too long"
        await asyncio.sleep(0.005)


def read_all(fd: int) -> bytes:
    """What is waiting in a pipe now (the fd is non-blocking)."""
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return out
        if not chunk:
            return out
        out += chunk


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(aio.wait_for(test(), 20))


class Raw:
    """A hand-driven peer: the other ends of the two pipes of one Channel."""

    def __init__(self) -> None:
        self.to_channel_r, self.to_channel = os.pipe()
        self.from_channel, self.from_channel_w = os.pipe()
        os.set_blocking(self.from_channel, False)

    async def open(self, end: End, *, lead: bool) -> None:
        await end.channel.open(self.to_channel_r, self.from_channel_w, lead=lead)

    def write(self, data: bytes) -> None:
        os.write(self.to_channel, data)

    async def sent(self, count: int) -> bytes:
        """What the Channel wrote, once at least ``count`` bytes have come."""
        out = b""

        def enough() -> bool:
            nonlocal out
            out += read_all(self.from_channel)
            return len(out) >= count

        await until(enough)
        return out

    def close(self) -> None:
        for fd in (self.to_channel, self.from_channel):
            os.close(fd)


# -- greeting before preamble ------------------------------------------------------------

def test_the_leader_keeps_a_greeting_sent_before_it_opened() -> None:
    """Weakness 7 of issue 8: the helper's greeting and first key wait in the pipe when
    the friend's channel opens; the friend must read them, not skip them as junk."""

    async def test() -> None:
        raw, friend = Raw(), End()
        raw.write(sp.encode(HELLO) + sp.encode(KEY))
        await raw.open(friend, lead=True)
        assert await friend.received(2) == [HELLO, KEY]
        assert await raw.sent(len(PREAMBLE)) == PREAMBLE
        friend.channel.close()
        raw.close()

    run(test)


def test_the_leader_keeps_a_greeting_that_arrives_while_it_opens() -> None:
    async def test() -> None:
        raw, friend = Raw(), End()
        opening = asyncio.get_running_loop().create_task(raw.open(friend, lead=True))
        await asyncio.sleep(0)  # the open is under way, not finished
        raw.write(sp.encode(HELLO))
        await opening
        raw.write(sp.encode(KEY))
        assert await friend.received(2) == [HELLO, KEY]
        friend.channel.close()
        raw.close()

    run(test)


def test_the_leader_writes_the_preamble_before_anything_else() -> None:
    async def test() -> None:
        raw, friend = Raw(), End()
        raw.write(sp.encode(HELLO))
        await raw.open(friend, lead=True)
        friend.channel.send(FRIEND_HELLO)
        await friend.received(1)
        expected = PREAMBLE + sp.encode(FRIEND_HELLO)
        assert await raw.sent(len(expected)) == expected
        friend.channel.close()
        raw.close()

    run(test)


def test_a_follower_that_sent_first_is_answered_in_order() -> None:
    """The follower's messages sent before the preamble are held, then leave in order."""

    async def test() -> None:
        raw, helper = Raw(), End()
        await raw.open(helper, lead=False)
        helper.channel.send(HELLO)
        helper.channel.send(KEY)
        await asyncio.sleep(0.05)
        assert read_all(raw.from_channel) == b""  # nothing before the preamble
        raw.write(PREAMBLE + sp.encode(FRIEND_HELLO))
        assert await helper.received(1) == [FRIEND_HELLO]
        expected = sp.encode(HELLO) + sp.encode(KEY)
        assert await raw.sent(len(expected)) == expected
        helper.channel.close()
        raw.close()

    run(test)


# -- the preamble split across reads -----------------------------------------------------

@pytest.mark.parametrize("cut", range(1, len(PREAMBLE)))
def test_a_preamble_split_across_reads(cut: int) -> None:
    async def test() -> None:
        raw, helper = Raw(), End()
        await raw.open(helper, lead=False)
        helper.channel.send(HELLO)
        raw.write(PREAMBLE[:cut])
        await asyncio.sleep(0.02)  # read on its own
        assert helper.messages == []
        assert read_all(raw.from_channel) == b""  # half a preamble releases nothing
        raw.write(PREAMBLE[cut:] + sp.encode(FRIEND_HELLO)[:3])
        assert await raw.sent(len(sp.encode(HELLO))) == sp.encode(HELLO)  # released
        raw.write(sp.encode(FRIEND_HELLO)[3:])
        assert await helper.received(1) == [FRIEND_HELLO]
        helper.channel.close()
        raw.close()

    run(test)


def test_a_preamble_and_messages_byte_by_byte() -> None:
    async def test() -> None:
        raw, helper = Raw(), End()
        await raw.open(helper, lead=False)
        stream = b"noise\n" + PREAMBLE + sp.encode(FRIEND_HELLO) + sp.encode(sp.TermOut(b"$ "))
        for byte in stream:
            raw.write(bytes([byte]))
            await asyncio.sleep(0.001)
        assert await helper.received(2) == [FRIEND_HELLO, sp.TermOut(b"$ ")]
        helper.channel.close()
        raw.close()

    run(test)


# -- junk before the preamble ------------------------------------------------------------

JUNK = [
    b"Welcome to the machine\n",
    b"\x00\x01\x02\xff junk\n",
    PREAMBLE[:-1],  # almost the preamble, then the real one
    b"\x00remote-help session stream 2\n",
    sp.encode(sp.Bye("friend-ended")),  # a frame printed by a start-up file is junk too
]


@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_before_the_preamble_is_skipped(junk: bytes) -> None:
    async def test() -> None:
        raw, helper = Raw(), End()
        await raw.open(helper, lead=False)
        raw.write(junk + PREAMBLE + sp.encode(FRIEND_HELLO))
        assert await helper.received(1) == [FRIEND_HELLO]
        assert helper.messages == [FRIEND_HELLO]
        helper.channel.close()
        raw.close()

    run(test)


def test_endless_junk_ends_the_stream_with_a_sentence() -> None:
    async def test() -> None:
        raw, helper = Raw(), End()
        await raw.open(helper, lead=False)
        for _ in range(MAX_JUNK // 4096 + 2):
            raw.write(b"j" * 4096)
            await asyncio.sleep(0)
        await until(lambda: bool(helper.closed))
        assert helper.closed == ["The other computer printed too much before the session "
                                 "started."]
        assert helper.messages == []
        helper.channel.close()
        raw.close()

    run(test)


def test_the_leader_never_skips_anything() -> None:
    """Only the follower's input can carry a shell's start-up noise: what reaches the
    leader is the stream from its first byte, and anything else is a protocol error."""

    async def test() -> None:
        raw, friend = Raw(), End()
        await raw.open(friend, lead=True)
        raw.write(b"Welcome to the machine\n" + sp.encode(HELLO))
        await until(lambda: bool(friend.closed))
        assert friend.messages == []
        assert friend.closed[0]  # a plain sentence, no silent wait
        friend.channel.close()
        raw.close()

    run(test)


# -- both sides leading ------------------------------------------------------------------

async def _pair(*, follower_first: bool) -> tuple[End, End]:
    """A leader (the friend, as when the friend runs sshd) and a follower (the helper)
    over two real pipes, opened in either order."""
    to_friend_r, to_friend_w = os.pipe()
    to_helper_r, to_helper_w = os.pipe()
    friend, helper = End(), End()
    opens = [helper.channel.open(to_helper_r, to_friend_w, lead=False),
             friend.channel.open(to_friend_r, to_helper_w, lead=True)]
    if not follower_first:
        opens.reverse()
    for opening in opens:
        await opening
    return friend, helper


@pytest.mark.parametrize("follower_first", [True, False], ids=["helper-opens-first",
                                                               "friend-opens-first"])
def test_both_sides_greet_at_once(follower_first: bool) -> None:
    """Both send their greeting and a message the moment they open, before reading."""

    async def test() -> None:
        friend, helper = await _pair(follower_first=follower_first)
        helper.channel.send(HELLO)
        helper.channel.send(KEY)
        friend.channel.send(FRIEND_HELLO)
        friend.channel.send(sp.TermOut(b"$ "))
        assert await friend.received(2) == [HELLO, KEY]
        assert await helper.received(2) == [FRIEND_HELLO, sp.TermOut(b"$ ")]
        for end in (friend, helper):
            end.channel.close()

    run(test)


def test_a_follower_that_does_not_wait_for_the_preamble() -> None:
    """A modified helper writes straight into its pipe before it has read anything, and
    before the friend's channel is even open: the friend gets every message, in order."""

    async def test() -> None:
        to_friend_r, to_friend_w = os.pipe()
        to_helper_r, to_helper_w = os.pipe()
        os.write(to_friend_w, sp.encode(HELLO) + sp.encode(KEY))
        friend, helper = End(), End()
        await friend.channel.open(to_friend_r, to_helper_w, lead=True)
        friend.channel.send(FRIEND_HELLO)
        await helper.channel.open(to_helper_r, to_friend_w, lead=False)
        helper.channel.send(sp.TermIn(b"y"))
        assert await friend.received(3) == [HELLO, KEY, sp.TermIn(b"y")]
        assert await helper.received(1) == [FRIEND_HELLO]
        for end in (friend, helper):
            end.channel.close()

    run(test)


def test_both_sides_claiming_to_lead_is_refused_at_once() -> None:
    """Only one side's channel can come from sshd's forced command. A peer that writes a
    preamble too breaks the stream: it ends at once, with a sentence, and nothing that
    followed is taken as a message (rather than a wait until the greeting deadline)."""

    async def test() -> None:
        to_a_r, to_a_w = os.pipe()
        to_b_r, to_b_w = os.pipe()
        a, b = End(), End()
        await a.channel.open(to_a_r, to_b_w, lead=True)
        await b.channel.open(to_b_r, to_a_w, lead=True)
        a.channel.send(FRIEND_HELLO)
        b.channel.send(HELLO)
        await until(lambda: bool(a.closed and b.closed))
        assert a.messages == b.messages == []
        assert a.closed[0] and b.closed[0]
        for end in (a, b):
            end.channel.close()

    run(test)


# -- the helper's session against a hostile friend (issue 9, weaknesses 10 to 12) --------

class HelperView:
    """What a helper's screen was asked to do (the View a HelperSession drives)."""

    def __init__(self, size: tuple[int, int] = (100, 30)) -> None:
        self.window = size
        self.shown = bytearray()
        self.notices: list[str] = []
        self.grids: list[tuple[int, int]] = []
        self.resets = 0
        self.busy = False
        self.on_drained: Callable[[], None] = lambda: None
        self.peer: sp.Hello | None = None

    def show(self, data: bytes) -> None:
        self.shown += data

    def size(self) -> tuple[int, int]:
        return self.window

    def notice(self, text: str) -> None:
        self.notices.append(text)

    def connected(self, peer: sp.Hello) -> None:
        self.peer = peer

    def grid(self, cols: int, rows: int) -> None:
        self.grids.append((cols, rows))

    def snapshot(self) -> bytes:
        return b""

    def reset(self) -> None:
        self.resets += 1
        self.shown.clear()

    def helper_typed(self, text: str, *, echo: bool) -> None:
        raise AssertionError("only the friend's side is told what the helper typed")


FRIEND = sp.Hello("friend", "Alice", 80, 24)


async def helper_against(raw: Raw, view: HelperView) -> tuple[mux.HelperSession,
                                                              asyncio.Task[mux.Ending]]:
    """A HelperSession whose channel came from sshd (it leads), greeted by ``raw``."""
    session = mux.HelperSession(view, "Bob")
    task = asyncio.get_running_loop().create_task(
        session.run(raw.to_channel_r, raw.from_channel_w, lead=True))
    raw.write(sp.encode(FRIEND))
    await until(lambda: view.peer is not None)
    return session, task


async def write_in_thread(raw: Raw, data: bytes) -> None:
    """Write more than a pipe holds, without blocking the loop that reads it."""
    await asyncio.get_running_loop().run_in_executor(None, raw.write, data)


async def goodbye(session: mux.HelperSession, task: asyncio.Task[mux.Ending],
                  raw: Raw) -> None:
    session.end()
    await aio.wait_for(task, PATIENCE)
    raw.close()


def test_the_friends_notice_is_never_shown_as_the_programs_words() -> None:
    """Weakness 11: a NOTICE appeared on the helper's warning line as if the program said
    it ("remote-help: Your friend ended the session. Press Q...")."""

    async def test() -> None:
        raw, view = Raw(), HelperView()
        session, task = await helper_against(raw, view)
        fake = "Your friend ended the session. Press Q to close remote-help."
        raw.write(sp.encode(sp.Notice(fake)) + sp.encode(sp.TermOut(b"after")))
        await until(lambda: b"after" in view.shown)
        assert not any("ended" in notice for notice in view.notices), view.notices
        assert session.notices_dropped == 1
        await goodbye(session, task, raw)

    run(test)


def test_a_resize_storm_is_merged() -> None:
    """Weakness 10: each RESIZE resized the helper's copy (and redrew its warning line);
    20,000 of them must cost a handful, the last one counting."""

    async def test() -> None:
        raw, view = Raw(), HelperView((600, 300))
        session, task = await helper_against(raw, view)
        storm = b"".join(sp.encode(sp.Resize(40 + i % 400, 10 + i % 150))
                         for i in range(20000))
        await write_in_thread(raw, storm + sp.encode(sp.Resize(90, 25)))
        await until(lambda: view.grids[-1] == (90, 25))
        assert len(view.grids) < 200, f"{len(view.grids)} resizes for one storm"
        await goodbye(session, task, raw)

    run(test)


def test_the_friends_grid_is_capped() -> None:
    """Weakness 10: a 1000x1000 grid is a million cells to erase per ESC [ 2 J."""

    async def test() -> None:
        raw, view = Raw(), HelperView((600, 300))
        session, task = await helper_against(raw, view)
        raw.write(sp.encode(sp.Resize(1000, 1000)))
        await until(lambda: len(view.grids) == 2)
        assert view.grids == [(80, 24), (sp.HELPER_MAX_COLS, sp.HELPER_MAX_ROWS)]
        assert (sp.HELPER_MAX_COLS, sp.HELPER_MAX_ROWS) == (500, 200)
        assert view.notices[-1] == ("Your friend's screen is 1000x1000, larger than "
                                    "remote-help shows: you see its top left 500x200. Ask "
                                    "your friend to make it smaller.")
        await goodbye(session, task, raw)

    run(test)


def test_the_same_size_warning_is_given_once() -> None:
    """Weakness 12: in line mode each RESIZE printed "Make your window bigger" again."""

    async def test() -> None:
        raw, view = Raw(), HelperView((100, 30))
        session, task = await helper_against(raw, view)
        same = sp.encode(sp.Resize(200, 60))
        for _ in range(50):
            raw.write(same * 100)
            await asyncio.sleep(0.001)
        raw.write(sp.encode(sp.TermOut(b"after")))
        await until(lambda: b"after" in view.shown)
        assert view.notices == ["Make your window bigger: your friend's screen is 200x60, "
                                "yours 100x30."]
        await goodbye(session, task, raw)

    run(test)


def test_reading_stops_while_the_view_is_behind_whatever_the_message() -> None:
    """Weakness 12: only TERM_OUT paused reading; RESIZE and NOTICE storms were taken in
    (and printed) as fast as the friend sent them, 66 MB more memory in 20 s."""

    async def test() -> None:
        raw, view = Raw(), HelperView()
        session, task = await helper_against(raw, view)
        view.busy = True
        storm = (sp.encode(sp.Resize(100, 30)) + sp.encode(sp.Notice("x" * 100))) * 20000
        writing = asyncio.get_running_loop().create_task(write_in_thread(raw, storm))
        await asyncio.sleep(1.0)
        taken = session.notices_dropped
        await asyncio.sleep(0.5)
        assert session.notices_dropped == taken, "still reading while the view is behind"
        assert taken < 5000, f"{taken} of 20000 taken in while the view was behind"
        assert not writing.done()
        view.busy = False
        view.on_drained()
        await aio.wait_for(writing, PATIENCE)
        await until(lambda: session.notices_dropped == 20000)
        await goodbye(session, task, raw)

    run(test)


def test_a_resync_storm_resets_the_copy_a_few_times_and_keeps_the_last_screen() -> None:
    """Weakness 10: each RESYNC reset the helper's whole copy; a storm of them (5 bytes
    each) is merged, and what follows the last one is what the helper sees."""

    async def test() -> None:
        raw, view = Raw(), HelperView()
        session, task = await helper_against(raw, view)
        storm = (sp.encode(sp.Resync()) + sp.encode(sp.TermOut(b"old"))) * 30000
        await write_in_thread(raw, storm + sp.encode(sp.Resync())
                              + sp.encode(sp.TermOut(b"the screen now")))
        await until(lambda: view.shown == b"the screen now")
        assert view.resets < 300, f"{view.resets} resets"
        await goodbye(session, task, raw)

    run(test)
