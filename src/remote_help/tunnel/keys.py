"""Per-session ed25519 keys made by ssh-keygen, and their fingerprints."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from remote_help.sentences import Say, text


class ToolMissing(Exception):
    """A program we need is not installed; the message says what to install."""


class KeyFailure(Exception):
    """ssh-keygen could not make the session's key; the message is a plain sentence."""


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_key: str  # "ssh-ed25519 AAAA...", no comment


def find_tool(name: str, package: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")
    if path is None:
        raise ToolMissing(text(Say.TUNNEL_TOOL_MISSING, name=name, package=package))
    return path


def generate(directory: Path) -> KeyPair:
    """A fresh key in ``directory`` (which must be private to us)."""
    private = directory / "key"
    keygen = find_tool("ssh-keygen", "openssh-client")
    try:
        subprocess.run(
            [keygen, "-q", "-t", "ed25519", "-N", "", "-C", "remote-help", "-f", str(private)],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=30,
        )
        kind, blob = private.with_suffix(".pub").read_text().split()[:2]
    except subprocess.CalledProcessError as exc:
        said = exc.stderr.decode(errors="replace").strip().splitlines()
        reason = said[-1] if said else text(Say.TUNNEL_NO_REASON)
        raise KeyFailure(text(Say.TUNNEL_NO_KEY, reason=reason)) from None
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        raise KeyFailure(text(Say.TUNNEL_NO_KEY, reason=exc)) from None
    return KeyPair(private, f"{kind} {blob}")


def fingerprint(public_key: str) -> str:
    """The SHA256 fingerprint as ssh-keygen -l prints it."""
    blob = base64.b64decode(public_key.split()[1])
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"
