"""Where remote-help keeps things: a private per-session directory on tmpfs, state, config."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

from remote_help.sentences import Say, text

APP = "remote-help"
# Unix socket paths are limited to 107 bytes; a session's sockets sit two levels below
# the base ("session-xxxxxxxx/session.sock"), so a longer base is skipped.
MAX_BASE = 70


class PathError(Exception):
    """No safe place for our files; the message is a plain sentence."""


def runtime_base() -> Path:
    """A 0700 directory of ours on tmpfs: $XDG_RUNTIME_DIR, /run as root, else /tmp."""
    candidates: list[Path] = []
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if xdg and os.path.isabs(xdg):
        candidates.append(Path(xdg) / APP)
    if os.geteuid() == 0:
        candidates.append(Path("/run") / APP)
    # Not tempfile.gettempdir(): it raises when no temporary directory is writable (a
    # read-only root in recovery mode), and /run may still be.
    # _private_dir refuses a directory that is not ours or is a symlink, so a shared
    # /tmp is safe to fall back to.
    tmp = os.environ.get("TMPDIR", "")
    tmp = tmp if os.path.isabs(tmp) else "/tmp"  # noqa: S108
    candidates.append(Path(tmp) / f"{APP}-{os.geteuid()}")
    for path in candidates:
        if len(str(path)) > MAX_BASE:
            continue
        with contextlib.suppress(OSError):
            return _private_dir(path)
    # The predictable /tmp name is taken (another user made it first, to block us): a
    # fresh folder with a name nobody can guess instead, removed again at the end.
    with contextlib.suppress(OSError):
        return _fresh_base(Path(tmp))
    raise PathError(text(Say.PATHS_NO_SAFE_PLACE,
                         tried=", ".join(str(p) for p in candidates)))


def _private_dir(path: Path) -> Path:
    """Create or reuse a directory that only we can use; refuse anything suspicious.

    Its parent must not let anyone else swap it: owned by us or root, and writable by
    others only when sticky (/tmp). So root never works inside a user's directory
    ($XDG_RUNTIME_DIR kept by `su` or `sudo -E`).
    """
    _check_parent(path.parent)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
        raise OSError(f"{path} is not a directory of ours")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    if not os.access(path, os.W_OK | os.X_OK):
        raise OSError(f"{path} is not writable")
    return path


_fresh: Path | None = None  # this process's unpredictable base, made by _fresh_base
FRESH_GRACE = 60.0  # seconds a fresh base of another start may stay empty before sweeping


def _fresh_base(tmp: Path) -> Path:
    """A new 0700 folder of ours in ``tmp`` with an unguessable name (one per process).

    Ones left by a remote-help that was killed are swept first.
    """
    global _fresh  # noqa: PLW0603  (one per process, removed by remove_session_dir)
    if _fresh is not None:
        with contextlib.suppress(OSError):
            return _private_dir(_fresh)
        _fresh = None
    _check_parent(tmp)
    prefix = f"{APP}-{os.geteuid()}-"
    for old in tmp.glob(prefix + "*"):
        _sweep_fresh(old)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=tmp))
    if len(str(path)) > MAX_BASE:
        path.rmdir()
        raise OSError(f"{path} is too long for our sockets")
    _fresh = path
    return path


def _sweep_fresh(base: Path) -> None:
    """Empty a fresh base another start left, and remove it (never one in use)."""
    with contextlib.suppress(OSError):
        info = os.lstat(base)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            return
        sweep_stale(base)
        if time.time() - info.st_mtime > FRESH_GRACE:
            base.rmdir()  # only when empty: a live session keeps it


def _check_parent(directory: Path) -> None:
    """Raise OSError unless nobody else can swap what we make in ``directory``."""
    parent = os.lstat(directory)
    if not stat.S_ISDIR(parent.st_mode) or parent.st_uid not in (os.geteuid(), 0):
        raise OSError(f"{directory} is not a directory we can trust")
    if parent.st_mode & 0o022 and not parent.st_mode & stat.S_ISVTX:
        raise OSError(f"{directory} can be changed by others")


def make_session_dir() -> Path:
    """A fresh 0700 directory for one session's keys, configs and sockets."""
    base = runtime_base()
    sweep_stale(base)
    path = Path(tempfile.mkdtemp(prefix="session-", dir=base))
    (path / "pid").write_text(f"{os.getpid()}\n")
    return path


def remove_session_dir(path: Path) -> None:
    """Remove a session's directory, and the fresh base it was in once that is empty."""
    global _fresh  # noqa: PLW0603
    shutil.rmtree(path, ignore_errors=True)
    if _fresh is not None and path.parent == _fresh:
        with contextlib.suppress(OSError):
            _fresh.rmdir()
            _fresh = None


def release() -> None:
    """At the very end: remove this process's fresh base if nothing is left in it."""
    global _fresh  # noqa: PLW0603
    if _fresh is not None:
        with contextlib.suppress(OSError):
            _fresh.rmdir()
            _fresh = None


def sweep_stale(base: Path) -> None:
    """Remove session directories left by a remote-help that was killed."""
    for entry in base.glob("session-*"):
        try:
            pid = int((entry / "pid").read_text().strip())
        except (OSError, ValueError):
            pid = 0
        if pid and _alive(pid):
            continue
        with contextlib.suppress(OSError):  # just made by another start, pid not written yet
            if not pid and time.time() - entry.stat().st_mtime < 60:
                continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def state_dir() -> Path | None:
    """Where small state (the interrupted-check log) lives; None when nowhere is writable."""
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    for path in (base / APP, runtime_base_or_none()):
        if path is None:
            continue
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    return None


def runtime_base_or_none() -> Path | None:
    try:
        return runtime_base()
    except PathError:
        return None
