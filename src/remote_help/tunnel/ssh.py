"""The pinned ``ssh`` client: it trusts exactly the verified key and asks for nothing else."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from remote_help.tunnel.common import PEER_ALIAS, open_log, safe_path
from remote_help.tunnel.keys import KeyPair
from remote_help.tunnel.sshd import cap_files


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
    log_fd = open_log(log)
    try:
        # The log is capped: the other side's program could write to it without end
        # (what its side of the channel prints as errors lands here).
        return await asyncio.create_subprocess_exec(
            *argv, stdin=stdin, stdout=stdout, stderr=log_fd, env=env,
            preexec_fn=cap_files,  # two system calls in the child, no locks
        )
    finally:
        os.close(log_fd)
