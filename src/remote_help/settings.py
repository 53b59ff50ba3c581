"""Next time's defaults: the answers of the last successful connection, kept leniently."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from remote_help.net.addresses import valid_address
from remote_help.paths import APP

log = logging.getLogger(__name__)
MAX_SIZE = 64 * 1024  # a settings file is a few hundred bytes; anything bigger is not ours
NAME = "settings.json"
TEMP_PREFIX = ".settings-"
TEMP_SUFFIX = ".tmp"
ROLES = ("helper", "friend")


@dataclass(frozen=True)
class Settings:
    role: str | None = None  # "helper" or "friend": the last choice on this machine
    address: str = ""  # the helper's address the friend typed last time
    reverse: bool = False
    screen_sharing: bool = True  # friend: start screen sharing when a desktop exists
    firewall: bool = False  # manage the firewall (off by default)


def config_path() -> Path | None:
    """$XDG_CONFIG_HOME/remote-help/settings.json, else ~/.config/...; None without a home.

    A relative $XDG_CONFIG_HOME is ignored, as the XDG specification says. No usable home
    (HOME unset, relative, "/", or not a directory, like /nonexistent) means no settings.
    """
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / APP / NAME
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home) or os.path.realpath(home) == "/" or not os.path.isdir(home):
        return None
    return Path(home) / ".config" / APP / NAME


def load(path: Path | None = None) -> Settings:
    """The saved settings, defaults for whatever is missing or wrong. Never raises.

    Each field is kept only if it is valid on its own, so one damaged value does not
    cost the others; unknown keys are ignored.
    """
    path = path if path is not None else config_path()
    if path is None:
        return Settings()
    data = _read_json(path)
    if not isinstance(data, dict):
        return Settings()
    good = {f.name: data[f.name] for f in fields(Settings)
            if f.name in data and valid(f.name, data[f.name])}
    return Settings(**good)


def _read_json(path: Path) -> object:
    """The parsed content of a regular file of at most MAX_SIZE bytes, else None."""
    try:
        # O_NONBLOCK: a FIFO planted at our name must not hang the start-up.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_SIZE and (chunk := os.read(fd, MAX_SIZE + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_SIZE:
            return None
        return json.loads(b"".join(chunks))
    except (OSError, ValueError, RecursionError):  # RecursionError: "[[[[..." nested deep
        return None
    finally:
        os.close(fd)


def valid(name: str, value: object) -> bool:
    """Whether ``value`` may be the field ``name`` of Settings."""
    if name == "role":
        return isinstance(value, str) and value in ROLES
    if name == "address":
        return isinstance(value, str) and valid_address(value)
    return isinstance(value, bool)


def save(settings: Settings, path: Path | None = None) -> bool:
    """Replace the settings file atomically; False, and the old file intact, if not possible.

    The new content goes to a fresh 0600 file in the same directory (created exclusively,
    so nothing planted at its name is followed), is flushed to disk, and only then renamed
    over the old one. Never raises. The directory must belong to us: root does not write
    into a user's home (``sudo`` keeping HOME), where it would leave files the user cannot
    replace.
    """
    path = path if path is not None else config_path()
    if path is None:
        return False
    try:
        text = json.dumps(asdict(settings), indent=1) + "\n"
    except (TypeError, ValueError):  # not a value JSON can hold: a programming error
        log.exception("settings not saved")
        return False
    temp: str | None = None
    try:
        _make_private_dirs(path.parent)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
        temp = None
    except OSError as exc:
        log.debug("settings not saved: %s", exc)
        return False
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    _fsync_directory(path.parent)
    return True


def _make_private_dirs(directory: Path) -> None:
    """Create the missing parts of ``directory`` with mode 0700, in a place of ours.

    The nearest directory that exists already must be owned by us; raises OSError if not.
    """
    if directory.is_dir():
        _check_ours(directory)
        return
    if directory.parent == directory:
        raise NotADirectoryError(f"{directory} is not a directory")
    _make_private_dirs(directory.parent)
    with contextlib.suppress(FileExistsError):  # made meanwhile, or a file: mkstemp says
        directory.mkdir(mode=0o700)


def _check_ours(directory: Path) -> None:
    owner = directory.stat().st_uid
    if owner != os.geteuid():
        raise PermissionError(f"{directory} belongs to user {owner}, not to us")


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; the file is already in place if this fails."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
