"""Interrupted checks are suspicious: three within 15 minutes lock checking for 15 minutes.

A man in the middle who sees the two codes differ can drop the connection so that the
people blame the network and try again; each try is another chance for him. So every
check that broke off after a person acted on it is recorded here (``CheckLog``).

A waiting computer cannot tell a stranger from such a man: anyone may connect and leave.
Checks that broke off before this side's person answered are therefore counted per
source and per wait (``LeftEarly``), so a stranger cannot lock the helper out, and a man
in the middle still gets only a few tries (docs/decisions.md, "a stranger cannot lock
the helper out").
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import time
from pathlib import Path

WINDOW = 15 * 60
LOCK = 15 * 60
LIMIT = 3
LEFT_EARLY_PER_SOURCE = 3  # after this many, a source's connections are ignored
LEFT_EARLY_PER_WAIT = 12  # after this many in one wait, waiting stops (and that counts)


class LeftEarly:
    """Checks whose other side left before this side's person answered, in one wait.

    Kept in memory only: a new wait needs a person to start the program again.
    """

    def __init__(self) -> None:
        self._by_source: dict[str, int] = {}
        self.total = 0

    def record(self, source: str) -> None:
        self._by_source[source] = self._by_source.get(source, 0) + 1
        self.total += 1

    def barred(self, source: str) -> bool:
        return self._by_source.get(source, 0) >= LEFT_EARLY_PER_SOURCE

    @property
    def exhausted(self) -> bool:
        return self.total >= LEFT_EARLY_PER_WAIT


class CheckLog:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _load(self) -> list[float]:
        if self.path is None:
            return []
        try:
            data = json.loads(self.path.read_text(), parse_int=float)
            if not isinstance(data, list):
                return []
            times = [float(t) for t in data if type(t) in (int, float)]
        except (OSError, ValueError, RecursionError, OverflowError):
            return []  # unreadable or damaged: start afresh rather than refuse to work
        return [t for t in times if math.isfinite(t)]

    def record_interrupted(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        times = [t for t in self._load() if now - t < WINDOW + LOCK] + [now]
        self._save(times[-20:])

    def locked_until(self, now: float | None = None) -> float | None:
        """When checking opens again, or None when it is open now."""
        now = time.time() if now is None else now
        times = sorted(t for t in self._load() if t <= now)
        # Locked when LIMIT interruptions fell within WINDOW, until LOCK after the last
        # interruption of any such group.
        until = None
        for i in range(len(times) - LIMIT + 1):
            window = times[i : i + LIMIT]
            if window[-1] - window[0] <= WINDOW and now < window[-1] + LOCK:
                until = window[-1] + LOCK
        return until

    def _save(self, times: list[float]) -> None:
        if self.path is None:
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".checks-")
        except OSError:
            return
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(times, handle)
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
