"""What the sshd and ssh sides share: the bridge script and path checks."""

from __future__ import annotations

import importlib.resources
import os
import re
import shlex
import sys
from pathlib import Path

# Paths that go into sshd_config, authorized_keys and ssh options are restricted to
# characters that need no quoting anywhere (no spaces, quotes, %, commas).
SAFE_PATH = re.compile(r"/[A-Za-z0-9/._+-]*")
PEER_ALIAS = "remote-help-peer"


def safe_path(path: Path | str) -> str:
    text = str(path)
    if not SAFE_PATH.fullmatch(text):
        raise ValueError(f"unsafe path for an SSH option: {text!r}")
    return text


def install_bridge(session_dir: Path) -> Path:
    """Copy the bridge script into the session directory (works from a zipapp too)."""
    source = importlib.resources.files("remote_help.tunnel").joinpath("bridge.py").read_text()
    target = session_dir / "bridge.py"
    target.write_text(source)
    target.chmod(0o500)
    return target


def open_log(path: Path) -> int:
    """An append-only log file for sshd's or ssh's own messages (never the screen)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)


def bridge_command(bridge: Path, mode: str, socket_path: Path) -> str:
    """The shell command that runs the bridge with this interpreter, isolated and fast."""
    python = safe_path(sys.executable)
    return " ".join(
        shlex.quote(part)
        for part in (python, "-I", "-S", safe_path(bridge), mode, safe_path(socket_path))
    )
