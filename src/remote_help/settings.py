"""The friend's answers of the last successful connection, as next time's defaults.

Read and written in the XDG config directory. Nothing here may stop anyone being helped:
a missing, read-only or full home, or a damaged file, just means no defaults.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from remote_help.paths import APP

log = logging.getLogger(__name__)
MAX_SIZE = 64 * 1024
NAME = "settings.json"


@dataclass(frozen=True)
class Settings:
    role: str | None = None  # "helper" or "friend": the last choice on this machine
    address: str = ""  # the helper's address the friend typed last time
    reverse: bool = False
    screen_sharing: bool = True
    firewall: bool = False


def config_path() -> Path | None:
    """$XDG_CONFIG_HOME/remote-help/settings.json, or ~/.config/...; None without a home."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    if os.path.isabs(xdg):  # the spec says relative paths are to be ignored
        return Path(xdg) / APP / NAME
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home) or home == "/" or not os.path.isdir(home):
        return None
    return Path(home) / ".config" / APP / NAME


def load(path: Path | None = None) -> Settings:
    """The saved settings; defaults for whatever is missing or wrong. Never raises."""
    path = path or config_path()
    if path is None:
        return Settings()
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_SIZE + 1)
        data = json.loads(raw) if len(raw) <= MAX_SIZE else None
    except (OSError, ValueError):
        return Settings()
    if not isinstance(data, dict):
        return Settings()
    return Settings(**{f.name: data[f.name] for f in fields(Settings)
                       if f.name in data and _valid(f.name, data[f.name])})


def _valid(name: str, value: Any) -> bool:
    if name == "role":
        return value in ("helper", "friend")
    if name == "address":
        if not isinstance(value, str) or len(value) > 64:
            return False
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return True
    return isinstance(value, bool)


def save(settings: Settings, path: Path | None = None) -> bool:
    """Write atomically (a temporary file, then rename); False if it could not be done."""
    path = path or config_path()
    if path is None:
        return False
    temp: str | None = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)  # 0600, O_EXCL
        with os.fdopen(fd, "w") as f:
            json.dump(asdict(settings), f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
        temp = None
        with contextlib.suppress(OSError):
            directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    except OSError as exc:
        log.debug("settings not saved: %s", exc)
        return False
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    return True
