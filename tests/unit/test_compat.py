"""What Python 3.10 lacks: the same behaviour on every Python remote-help runs on."""

from __future__ import annotations

import asyncio
import enum
import json

import pytest

from remote_help import aio
from remote_help.compat import StrEnum


class Role(StrEnum):
    FRIEND = "friend"
    HELPER = enum.auto()


def test_a_str_enum_member_is_its_value_everywhere() -> None:
    assert Role.FRIEND == "friend" and isinstance(Role.FRIEND, str)
    assert str(Role.FRIEND) == "friend"
    assert f"{Role.FRIEND}" == "friend" and f"{Role.FRIEND:>8}" == "  friend"
    assert "%s" % Role.FRIEND == "friend"  # noqa: UP031 (the form logging uses)
    assert json.dumps({"role": Role.FRIEND}) == '{"role": "friend"}'
    assert Role("friend") is Role.FRIEND
    assert Role.HELPER == "helper"  # auto(): the lower-case name


def test_a_timeout_is_the_builtin_timeout_error() -> None:
    async def late() -> None:
        with pytest.raises(TimeoutError):  # the builtin one, also on 3.10
            await aio.wait_for(asyncio.sleep(5), 0.01)

    asyncio.run(late())


def test_wait_for_passes_the_result_and_other_errors_through() -> None:
    async def answer() -> int:
        return 42

    async def broken() -> None:
        raise ValueError("broken")

    async def both() -> None:
        assert await aio.wait_for(answer(), 1) == 42
        assert await aio.wait_for(answer(), None) == 42
        with pytest.raises(ValueError, match="broken"):
            await aio.wait_for(broken(), 1)

    asyncio.run(both())
