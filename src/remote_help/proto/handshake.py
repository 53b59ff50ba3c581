"""The commit/reveal handshake (DESIGN section 4) as a sans-IO state machine.

Roles are by TCP direction: C connected, L listened. The caller feeds whole frames
(from ``frames.FrameReader``) and sends whatever bytes the methods return.

    1. C -> L  HELLO    {v, role, commit}            commit binds C's key, user, sshd, nonce
    2. L -> C  HELLO2   {v, role, commit}            commit binds L's key, user, sshd, nonce
    3. C -> L  REVEAL   {pk, user, has_sshd, nonce}  L checks it against C's commit
    4. L -> C  REVEAL2  {pk, user, has_sshd, nonce}  sent by ``open()`` when L shows its
                                                     person the words; C checks it
    5. both    transcript = H(frames 1-4); code = 25 bits of H(transcript)
    6. both    CONFIRM {} once its person confirmed, or ABORT {reason}

Both sides are bound before either reveals, so neither can choose the code. L says nothing
about itself (not even its user name) until C's reveal checked out, and a caller learns L's
code only when L's person is shown it: a stranger cannot collect codes unseen (see
docs/decisions.md, "a stranger cannot lock the helper out").

All transitions live in ``TRANSITIONS`` at the bottom of this module.
"""

from __future__ import annotations

import base64
import enum
import re
import secrets
from dataclasses import dataclass
from typing import Any

from remote_help.proto import frames, sas
from remote_help.proto.errors import ProtocolError
from remote_help.roles import AbortReason, Role, Side
from remote_help.sentences import Say, text

VERSION = 2  # 1: HELLO2 carried L's identity in the clear
ROLES = (Role.FRIEND, Role.HELPER)
USER_PATTERN = re.compile(r"[a-z_][a-z0-9_.-]{0,31}")
NONCE_BYTES = 32
# Handshake frames one side reads: HELLO (or HELLO2), REVEAL (or REVEAL2), CONFIRM or ABORT.
FRAMES_PER_DIRECTION = 3
ABORT_REASONS = frozenset(AbortReason)  # what each means: roles.AbortReason


class State(enum.Enum):
    INIT = "init"
    WAIT_HELLO = "wait-hello"  # L
    WAIT_HELLO2 = "wait-hello2"  # C
    WAIT_REVEAL = "wait-reveal"  # L
    WAIT_REVEAL2 = "wait-reveal2"  # C
    READY = "ready"  # L checked C's reveal and knows the code; its own reveal not yet sent
    COMPARING = "comparing"  # both know the code; the people compare it
    CONFIRMED = "confirmed"  # this side confirmed; waiting for the peer's CONFIRM
    PEER_CONFIRMED = "peer-confirmed"  # the peer confirmed; waiting for this person
    VERIFIED = "verified"  # both confirmed: SSH may start
    ABORTED = "aborted"


@dataclass(frozen=True, init=False)
class Identity:
    """What one side tells the other about itself. No private key material here."""

    role: Role
    public_key: str  # "ssh-ed25519 AAAA..." with no comment
    user: str
    has_sshd: bool

    def __init__(self, role: Role | str, public_key: str, user: str, has_sshd: bool) -> None:
        """``role`` may be given as its string (ValueError for any other)."""
        object.__setattr__(self, "role", Role(role))
        object.__setattr__(self, "public_key", check_public_key(public_key))
        object.__setattr__(self, "user", check_user(user))
        object.__setattr__(self, "has_sshd", has_sshd)


class SameRole(ProtocolError):
    """Both sides chose the same role; the peer is told with ABORT same-role."""


class PeerAborted(Exception):
    """The peer sent ABORT; ``reason`` is one of ``ABORT_REASONS``."""

    def __init__(self, reason: AbortReason | str) -> None:
        super().__init__(str(reason))
        self.reason = AbortReason(reason)


def check_user(user: object) -> str:
    if not isinstance(user, str) or not USER_PATTERN.fullmatch(user):
        raise ProtocolError(text(Say.PROTO_BAD_USER))
    return user


def check_public_key(line: object) -> str:
    """Exactly one ssh-ed25519 public key, type and base64 blob, nothing else."""
    if not isinstance(line, str) or len(line) > 200:
        raise ProtocolError(text(Say.PROTO_BAD_IDENTITY))
    parts = line.split(" ")
    if len(parts) != 2 or parts[0] != "ssh-ed25519":
        raise ProtocolError(text(Say.PROTO_BAD_IDENTITY))
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except ValueError as exc:
        raise ProtocolError(text(Say.PROTO_BAD_IDENTITY)) from exc
    expected_prefix = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20"
    if len(blob) != len(expected_prefix) + 32 or not blob.startswith(expected_prefix):
        raise ProtocolError(text(Say.PROTO_BAD_IDENTITY))
    if base64.b64encode(blob).decode() != parts[1]:
        raise ProtocolError(text(Say.PROTO_BAD_IDENTITY))
    return line


# Each side commits under a label of its own, so that a commitment reflected back at its
# sender can never be opened as the other side's.
COMMIT_LABELS = {Side.CONNECTED: b"rh-commit-v1", Side.LISTENED: b"rh-commit-listener-v1"}


def commitment(identity: Identity, nonce: bytes, side: Side = Side.CONNECTED) -> bytes:
    return sas.hash_parts(
        COMMIT_LABELS[side],
        identity.public_key.encode(),
        identity.user.encode(),
        b"1" if identity.has_sshd else b"0",
        identity.role.encode(),
        nonce,
    )


# Exact field sets (and their types) of each message; anything else is an error.
_SCHEMAS: dict[str, dict[str, type]] = {
    "HELLO": {"t": str, "v": int, "role": str, "commit": str},
    "HELLO2": {"t": str, "v": int, "role": str, "commit": str},
    "REVEAL": {"t": str, "pk": str, "user": str, "has_sshd": bool, "nonce": str},
    "REVEAL2": {"t": str, "pk": str, "user": str, "has_sshd": bool, "nonce": str},
    "CONFIRM": {"t": str},
    "ABORT": {"t": str, "reason": str},
}  # fmt: skip


def validate(message: dict[str, Any]) -> str:
    """Check a message against its schema; return its type name."""
    kind = message.get("t")
    if not isinstance(kind, str) or kind not in _SCHEMAS:
        raise ProtocolError(text(Say.PROTO_UNKNOWN_MESSAGE))
    schema = _SCHEMAS[kind]
    if set(message) != set(schema):
        raise ProtocolError(text(Say.PROTO_WRONG_FIELDS))
    for key, typ in schema.items():
        value = message[key]
        # bool is a subclass of int: keep them apart.
        if type(value) is not typ:
            raise ProtocolError(text(Say.PROTO_WRONG_FIELDS))
    if "v" in message and message["v"] != VERSION:
        raise ProtocolError(text(Say.PROTO_OTHER_VERSION))
    if "role" in message and message["role"] not in ROLES:
        raise ProtocolError(text(Say.PROTO_WRONG_FIELDS))
    if kind == "ABORT" and message["reason"] not in ABORT_REASONS:
        raise ProtocolError(text(Say.PROTO_UNKNOWN_ABORT))
    return kind


def _hex32(value: str) -> bytes:
    if not re.fullmatch(r"[0-9a-f]{64}", value):
        raise ProtocolError(text(Say.PROTO_WRONG_FIELDS))
    return bytes.fromhex(value)


class Handshake:
    """One side of one handshake. Feed frames in, send the bytes it returns."""

    def __init__(
        self,
        side: Side | str,
        me: Identity,
        *,
        nonce: bytes | None = None,
        code_bits: int = sas.CODE_BITS,
    ) -> None:
        """``side`` may be given as its string, "C" or "L" (ValueError for any other)."""
        self.side = Side(side)
        self.me = me
        self.state = State.INIT
        self.peer: Identity | None = None
        self.code: str | None = None
        self.transcript: bytes | None = None
        self._nonce = nonce if nonce is not None else secrets.token_bytes(NONCE_BYTES)
        self._code_bits = code_bits
        self._frames: list[bytes] = []
        self._peer_commit: bytes | None = None
        self._peer_role: Role | None = None
        self._opening: bytes | None = None  # L's REVEAL2, held back until open()

    # -- local intents ---------------------------------------------------------------

    def start(self) -> bytes:
        """Begin: C returns its HELLO; L returns nothing and waits for HELLO."""
        self._step("start")
        if self.side is Side.LISTENED:
            return b""
        frame = frames.encode(
            {"t": "HELLO", "v": VERSION, "role": self.me.role,
             "commit": commitment(self.me, self._nonce).hex()}
        )  # fmt: skip
        self._frames.append(frame)
        return frame

    def open(self) -> bytes:
        """L only: its person is shown the words now; returns REVEAL2, which tells C the
        code. Until then C cannot know it, so a caller that leaves learned nothing."""
        self._step("open")
        assert self._opening is not None
        return self._opening

    def confirm(self) -> bytes:
        """This side's person confirmed the code."""
        self._step("confirm")
        return frames.encode({"t": "CONFIRM"})

    def abort(self, reason: AbortReason | str) -> bytes:
        """Stop, telling the peer why. Allowed in every state but ABORTED."""
        try:
            reason = AbortReason(reason)
        except ValueError:
            raise ValueError(f"unknown abort reason {reason!r}") from None
        self._step("abort")
        return frames.encode({"t": "ABORT", "reason": reason})

    @property
    def verified(self) -> bool:
        return self.state is State.VERIFIED

    # -- frames from the peer --------------------------------------------------------

    def receive(self, raw: bytes, message: dict[str, Any]) -> bytes:
        """Handle one whole frame (raw bytes as received, and its parsed body).

        Returns bytes to send (possibly empty). Raises ProtocolError for bad input and
        PeerAborted when the peer stopped; either way the handshake is then ABORTED.
        """
        try:
            return self._receive(raw, message)
        except ProtocolError:
            self.state = State.ABORTED
            raise

    def _receive(self, raw: bytes, message: dict[str, Any]) -> bytes:
        kind = validate(message)
        if kind == "ABORT":
            self._step("recv ABORT")
            raise PeerAborted(message["reason"])
        # Check the content before moving on, so a bad frame never advances the state.
        handler = {"HELLO": self._on_hello, "HELLO2": self._on_hello2,
                   "REVEAL": self._on_reveal, "REVEAL2": self._on_reveal2}.get(kind)
        self._check_order(f"recv {kind}")
        reply = handler(raw, message) if handler is not None else b""
        self._step(f"recv {kind}")
        if kind in ("REVEAL", "REVEAL2"):
            self._derive()
        return reply

    def _on_hello(self, raw: bytes, message: dict[str, Any]) -> bytes:
        self._peer_role = self._check_roles(message["role"])
        self._peer_commit = _hex32(message["commit"])
        self._frames.append(raw)
        return self._send_frame(
            {"t": "HELLO2", "v": VERSION, "role": self.me.role,
             "commit": commitment(self.me, self._nonce, Side.LISTENED).hex()}
        )  # fmt: skip

    def _on_hello2(self, raw: bytes, message: dict[str, Any]) -> bytes:
        self._peer_role = self._check_roles(message["role"])
        self._peer_commit = _hex32(message["commit"])
        self._frames.append(raw)
        return self._send_frame(self._reveal("REVEAL"))

    def _on_reveal(self, raw: bytes, message: dict[str, Any]) -> bytes:
        self.peer = self._opened(message, Side.CONNECTED)
        self._frames.append(raw)
        # L's own reveal is part of the transcript now, but goes out only with open().
        self._opening = frames.encode(self._reveal("REVEAL2"))
        self._frames.append(self._opening)
        return b""

    def _on_reveal2(self, raw: bytes, message: dict[str, Any]) -> bytes:
        self.peer = self._opened(message, Side.LISTENED)
        self._frames.append(raw)
        return b""

    def _reveal(self, kind: str) -> dict[str, Any]:
        return {"t": kind, "pk": self.me.public_key, "user": self.me.user,
                "has_sshd": self.me.has_sshd, "nonce": self._nonce.hex()}

    def _send_frame(self, message: dict[str, Any]) -> bytes:
        frame = frames.encode(message)
        self._frames.append(frame)
        return frame

    def _opened(self, message: dict[str, Any], peer_side: Side) -> Identity:
        """The peer's revealed identity, checked against what it committed to."""
        assert self._peer_role is not None and self._peer_commit is not None
        peer = Identity(
            role=self._peer_role,
            public_key=check_public_key(message["pk"]),
            user=check_user(message["user"]),
            has_sshd=message["has_sshd"],
        )
        nonce = _hex32(message["nonce"])
        if not secrets.compare_digest(commitment(peer, nonce, peer_side), self._peer_commit):
            raise ProtocolError(text(Say.PROTO_CHANGED_ANSWER))
        if peer.public_key == self.me.public_key:
            raise ProtocolError(text(Say.PROTO_ECHOED_KEY))
        return peer

    def _check_roles(self, value: str) -> Role:
        """The peer's role (``validate`` let only a role's string through)."""
        peer_role = Role(value)
        if peer_role is self.me.role:
            raise SameRole(text(Say.PROTO_SAME_ROLE, peer_role))
        return peer_role

    def _derive(self) -> None:
        self.transcript = sas.hash_parts(b"rh-transcript-v2", *self._frames)
        self.code = sas.derive_code(self.transcript, self._code_bits)

    # -- the transition table --------------------------------------------------------

    def _check_order(self, event: str) -> None:
        if (self.side, self.state, event) not in TRANSITIONS:
            raise ProtocolError(text(Say.PROTO_OUT_OF_ORDER))

    def _step(self, event: str) -> None:
        key = (self.side, self.state, event)
        if event == "abort" and self.state is not State.ABORTED:
            self.state = State.ABORTED
            return
        if event == "recv ABORT" and self.state is not State.ABORTED:
            self.state = State.ABORTED
            return
        target = TRANSITIONS.get(key)
        if target is None:
            if event.startswith("recv "):
                self.state = State.ABORTED
                raise ProtocolError(text(Say.PROTO_OUT_OF_ORDER))
            raise ValueError(f"{event!r} is not allowed in state {self.state.value}")
        self.state = target


S = State
# (side, state, event) -> next state. "abort" and "recv ABORT" lead to ABORTED from
# every state except ABORTED itself; every other pair is out of order.
C, L = Side.CONNECTED, Side.LISTENED
TRANSITIONS: dict[tuple[Side, State, str], State] = {
    (C, S.INIT, "start"): S.WAIT_HELLO2,
    (C, S.WAIT_HELLO2, "recv HELLO2"): S.WAIT_REVEAL2,
    (C, S.WAIT_REVEAL2, "recv REVEAL2"): S.COMPARING,
    (L, S.INIT, "start"): S.WAIT_HELLO,
    (L, S.WAIT_HELLO, "recv HELLO"): S.WAIT_REVEAL,
    (L, S.WAIT_REVEAL, "recv REVEAL"): S.READY,
    (L, S.READY, "open"): S.COMPARING,
    **{(side, S.COMPARING, "confirm"): S.CONFIRMED for side in Side},
    **{(side, S.COMPARING, "recv CONFIRM"): S.PEER_CONFIRMED for side in Side},
    **{(side, S.CONFIRMED, "recv CONFIRM"): S.VERIFIED for side in Side},
    **{(side, S.PEER_CONFIRMED, "confirm"): S.VERIFIED for side in Side},
}
