"""Fake peers for the hostile tests: raw frames, hand-driven callers and listeners, junk
connections, and a man in the middle built from the project's own sans-IO handshake.

Everything here uses plain blocking sockets with timeouts (threads where two things must
happen at once), so a fake never depends on the code under test to make progress.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import select
import socket
import struct
import threading
import time
from typing import Any

import pexpect

from remote_help.proto import frames, sas
from remote_help.proto.handshake import VERSION, Handshake, Identity
from tests import support

ED25519_PREFIX = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
IO_TIMEOUT = 15.0
TRACEBACK_MARKERS = ("Traceback", "unexpected problem", "Task exception")


# -- keys, frames and the commitment -----------------------------------------------------

def random_key() -> str:
    """A well-formed ssh-ed25519 public key line of our own (not necessarily on the curve)."""
    return "ssh-ed25519 " + base64.b64encode(ED25519_PREFIX + os.urandom(32)).decode()


def raw_frame(body: bytes) -> bytes:
    """A frame with any body at all, even one the real encoder would refuse."""
    return struct.pack(">I", len(body)) + body


def frame(message: dict[str, Any]) -> bytes:
    """A frame spelled as the program spells frames (the only spelling it accepts)."""
    return raw_frame(frames.canonical(message))


def commit_hex(pk: str, user: str, has_sshd: bool, role: str, nonce: bytes, *,
               side: str = "C") -> str:
    """The commitment of docs/protocol.md, for any values (even ones Identity refuses)."""
    label = b"rh-commit-v1" if side == "C" else b"rh-commit-listener-v1"
    return sas.hash_parts(label, pk.encode(), user.encode(), b"1" if has_sshd else b"0",
                          role.encode(), nonce).hex()


# -- sockets ---------------------------------------------------------------------------

def connect(port: int, timeout: float = IO_TIMEOUT, source: str = "127.0.0.1") -> socket.socket:
    """Connect to the program on loopback, from ``source`` (any 127.x address: another
    'computer' as far as the listener can tell)."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0))


def recv_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise EOFError(f"connection closed after {len(data)} of {count} bytes")
        data += chunk
    return data


def read_frame(sock: socket.socket,
               reader: frames.FrameReader | None = None) -> tuple[bytes, dict[str, Any]]:
    """One frame, read exactly as the product reads it (never a byte beyond it)."""
    reader = reader or frames.FrameReader()
    while wanted := reader.wanted():
        reader.feed(recv_exactly(sock, wanted))
    return reader.take()


def reset(sock: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Whether the other end closes ``sock`` within ``timeout`` (whatever it sends first)."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except OSError:
            return True
    return False


def refused(port: int) -> bool:
    """Whether a new connect() to the port on loopback is refused."""
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) != 0


class FakeListener:
    """A listening socket on loopback standing in for the other person's program."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(IO_TIMEOUT)
        self.port = int(self.server.getsockname()[1])

    def accept(self) -> socket.socket:
        sock, _ = self.server.accept()
        sock.settimeout(IO_TIMEOUT)
        return sock

    def close(self) -> None:
        self.server.close()


class FakeCaller:
    """A hand-driven C side: the test decides every frame it sends."""

    def __init__(self, port: int, role: str = "friend", user: str = "mallory",
                 pk: str | None = None, has_sshd: bool = True, *,
                 source: str = "127.0.0.1") -> None:
        self.sock = connect(port, source=source)
        self.role = role
        self.user = user
        self.pk = pk or random_key()
        self.has_sshd = has_sshd
        self.nonce = os.urandom(32)
        self.reader = frames.FrameReader()

    def commit(self) -> str:
        return commit_hex(self.pk, self.user, self.has_sshd, self.role, self.nonce)

    def hello(self, **override: Any) -> None:
        message = {"t": "HELLO", "v": VERSION, "role": self.role, "commit": self.commit()}
        message.update(override)
        self.sock.sendall(frame(message))

    def reveal(self, **override: Any) -> None:
        message = {"t": "REVEAL", "pk": self.pk, "user": self.user, "has_sshd": self.has_sshd,
                   "nonce": self.nonce.hex()}
        message.update(override)
        self.sock.sendall(frame(message))

    def read(self) -> dict[str, Any]:
        return read_frame(self.sock, self.reader)[1]

    def close(self) -> None:
        self.sock.close()


# -- the man in the middle ----------------------------------------------------------------

class Relay:
    """A man in the middle between a real friend (who connects here) and a real helper.

    It runs handshake L with the friend and handshake C with the helper, each with a key of
    its own (copying the user names, so only the keys and nonces differ), then forwards
    every further byte blindly in both directions and records it.
    """

    def __init__(self, helper_port: int, friend_user: str, *, transparent: bool = False) -> None:
        self.helper_port = helper_port
        self.transparent = transparent  # forward everything from the first byte (a control)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(IO_TIMEOUT)
        self.port = int(self.server.getsockname()[1])
        self.with_helper = Handshake("C", Identity("friend", random_key(), friend_user, True))
        self.with_friend: Handshake | None = None
        self.handshake_bytes: dict[str, bytearray] = {"to helper": bytearray(),
                                                      "to friend": bytearray()}
        self.forwarded: dict[str, bytearray] = {"to helper": bytearray(),
                                                "to friend": bytearray()}
        self.chunks: list[tuple[float, str, bytes]] = []  # every forwarded chunk, in order
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._sockets: list[socket.socket] = []
        self._thread = threading.Thread(target=self._run, name="mitm-relay", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10) -> None:
        """Wait until both legs are closed (or force them shut), then report errors."""
        self._thread.join(timeout)
        self.close()
        assert not self._thread.is_alive(), "the relay did not stop"
        if self.error is not None:
            raise AssertionError(f"the relay failed: {self.error!r}") from self.error

    def close(self) -> None:
        """Shut everything now, whatever state the relay is in (also after a failure)."""
        self._stop.set()
        for sock in [self.server, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept/recv
            sock.close()
        if self._thread.is_alive():
            self._thread.join(5)

    @property
    def friend_code(self) -> str | None:
        return None if self.with_friend is None else self.with_friend.code

    @property
    def helper_code(self) -> str | None:
        return self.with_helper.code

    def _run(self) -> None:
        try:
            self._relay()
        except BaseException as exc:  # reported by stop()
            self.error = exc
        finally:
            for sock in [self.server, *self._sockets]:
                with contextlib.suppress(OSError):
                    sock.close()

    def _send(self, sock: socket.socket, leg: str, data: bytes) -> None:
        self.handshake_bytes[leg] += data
        sock.sendall(data)

    def _relay(self) -> None:
        friend, _ = self.server.accept()
        self.server.close()
        self._sockets.append(friend)
        friend.settimeout(IO_TIMEOUT)
        if self.transparent:
            helper = connect(self.helper_port)
            self._sockets.append(helper)
            self._forward(friend, helper)
            return
        from_friend = frames.FrameReader()
        hello = read_frame(friend, from_friend)  # the friend commits to its key

        helper = connect(self.helper_port)
        self._sockets.append(helper)
        from_helper = frames.FrameReader()
        self._send(helper, "to helper", self.with_helper.start())
        reveal = self.with_helper.receive(*read_frame(helper, from_helper))
        self._send(helper, "to helper", reveal)
        self.with_helper.receive(*read_frame(helper, from_helper))  # REVEAL2: shown there

        peer = self.with_helper.peer
        assert peer is not None
        self.with_friend = Handshake("L", Identity("helper", random_key(), peer.user,
                                                   peer.has_sshd))
        self.with_friend.start()
        self._send(friend, "to friend", self.with_friend.receive(*hello))
        self.with_friend.receive(*read_frame(friend, from_friend))  # friend's REVEAL
        self._send(friend, "to friend", self.with_friend.open())
        self._forward(friend, helper)

    def _forward(self, friend: socket.socket, helper: socket.socket) -> None:
        other = {friend: helper, helper: friend}
        leg = {friend: "to helper", helper: "to friend"}
        live = {friend, helper}
        deadline = time.monotonic() + 90
        while live and not self._stop.is_set() and time.monotonic() < deadline:
            ready, _, _ = select.select(list(live), [], [], 0.1)
            for sock in ready:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                if not data:
                    live.discard(sock)
                    with contextlib.suppress(OSError):
                        other[sock].shutdown(socket.SHUT_WR)
                    continue
                self.forwarded[leg[sock]] += data
                self.chunks.append((time.monotonic(), leg[sock], data))
                with contextlib.suppress(OSError):
                    other[sock].sendall(data)


def split_frames(data: bytes) -> tuple[list[dict[str, Any]], bytes]:
    """The handshake frames at the start of recorded bytes, and what follows them (the
    bytes from the first "SSH-" on)."""
    reader = frames.FrameReader()
    out = []
    view = memoryview(data)
    while view and not (reader.wanted() == frames.HEADER.size and bytes(view[:4]) == b"SSH-"):
        wanted = reader.wanted()
        reader.feed(bytes(view[:wanted]))
        view = view[wanted:]
        if reader.wanted() == 0:
            out.append(reader.take()[1])
    assert reader.wanted() == frames.HEADER.size, "recorded bytes end inside a frame"
    return out, bytes(view)


def parse_frames(data: bytes) -> list[dict[str, Any]]:
    """Recorded bytes that must be handshake frames and nothing else."""
    out, rest = split_frames(data)
    assert rest == b"", f"not a frame: {rest[:40]!r}"
    return out


# -- what the screen may never show -------------------------------------------------------

def assert_no_crash(*programs: support.Program) -> None:
    """No traceback and no crash report on any screen."""
    for program in programs:
        for marker in TRACEBACK_MARKERS:
            assert marker not in program.output, \
                f"{marker!r} on screen:\n{program.output[-3000:]}"


def lines_matching(program: support.Program, pattern: str) -> list[str]:
    return re.findall(pattern, program.output)


def wait_for_count(program: support.Program, pattern: str, count: int,
                   timeout: float = 10) -> int:
    """Wait until ``pattern`` occurs at least ``count`` times in everything shown so far."""
    deadline = time.monotonic() + timeout
    while True:
        found = len(lines_matching(program, pattern))
        if found >= count or time.monotonic() > deadline:
            return found
        # Let pexpect pull more output into the log; a matched TIMEOUT keeps its buffer.
        program.child.expect(pexpect.TIMEOUT, timeout=0.2)
