"""Start SSH over the verified connection and hand back the session channel's descriptors.

The side that runs sshd hands the TCP socket to ``sshd -i``; sshd's forced command (the
bridge) passes the channel's stdin and stdout back to us over a private unix socket.
The other side runs ``ssh`` whose ProxyCommand (the bridge) fetches the TCP socket from
us and passes it to ssh; ssh's stdin and stdout are pipes to us.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import os
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

from remote_help import aio
from remote_help.proto.handshake import Identity
from remote_help.sentences import Say, text
from remote_help.tunnel import common, keys, ssh, sshd

SETUP_DEADLINE = 30.0


class TunnelError(Exception):
    """The secure connection could not be set up.

    ``str()`` is a plain sentence for anyone; ``detail`` is for technical people only.
    """

    def __init__(self, sentence: str, detail: str = "", *, peer_left: bool = False) -> None:
        super().__init__(sentence)
        self.detail = detail
        self.peer_left = peer_left  # the log says the other computer closed or cut it


@dataclass
class Tunnel:
    rfd: int
    wfd: int
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    holders: list[socket.socket] = field(default_factory=list)
    lead: bool = False  # our channel came from sshd's forced command: we write first

    async def close(self) -> None:
        """Let go of the channel and make sure every process we started is gone."""
        for holder in self.holders:
            holder.close()
        for proc in self.processes:
            with contextlib.suppress(TimeoutError):
                await aio.wait_for(proc.wait(), 3)
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()


def _private_unix_listener(path: Path) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))
    os.chmod(path, 0o600)
    sock.listen(1)
    sock.setblocking(False)
    return sock


async def _accept_own(listener: socket.socket, what: str, procs: list[asyncio.subprocess.Process],
                      log: Path) -> socket.socket:
    """Accept one connection from a process of our own user (SO_PEERCRED checked)."""
    loop = asyncio.get_running_loop()
    accept = asyncio.ensure_future(loop.sock_accept(listener))  # noqa: TID251 (awaited below)
    waits = [asyncio.ensure_future(p.wait()) for p in procs]  # noqa: TID251
    try:
        done, _ = await asyncio.wait([accept, *waits], timeout=SETUP_DEADLINE,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (accept, *waits):
            if not task.done():
                task.cancel()
    if accept not in done:
        for _ in range(3):  # what ssh wrote last reaches its log (tunnel/ssh.py LogSink)
            await asyncio.sleep(0)
        meaning = log_meaning(log)
        raise TunnelError(text(Say.TUNNEL_NOT_SET_UP), f"{what}: {text(meaning)}",
                          peer_left=meaning in (Say.TUNNEL_LOG_CLOSED, Say.TUNNEL_LOG_CUT))
    conn, _ = accept.result()
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _, uid, _ = struct.unpack("3i", creds)
    if uid != os.geteuid():
        conn.close()
        raise TunnelError(text(Say.TUNNEL_TAKEOVER))
    conn.setblocking(True)
    return conn


# What a line of sshd's or ssh's log means, in our own words. The lines themselves are
# never shown: the other side chooses parts of them (a refused request's target, what its
# program printed), and a quoted "To fix this, run: curl ..." would read as our advice.
_MEANINGS = (
    ("host key verification failed", Say.TUNNEL_LOG_WRONG_KEY),
    ("permission denied", Say.TUNNEL_LOG_KEY_REFUSED),
    ("connection refused", Say.TUNNEL_LOG_REFUSED),
    ("timed out", Say.TUNNEL_LOG_TIMED_OUT),
    ("timeout", Say.TUNNEL_LOG_TIMED_OUT),
    ("connection reset", Say.TUNNEL_LOG_CUT),
    ("broken pipe", Say.TUNNEL_LOG_CUT),
    ("connection closed", Say.TUNNEL_LOG_CLOSED),
    ("disconnect", Say.TUNNEL_LOG_CLOSED),
    ("no such file", Say.TUNNEL_LOG_MISSING),
    ("fatal", Say.TUNNEL_LOG_FATAL),
    ("error", Say.TUNNEL_LOG_ERROR),
)
LOG_TAIL = 16 * 1024  # bytes of a log read to find out what went wrong


def log_tail(log: Path, size: int = LOG_TAIL) -> str:
    """The last ``size`` bytes of sshd's or ssh's log (capped anyway: sshd.LOG_LIMIT)."""
    try:
        with log.open("rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - size))
            return file.read(size).decode(errors="replace")
    except OSError:
        return ""


def meaningful_log_line(log: Path) -> str:
    """What sshd's or ssh's log says went wrong, in our words (its last telling line)."""
    return text(log_meaning(log))


def log_meaning(log: Path) -> Say:
    """Which of our sentences says what sshd's or ssh's log tells went wrong."""
    lines = [line.strip().lower() for line in log_tail(log).splitlines()]
    for line in reversed([line for line in lines if line and not line.startswith("debug")]):
        for words, meaning in _MEANINGS:
            if words in line:
                return meaning
    return Say.TUNNEL_NO_REASON


async def serve(conn: socket.socket, session_dir: Path, me: keys.KeyPair, peer: Identity,
                *, user: str, sshd_path: str) -> Tunnel:
    """Run sshd on the verified connection; return the channel it hands us."""
    bridge = common.install_bridge(session_dir)
    sock_path = session_dir / "session.sock"
    forced = common.bridge_command(bridge, "serve", sock_path)
    config = sshd.write_config(session_dir, me, peer.public_key, user, forced)
    # Root's /run/sshd was made (and is removed) by the caller, which checked this sshd.
    tunnel = Tunnel(-1, -1, lead=True)
    try:
        sshd.check_config(sshd_path, config)
        listener = _private_unix_listener(sock_path)
        log = session_dir / "sshd.log"
        try:
            proc = await sshd.start(sshd_path, config, conn, log)
            tunnel.processes.append(proc)
            conn.close()
            bridge_conn = await _accept_own(listener, "the server side", [proc], log)
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                sock_path.unlink()
        tunnel.holders.append(bridge_conn)
        fds = array.array("i")
        _, ancillary, _, _ = bridge_conn.recvmsg(1, socket.CMSG_SPACE(2 * fds.itemsize))
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            raise TunnelError(text(Say.TUNNEL_NOT_SET_UP), "no channel")
        tunnel.rfd, tunnel.wfd = fds[0], fds[1]
        return tunnel
    except BaseException:
        conn.close()
        await tunnel.close()
        raise


async def dial(conn: socket.socket, session_dir: Path, me: keys.KeyPair, peer: Identity) -> Tunnel:
    """Run ssh over the verified connection, pinned to the peer's verified key."""
    ssh_path = keys.find_tool("ssh", "openssh-client")
    bridge = common.install_bridge(session_dir)
    sock_path = session_dir / "proxy.sock"
    known_hosts = ssh.write_known_hosts(session_dir, peer.public_key)
    argv = ssh.command(ssh_path, me, known_hosts, peer.user,
                       common.bridge_command(bridge, "proxy", sock_path))
    to_ssh_r, to_ssh_w = os.pipe()
    from_ssh_r, from_ssh_w = os.pipe()
    tunnel = Tunnel(-1, -1)
    try:
        listener = _private_unix_listener(sock_path)
        log = session_dir / "ssh.log"
        try:
            proc = await ssh.start(argv, to_ssh_r, from_ssh_w, log)
            tunnel.processes.append(proc)
            proxy_conn = await _accept_own(listener, "the client side", [proc], log)
        finally:
            listener.close()
            with contextlib.suppress(OSError):
                sock_path.unlink()
        with proxy_conn:
            proxy_conn.sendmsg([b"C"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                         array.array("i", [conn.fileno()]))])
        conn.close()
        tunnel.rfd, tunnel.wfd = from_ssh_r, to_ssh_w
        return tunnel
    except BaseException:
        conn.close()
        for fd in (from_ssh_r, to_ssh_w):
            os.close(fd)
        await tunnel.close()
        raise
    finally:
        for fd in (to_ssh_r, from_ssh_w):  # ssh has its own copies
            os.close(fd)
