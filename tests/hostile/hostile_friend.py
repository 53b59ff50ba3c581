"""A hostile friend: the real remote-help, with its friend session driven by a script.

A friend's computer may be a scammer's, or compromised, and it controls its own copy of
the program completely. So the tests against the helper run the real program on the
friend's side with ``FriendSession`` patched: once the helper's program has greeted it,
the script below plays, while the friend's real shell runs as usual. Run as::

    python hostile_friend.py SCRIPT.json friend ...   (the usual arguments)

SCRIPT.json is a list of ``[action, argument]``:

- ``["sleep", seconds]``
- ``["out", [text, times]]``: send the text as terminal output (TERM_OUT), ``times`` times,
  in 64 KiB messages, as fast as the helper's side takes them (never more than 1 MiB waits
  here: the flood is the helper's problem, not ours)
- ``["flood", [text, seconds]]``: the same, for that long
- ``["resizes", [count, seconds]]``: RESIZE storms: ``count`` messages of absurd and ordinary
  sizes (1x1 to 1000x1000) at once, again and again for that long
- ``["resize", [cols, rows]]``: one RESIZE
- ``["resyncs", [count, text]]``: ``count`` times a RESYNC followed by ``text``
- ``["notice", text]``: a NOTICE
- ``["notices", [text, count, seconds]]``: ``count`` NOTICEs at once, again and again
- ``["bye", reason]``: a goodbye with any reason (a fake ending is ``"friend-ended"``)
- ``["stall", null]`` / ``["read", null]``: stop reading the session stream, read again
- ``["forwards", seconds]``: connect again and again to the local end of a forwarding
  this friend's ssh asked for (``-L`` to a 900-byte target, see below): each connection is
  a forwarding request the helper's sshd must refuse; then "FORWARDS-DONE <connections>"
  is sent as output
- ``["vanish", null]``: exit at once without a goodbye

Two more things happen before the session, when the environment asks for them, on
either side (a helper run through this file is hostile in these two ways only):

- ``HOSTILE_FORWARD_PORT=N``: this program's ssh (when the other side runs sshd) asks for
  a local forwarding ``127.0.0.1:N`` to a 900-byte target, used by ``forwards``;
- ``HOSTILE_STDERR_BYTES=N``: this program's sshd (when this side runs it) starts the
  session with a program that writes N bytes to its error output 3 s later, which the
  other side's ssh receives on the channel's error stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from remote_help import aio
from remote_help.proto import session as sp
from remote_help.session import mux
from remote_help.tunnel import ssh, sshd

TARGET = "t" * 900  # the 900-byte forwarding target
OUT_CHUNK = 64 * 1024
MAX_WAITING = 1024 * 1024  # bytes our own stream may hold before the script waits


def absurd_sizes(count: int) -> bytes:
    sizes = [(1, 1), (1000, 1000), (1000, 1), (1, 1000), (80, 24), (500, 200), (999, 3)]
    return b"".join(sp.encode(sp.Resize(*sizes[i % len(sizes)])) for i in range(count))


async def send_paced(session: mux.FriendSession, data: bytes) -> None:
    """Write raw frames, waiting while more than MAX_WAITING of ours is not taken yet."""
    channel = session.channel
    transport = channel._write
    while transport is not None and transport.get_write_buffer_size() > MAX_WAITING:
        if transport.is_closing():
            return
        await asyncio.sleep(0.005)
    if transport is not None and not transport.is_closing():
        transport.write(data)


async def out(session: mux.FriendSession, text: str, times: int, until: float) -> None:
    data = text.encode("utf-8", errors="surrogateescape")
    # Whole copies of the text per message, so a sequence is never cut in two.
    per = max(1, OUT_CHUNK // max(1, len(data)))
    sent = 0
    while sent < times or time.monotonic() < until:
        count = min(per, times - sent) if sent < times else per
        await send_paced(session, sp.encode(sp.TermOut(data * count)))
        sent += count
        await asyncio.sleep(0)


async def forwards(port: int, seconds: float) -> int:
    """Connections made (each one a forwarding request to the other side)."""
    until = time.monotonic() + seconds
    made = 0
    while time.monotonic() < until:
        try:
            reader, writer = await aio.wait_for(
                asyncio.open_connection("127.0.0.1", port), 2)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.05)
            continue
        del reader
        writer.close()
        made += 1
        await asyncio.sleep(0)
    return made


async def play(session: mux.FriendSession, steps: list[list[Any]]) -> None:
    channel = session.channel
    resume = channel.resume_reading
    for action, argument in steps:
        if action == "sleep":
            await asyncio.sleep(float(argument))
        elif action == "out":
            text, times = argument
            await out(session, str(text), int(times), 0.0)
        elif action == "flood":
            text, seconds = argument
            await out(session, str(text), 0, time.monotonic() + float(seconds))
        elif action == "resizes":
            count, seconds = argument
            until = time.monotonic() + float(seconds)
            storm = absurd_sizes(int(count))
            while True:
                await send_paced(session, storm)
                if time.monotonic() >= until:
                    break
                await asyncio.sleep(0)
        elif action == "resize":
            channel.send(sp.Resize(int(argument[0]), int(argument[1])))
        elif action == "resyncs":
            count, text = argument
            one = sp.encode(sp.Resync()) + sp.encode(sp.TermOut(str(text).encode()))
            await send_paced(session, one * int(count))
        elif action == "notice":
            channel.send(sp.Notice(str(argument)))
        elif action == "notices":
            text, count, seconds = argument
            until = time.monotonic() + float(seconds)
            storm = sp.encode(sp.Notice(str(text))) * int(count)
            while True:
                await send_paced(session, storm)
                if time.monotonic() >= until:
                    break
                await asyncio.sleep(0)
        elif action == "bye":
            channel.send(sp.Bye(str(argument)))
        elif action == "stall":
            channel.resume_reading = lambda: None  # type: ignore[method-assign]
            channel.pause_reading()
        elif action == "read":
            channel.resume_reading = resume  # type: ignore[method-assign]
            resume()
        elif action == "forwards":
            made = await forwards(int(os.environ["HOSTILE_FORWARD_PORT"]), float(argument))
            channel.send(sp.TermOut(f"FORWARDS-DONE {made}\r\n".encode()))
        elif action == "vanish":
            os._exit(9)
        else:
            raise ValueError(f"unknown action {action!r}")


def patch(steps: list[list[Any]]) -> None:
    greeted = mux.FriendSession._on_message

    def on_message(self: mux.FriendSession, message: sp.Message) -> None:
        first = self.peer is None
        greeted(self, message)
        if first and self.peer is not None:
            aio.spawn(play(self, steps), "the hostile friend's script")

    mux.FriendSession._on_message = on_message  # type: ignore[method-assign]
    port = os.environ.get("HOSTILE_FORWARD_PORT")
    if port:
        command = ssh.command

        def forwarding(*args: Any, **kwargs: Any) -> list[str]:
            argv = command(*args, **kwargs)
            argv = [arg.replace("ClearAllForwardings=yes", "ClearAllForwardings=no")
                    for arg in argv]
            extra = ["-o", "ExitOnForwardFailure=no", "-L", f"127.0.0.1:{port}:{TARGET}:80"]
            cut = argv.index("--")
            return [*argv[:cut], *extra, *argv[cut:]]

        ssh.command = forwarding  # type: ignore[assignment]
    noise = os.environ.get("HOSTILE_STDERR_BYTES")
    if noise:
        write_config = sshd.write_config

        def noisy(session_dir: Path, host_key: Any, peer_key: str, user: str,
                  forced_command: str) -> Path:
            script = session_dir / "noisy.sh"
            script.write_text(f"(sleep 3; head -c {int(noise)} /dev/zero | tr '\\0' E >&2) &\n"
                              f"exec {forced_command}\n")
            return write_config(session_dir, host_key, peer_key, user, f"/bin/sh {script}")

        sshd.write_config = noisy  # type: ignore[assignment]


def main() -> int:
    steps = json.loads(Path(sys.argv[1]).read_text())
    patch(steps)
    from remote_help.cli import main as real_main

    return real_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
