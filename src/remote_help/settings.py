"""Next time's defaults: the answers of the last successful connection, kept leniently.

During a session the helper's shell runs as the friend's user, so it can rewrite this
file; by next time it could point the friend at another address, or make them wait for
anyone to connect. Three defences (docs/decisions.md, "settings the helper could change"):

- what this program writes carries a check (a digest of the values); ``load`` gives only
  values whose check holds. Anything else (changed by hand, by another program, by a
  helper's script that did not copy the check) is ``outside``: shown and asked about
  before it is used (cli.py), never taken silently.
- a check anyone can compute stops only careless changes; so the program remembers the
  file as it was at its start (or as it last saved it) and, at its end, when the helper is
  gone, puts it back if it changed (``restore_if_changed``).
- the riskiest value, "the helper connects to me" (this computer waits for anyone), is
  asked about at the start even when the check holds (cli.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import tempfile
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from remote_help.net.addresses import valid_address
from remote_help.paths import APP
from remote_help.roles import Role
from remote_help.sentences import Say, text

log = logging.getLogger(__name__)
MAX_SIZE = 64 * 1024  # a settings file is a few hundred bytes; anything bigger is not ours
NAME = "settings.json"
TEMP_PREFIX = ".settings-"
TEMP_SUFFIX = ".tmp"
ROLES = (Role.HELPER, Role.FRIEND)
CHECK = "check"  # the key of the digest in the file
CHECK_FORMAT = b"remote-help settings 1\n"


@dataclass(frozen=True)
class Settings:
    role: Role | str | None = None  # the last choice on this machine (a Role once read)
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
    """The settings this program saved, defaults if the file is missing or was changed
    outside it (``outside`` has those values, to ask about). Never raises."""
    path = path if path is not None else config_path()
    if path is None:
        return Settings()
    data = _read_json(path)
    if not isinstance(data, dict) or not _checked(data):
        return Settings()
    return _parse(data)


def outside(path: Path | None = None) -> Settings | None:
    """The usable values of a file this program did not write as it is, else None.

    None too when there is nothing worth asking about (no file, only damage, defaults).
    """
    path = path if path is not None else config_path()
    if path is None:
        return None
    data = _read_json(path)
    if not isinstance(data, dict) or _checked(data):
        return None
    found = _parse(data)
    return None if found == Settings() else found


def parse(path: Path) -> Settings:
    """What the file says, checked or not: each field valid on its own, else its default.

    One damaged value does not cost the others; unknown keys are ignored. Never raises.
    """
    data = _read_json(path)
    return _parse(data) if isinstance(data, dict) else Settings()


def _parse(data: dict[str, object]) -> Settings:
    good = {f.name: data[f.name] for f in fields(Settings)
            if f.name in data and valid(f.name, data[f.name])}
    if "role" in good:
        good["role"] = Role(good["role"])
    return Settings(**good)  # type: ignore[arg-type]


def _checked(data: dict[str, object]) -> bool:
    """Whether ``data`` is exactly what ``save`` writes: every field valid, the check right."""
    defaults = asdict(Settings())
    names = set(defaults)
    if set(data) != names | {CHECK}:
        return False
    if not all(valid(n, data[n]) or (data[n] == defaults[n] and type(data[n]) is type(
            defaults[n])) for n in names):
        return False
    return data[CHECK] == _digest({n: data[n] for n in names})


def _digest(values: dict[str, object]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(CHECK_FORMAT + canonical.encode()).hexdigest()


def _read_json(path: Path) -> object:
    """The parsed content of a regular file of at most MAX_SIZE bytes, else None."""
    try:
        # O_NONBLOCK: a FIFO planted at our name must not hang the start-up.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            return None  # not ours: root's after `sudo` kept HOME, or another user's
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
    if name == "address":  # the address, and its port when not the usual one
        return isinstance(value, str) and _valid_address_and_port(value)
    return isinstance(value, bool)


def _valid_address_and_port(value: str) -> bool:
    """Exactly '192.168.1.20' or '192.168.1.20 port 2300' (as this program writes it)."""
    address, port_given, port = value.partition(" port ")
    if not port_given:
        return valid_address(address)
    return (valid_address(address) and port.isascii() and port.isdigit()
            and not port.startswith("0") and int(port) <= 65535)


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
        values = asdict(settings)
        text = json.dumps(values | {CHECK: _digest(values)}, indent=1) + "\n"
    except (TypeError, ValueError):  # not a value JSON can hold: a programming error
        log.exception("settings not saved")
        return False
    if not _write(path, text.encode()):
        return False
    if path in _remembered:
        _remembered[path] = text.encode()
    return True


def _write(path: Path, content: bytes) -> bool:
    """Put ``content`` at ``path`` atomically (see ``save``); False if not possible."""
    temp: str | None = None
    try:
        _make_private_dirs(path.parent)
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(content)
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


# -- what is asked before values are used -------------------------------------------------

def changed_outside_words(found: Settings) -> list[str]:
    """The question about values this program did not write, in plain words."""
    said: list[str] = []
    if found.role == Role.FRIEND:
        said.append(text(Say.SETTINGS_WAS_FRIEND))
    elif found.role == Role.HELPER:
        said.append(text(Say.SETTINGS_WAS_HELPER))
    if found.address:
        said.append(text(Say.SETTINGS_ADDRESS, address=found.address))
    if found.reverse:
        said.append(text(Say.SETTINGS_REVERSE))
    if not found.screen_sharing:
        said.append(text(Say.SETTINGS_NOT_SHARED))
    if found.firewall:
        said.append(text(Say.SETTINGS_FIREWALL))
    return [*text(Say.SETTINGS_CHANGED).split("\n"), *[f"  - {line}" for line in said],
            text(Say.SETTINGS_USE_THEM)]


def reverse_words() -> list[str]:
    """The question asked at every start that would wait for the helper to connect."""
    return text(Say.SETTINGS_REVERSE_AGAIN).split("\n")


def decide(found: Settings, *, use: bool, reverse: bool | None = None,
           path: Path | None = None) -> bool:
    """Save the person's answer: ``found`` as it is (``reverse`` changed if given), or,
    when not to be used, only which role this computer had. False if it could not be saved.
    """
    kept = found if use else Settings(role=found.role)
    if reverse is not None:
        kept = replace(kept, reverse=reverse)
    return save(kept, path)


# -- the end-of-session check -------------------------------------------------------------

_remembered: dict[Path, bytes | None] = {}  # the file as we last knew it (None: absent)


def remember(path: Path | None = None) -> None:
    """Note the file as it is now, to put it back at the end if something else changes it."""
    path = path if path is not None else config_path()
    if path is not None:
        _remembered[path] = _read_bytes(path)


def restore_if_changed() -> bool:
    """Put every remembered file back as this program last knew it, if it changed since
    (after a session: the helper's shell could write it). True if one was put back."""
    restored = False
    _not_put_back.clear()
    for path, content in list(_remembered.items()):
        now = _read_bytes(path)
        if now == content:
            continue
        log.info("settings changed outside remote-help: put back")
        _make_ours_writable(path.parent)  # a helper's `chmod 500` must not keep its file
        if content is None or content.startswith(b"\0"):  # none, or none we could use
            try:
                os.unlink(path)  # the link itself, never what it points to
                restored = True
            except FileNotFoundError:
                pass
            except OSError as exc:
                log.warning("settings changed outside remote-help stay: %s", exc)
                _not_put_back.append(path)
            continue
        if _write(path, content):
            restored = True
        else:
            _not_put_back.append(path)
    return restored


_not_put_back: list[Path] = []


def not_put_back() -> bool:
    """Whether the last ``restore_if_changed`` found a changed file it could not put back
    (a read-only or full disk): the person is told."""
    return bool(_not_put_back)


def _make_ours_writable(directory: Path) -> None:
    """Our settings folder back to 0700 if it is ours and a real folder (never followed)."""
    try:
        info = os.lstat(directory)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid():
            os.chmod(directory, 0o700)
    except OSError as exc:
        log.debug("settings folder: %s", exc)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes (at most MAX_SIZE + 1), None when there is none; for something
    that is not a regular file of ours, a marker no real file compares equal to."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError:
        return b"\0unreadable"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            return b"\0not a file of ours"
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_SIZE and (chunk := os.read(fd, MAX_SIZE + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
    except OSError:
        return b"\0unreadable"
    finally:
        os.close(fd)
