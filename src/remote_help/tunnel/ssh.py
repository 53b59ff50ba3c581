"""The pinned ``ssh`` client: it trusts exactly the verified key and asks for nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

from remote_help.tunnel.common import PEER_ALIAS, open_log, safe_path
from remote_help.tunnel.keys import KeyPair
from remote_help.tunnel.sshd import LOG_LIMIT


def write_known_hosts(session_dir: Path, peer_key: str) -> Path:
    path = session_dir / "known_hosts"
    path.write_text(f"{PEER_ALIAS} {peer_key}\n")
    path.chmod(0o600)
    return path


def command(
    ssh: str, identity: KeyPair, known_hosts: Path, peer_user: str, proxy_command: str
) -> list[str]:
    """The ssh argv. ``peer_user`` was validated by the handshake; it is one argv element."""
    options = {
        "BatchMode": "yes",
        "ProxyCommand": proxy_command,
        "ProxyUseFdpass": "yes",
        "UserKnownHostsFile": safe_path(known_hosts),
        "GlobalKnownHostsFile": "/dev/null",
        "StrictHostKeyChecking": "yes",
        "HostKeyAlias": PEER_ALIAS,
        "HostKeyAlgorithms": "ssh-ed25519",
        "CheckHostIP": "no",
        "UpdateHostKeys": "no",
        "VerifyHostKeyDNS": "no",
        "CanonicalizeHostname": "no",
        "IdentityFile": safe_path(identity.private_path),
        "IdentitiesOnly": "yes",
        "IdentityAgent": "none",
        "AddKeysToAgent": "no",
        "PubkeyAuthentication": "yes",
        "PasswordAuthentication": "no",
        "KbdInteractiveAuthentication": "no",
        "HostbasedAuthentication": "no",
        "GSSAPIAuthentication": "no",
        "ForwardAgent": "no",
        "ForwardX11": "no",
        "ForwardX11Trusted": "no",
        "ClearAllForwardings": "yes",
        "Tunnel": "no",
        "PermitLocalCommand": "no",
        "ControlMaster": "no",
        "ControlPath": "none",
        "EscapeChar": "none",
        "RequestTTY": "no",
        "ServerAliveInterval": "15",
        "ServerAliveCountMax": "4",
        "ConnectTimeout": "30",
        "Compression": "no",
        "LogLevel": "ERROR",
        "User": peer_user,
    }
    argv = [ssh, "-F", "none", "-T"]
    for key, value in options.items():
        argv += ["-o", f"{key}={value}"]
    return [*argv, "--", PEER_ALIAS]


async def start(argv: list[str], stdin: int, stdout: int, log: Path) -> asyncio.subprocess.Process:
    """Run ssh with the session stream's pipes as its stdin and stdout."""
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "USER", "LOGNAME")}
    errors_r, errors_w = os.pipe()
    try:
        LogSink(errors_r, log)
    except BaseException:
        os.close(errors_w)
        raise
    try:
        return await asyncio.create_subprocess_exec(
            *argv, stdin=stdin, stdout=stdout, stderr=errors_w, env=env
        )
    finally:
        os.close(errors_w)


class LogSink:
    """ssh's error output into its log, LOG_LIMIT bytes of it at most; the rest is read
    and dropped. ssh writes there what the other side's program prints as errors, so the
    other side could otherwise fill the log (in RAM, or /tmp) without end; and a log that
    refused writes would stall ssh's connection (OpenSSH stops reading that stream)."""

    def __init__(self, fd: int, path: Path) -> None:
        self._fd = fd
        self._log = open_log(path)
        self._room = LOG_LIMIT
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self._read)  # the loop keeps us alive

    def _read(self) -> None:
        try:
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # ssh and all it started have let go of it
            self._close()
            return
        if self._room > 0:
            part = data[: self._room]
            self._room -= len(part)
            with contextlib.suppress(OSError):
                os.write(self._log, part)

    def _close(self) -> None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().remove_reader(self._fd)
        for fd in (self._fd, self._log):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fd = self._log = -1
