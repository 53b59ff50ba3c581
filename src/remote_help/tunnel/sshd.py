"""The locked-down ``sshd -i``: one session channel with a forced command, nothing else."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pwd
import resource
import signal
import socket
import subprocess
from pathlib import Path

from remote_help.sentences import Say, text
from remote_help.tunnel.common import open_log, safe_path
from remote_help.tunnel.keys import KeyPair

DEFAULT_SSHD = "/usr/sbin/sshd"
# sshd's and ssh's own logs, in the session folder (in RAM, or /tmp), may hold this much:
# the other side chooses much of what they say (a refused request's target, its
# program's error output), so a peer must not be able to fill a disk or memory with it.
LOG_LIMIT = 64 * 1024
log = logging.getLogger(__name__)


class SshdError(Exception):
    """sshd could not be started; the message is a plain sentence."""


def has_sshd(path: str) -> bool:
    """Whether we can serve: the program exists, and our account's shell can run the
    forced command (sshd runs it as `$SHELL -c ...`; nologin would refuse)."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return False
    shell = pwd.getpwuid(os.geteuid()).pw_shell or "/bin/sh"
    return os.access(shell, os.X_OK) and not shell.endswith(("nologin", "false"))


def _account_locked(user: str) -> bool:
    """Whether sshd without PAM would refuse this account as locked ('!' in shadow)."""
    with contextlib.suppress(OSError):
        for line in Path("/etc/shadow").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name == user:
                return rest.startswith("!")
    return False


def write_config(
    session_dir: Path, host_key: KeyPair, peer_key: str, user: str, forced_command: str
) -> Path:
    """Write sshd_config and authorized_keys for exactly one peer key and one command."""
    if '"' in forced_command or "\\" in forced_command or "\n" in forced_command:
        raise ValueError("the forced command must not need quoting")
    authorized = session_dir / "authorized_keys"
    authorized.write_text(f'restrict,command="{forced_command}" {peer_key} remote-help-peer\n')
    authorized.chmod(0o600)
    root = os.geteuid() == 0
    use_pam = root and _account_locked(user)
    lines = [
        f"HostKey {safe_path(host_key.private_path)}",
        f"AuthorizedKeysFile {safe_path(authorized)}",
        "AuthorizedPrincipalsFile none",
        "AuthorizedKeysCommand none",
        f"AllowUsers {user}",
        "AuthenticationMethods publickey",
        "PubkeyAuthentication yes",
        "PubkeyAcceptedAlgorithms ssh-ed25519",
        "HostKeyAlgorithms ssh-ed25519",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "HostbasedAuthentication no",
        "GSSAPIAuthentication no",
        f"UsePAM {'yes' if use_pam else 'no'}",
        f"PermitRootLogin {'prohibit-password' if root else 'no'}",
        "StrictModes no",
        "DisableForwarding yes",
        "AllowTcpForwarding no",
        "AllowStreamLocalForwarding no",
        "AllowAgentForwarding no",
        "X11Forwarding no",
        "PermitTunnel no",
        "GatewayPorts no",
        "PermitListen none",
        "PermitOpen none",
        "PermitTTY no",
        "PermitUserRC no",
        "PermitUserEnvironment no",
        # sshd runs the forced command as `$SHELL -c ...`, and the shell reads the
        # account's start-up files first (Debian's bash reads ~/.bashrc when started by
        # sshd; zsh ~/.zshenv, csh ~/.cshrc, fish its config). Whatever runs there has the
        # channel as its input before our bridge takes it, so it could read what the peer
        # sent early, unseen. With the session directory as home, the shell finds none.
        f"SetEnv HOME={safe_path(session_dir)}",
        "MaxSessions 1",
        "MaxAuthTries 2",
        "LoginGraceTime 10",
        "ClientAliveInterval 15",
        "ClientAliveCountMax 4",
        "PrintMotd no",
        "PrintLastLog no",
        "UseDNS no",
        "PidFile none",
        "ExposeAuthInfo no",
        # Only what went wrong: at VERBOSE every refused request is logged with the target
        # the peer chose (900 bytes each, 35 MB in 5 s); the log is also capped (LOG_LIMIT).
        "LogLevel ERROR",
        # Compressed, a few bytes from the peer could become megabytes here.
        "Compression no",
        f"ForceCommand {forced_command}",
    ]
    config = session_dir / "sshd_config"
    config.write_text("\n".join(lines) + "\n")
    config.chmod(0o600)
    return config


def check_config(sshd: str, config: Path) -> None:
    """``sshd -t``: fail early, with sshd's own words, if it rejects our config."""
    result = subprocess.run(
        [sshd, "-t", "-f", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if result.returncode != 0:
        said = result.stderr.strip().splitlines()
        reason = said[-1] if said else text(Say.TUNNEL_NO_REASON)
        raise SshdError(text(Say.TUNNEL_SSHD_REFUSED, reason=reason))


def can_serve(sshd: str, session_dir: Path, key: KeyPair, user: str) -> bool:
    """Whether this computer's sshd accepts our settings, tried before the handshake so
    that a missing, broken or too old sshd makes the other side serve instead."""
    if not has_sshd(sshd):
        return False
    try:
        config = write_config(session_dir, key, key.public_key, user, "/bin/true")
        check_config(sshd, config)
    except (SshdError, OSError, ValueError, subprocess.SubprocessError) as exc:
        log.debug("sshd cannot serve: %s", exc)
        return False
    return True


def ensure_privsep_dir() -> Path | None:
    """Root sshd needs /run/sshd; create it when missing and return it for removal."""
    if os.geteuid() != 0 or os.path.isdir("/run/sshd"):
        return None
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    return Path("/run/sshd")


async def start(
    sshd: str, config: Path, conn: socket.socket, log: Path
) -> asyncio.subprocess.Process:
    """Run ``sshd -i`` with the verified TCP connection as its stdin and stdout."""
    conn.setblocking(True)
    home = pwd.getpwuid(os.geteuid()).pw_dir
    log_fd = open_log(log)
    try:
        return await asyncio.create_subprocess_exec(
            sshd, "-i", "-e", "-f", str(config),
            stdin=conn.fileno(),
            stdout=conn.fileno(),
            stderr=log_fd,
            env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": home},
            preexec_fn=cap_files,  # two system calls in the child, no locks
        )  # fmt: skip
    finally:
        os.close(log_fd)


def cap_files() -> None:
    """In the child, before sshd or ssh runs: no file it writes (its log) grows past
    LOG_LIMIT. SIGXFSZ is ignored, so a full log fails the write and the program goes on
    instead of dying. Both are inherited by what it starts; its children write no files
    (OpenSSH's own sandbox sets this limit to 0 for the part that talks to the peer)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (LOG_LIMIT, LOG_LIMIT))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
