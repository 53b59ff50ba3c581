"""Clean-up that must not be cut short, and failures a task's awaiter handles."""

from __future__ import annotations

import asyncio
import logging

import pytest

from remote_help import aio


def test_a_cancel_waits_for_the_clean_up_to_end_then_stops() -> None:
    steps: list[str] = []

    async def close() -> None:
        steps.append("start")
        await asyncio.sleep(0.1)
        steps.append("end")

    async def body() -> None:
        task = asyncio.ensure_future(aio.to_the_end(close()))  # noqa: TID251
        await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.sleep(0.01)
        task.cancel()  # a second signal
        with pytest.raises(asyncio.CancelledError):
            await task
        assert steps == ["start", "end"]

    asyncio.run(body())


def test_expected_failures_are_not_logged_as_crashes(caplog: pytest.LogCaptureFixture) -> None:
    class Expected(Exception):
        pass

    async def fail() -> None:
        raise Expected

    async def body() -> None:
        task = aio.spawn(fail(), "expected", expected=(Expected,))
        with pytest.raises(Expected):
            await task
        task = aio.spawn(fail(), "unexpected")
        with pytest.raises(Expected):
            await task

    with caplog.at_level(logging.ERROR, logger="remote_help.aio"):
        asyncio.run(body())
    assert [r.getMessage() for r in caplog.records] == ["task unexpected failed"]
