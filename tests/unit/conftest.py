"""Shared helpers for the protocol-core unit tests.

The helpers are plain classes and functions; tests get them through the fixtures at the
bottom (importing from ``conftest`` at run time is fragile when several test trees have
one, so test modules import these names for type hints only).
"""

from __future__ import annotations

import base64
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The package lives in src/ and may not be installed in the venv.
_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

from remote_help.proto import frames  # noqa: E402
from remote_help.proto.handshake import Handshake, Identity  # noqa: E402

ED25519_PREFIX = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"


def fake_key(rng: random.Random | None = None) -> str:
    """A well-formed (not necessarily on-curve) ssh-ed25519 public key line, no comment."""
    raw = rng.randbytes(32) if rng is not None else random.randbytes(32)
    return "ssh-ed25519 " + base64.b64encode(ED25519_PREFIX + raw).decode()


def make_identity(
    role: str = "friend",
    user: str = "alice",
    has_sshd: bool = False,
    rng: random.Random | None = None,
) -> Identity:
    return Identity(role=role, public_key=fake_key(rng), user=user, has_sshd=has_sshd)


class Stalled(Exception):
    """The reader wants bytes that were never sent: a real connection would hang here."""


class Wire:
    """One direction of a TCP connection, read exactly the way the real I/O layer does:
    ``while (n := reader.wanted()): reader.feed(read_exactly(n))``."""

    Stalled = Stalled

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.reader = frames.FrameReader()
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        if data:
            self.sent.append(data)
        self.buffer += data

    def read_exactly(self, n: int) -> bytes:
        if len(self.buffer) < n:
            raise Stalled(f"wanted {n} bytes, only {len(self.buffer)} available")
        chunk = bytes(self.buffer[:n])
        del self.buffer[:n]
        return chunk

    def read_frame(self) -> tuple[bytes, dict[str, Any]]:
        while n := self.reader.wanted():
            self.reader.feed(self.read_exactly(n))
        return self.reader.take()


class Pair:
    """A real C and a real L connected by two in-memory wires."""

    def __init__(self, c: Handshake, l: Handshake) -> None:  # noqa: E741
        assert c.side == "C" and l.side == "L"
        self.c = c
        self.l = l
        self.to_l = Wire()  # C -> L
        self.to_c = Wire()  # L -> C

    def side(self, name: str) -> Handshake:
        return self.c if name == "C" else self.l

    def peer_of(self, name: str) -> Handshake:
        return self.l if name == "C" else self.c

    def wire_to(self, name: str) -> Wire:
        return self.to_c if name == "C" else self.to_l

    def start(self) -> None:
        self.to_c.send(self.l.start())
        self.to_l.send(self.c.start())

    def deliver_to(self, name: str) -> bytes:
        """Read one frame off the wire to ``name``, feed it, send the answer back."""
        raw, message = self.wire_to(name).read_frame()
        answer = self.side(name).receive(raw, message)
        self.wire_to("L" if name == "C" else "C").send(answer)
        return answer

    def deliver_to_l(self) -> bytes:
        return self.deliver_to("L")

    def deliver_to_c(self) -> bytes:
        return self.deliver_to("C")

    def run(self) -> None:
        """HELLO, HELLO2, REVEAL, REVEAL2: both sides end in COMPARING."""
        self.start()
        self.deliver_to_l()  # HELLO  -> L, HELLO2 back
        self.deliver_to_c()  # HELLO2 -> C, REVEAL back
        self.deliver_to_l()  # REVEAL -> L, which now knows the code
        self.to_c.send(self.l.open())  # L shows its person the words: REVEAL2
        self.deliver_to_c()  # REVEAL2 -> C

    def confirm(self, name: str) -> None:
        self.wire_to("L" if name == "C" else "C").send(self.side(name).confirm())

    def abort(self, name: str, reason: str) -> None:
        self.wire_to("L" if name == "C" else "C").send(self.side(name).abort(reason))


def make_pair(
    c_role: str = "friend",
    l_role: str = "helper",
    *,
    code_bits: int | None = None,
    rng: random.Random | None = None,
    c_identity: Identity | None = None,
    l_identity: Identity | None = None,
) -> Pair:
    extra: dict[str, Any] = {} if code_bits is None else {"code_bits": code_bits}
    c_id = c_identity or make_identity(c_role, "alice", False, rng)
    l_id = l_identity or make_identity(l_role, "bob", True, rng)
    c_nonce = rng.randbytes(32) if rng is not None else None
    l_nonce = rng.randbytes(32) if rng is not None else None
    return Pair(
        Handshake("C", c_id, nonce=c_nonce, **extra),
        Handshake("L", l_id, nonce=l_nonce, **extra),
    )


@pytest.fixture
def key_factory() -> Callable[..., str]:
    return fake_key


@pytest.fixture
def identity_factory() -> Callable[..., Identity]:
    return make_identity


@pytest.fixture
def pair_factory() -> Callable[..., Pair]:
    return make_pair


@pytest.fixture
def wire_factory() -> Callable[[], Wire]:
    return Wire
