"""Task hygiene: named tasks with a strong reference, failures reported, never lost; and a
wait_for whose timeout is the builtin TimeoutError on every Python we run on."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)
_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Coroutine[Any, Any, T], name: str, *,
          expected: tuple[type[BaseException], ...] = ()) -> asyncio.Task[T]:
    """Start a task that is kept alive until done and whose failure is logged (not the
    ``expected`` ones: its awaiter handles those)."""
    task = asyncio.get_running_loop().create_task(coro, name=name)
    _running.add(task)
    task.add_done_callback(lambda done: _done(done, expected))
    return task


def _done(task: asyncio.Task[Any], expected: tuple[type[BaseException], ...] = ()) -> None:
    _running.discard(task)
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None and not isinstance(exc, expected):
        log.error("task %s failed", task.get_name(), exc_info=exc)


async def to_the_end(awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` to its end even if this task is cancelled meanwhile (clean-up
    that must not be cut short); a cancel that came is raised once it has ended."""
    future = asyncio.ensure_future(awaitable)  # noqa: TID251 (awaited right here)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(future)
        except asyncio.CancelledError:
            if future.done():
                raise
            cancelled = True
            continue
        if cancelled:
            raise asyncio.CancelledError
        return result


async def wait_for(awaitable: Awaitable[T], timeout: float | None) -> T:
    """``asyncio.wait_for`` that raises the builtin ``TimeoutError`` on every Python.

    Before 3.11, asyncio raises its own ``asyncio.TimeoutError``, which ``except
    TimeoutError`` does not catch: on Python 3.10 an expected timeout would escape as a
    crash. Everything here waits through this function (ruff bans ``asyncio.wait_for``)."""
    try:
        return await asyncio.wait_for(awaitable, timeout)  # noqa: TID251 (the one use)
    except asyncio.TimeoutError as exc:
        if isinstance(exc, TimeoutError):  # 3.11 and newer: the same class
            raise
        raise TimeoutError from None


async def cancel_all(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel the given tasks and wait until they have finished."""
    live = [t for t in tasks if t is not None and not t.done()]
    for task in live:
        task.cancel()
    if live:
        await asyncio.gather(*live, return_exceptions=True)


class FdWatch:
    """A reader or writer callback on one descriptor, switched on and off idempotently."""

    def __init__(self, kind: str, callback: Callable[[], None]) -> None:
        if kind not in ("read", "write"):
            raise ValueError("kind is 'read' or 'write'")
        self._kind = kind
        self._callback = callback
        self._fd = -1

    @property
    def on(self) -> bool:
        return self._fd >= 0

    def set(self, fd: int, on: bool) -> None:
        """Watch ``fd`` (when ``on`` and ``fd`` is open), or stop watching."""
        if on and fd >= 0 and self._fd == fd:
            return
        loop = asyncio.get_running_loop()
        if self._fd >= 0:
            remove = loop.remove_reader if self._kind == "read" else loop.remove_writer
            with contextlib.suppress(ValueError, OSError):
                remove(self._fd)
            self._fd = -1
        if on and fd >= 0:
            add = loop.add_reader if self._kind == "read" else loop.add_writer
            add(fd, self._callback)
            self._fd = fd
