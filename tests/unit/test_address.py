"""Issue 11, the address and the connection: what people type for the other computer (an
IPv6 address, a port), how the port is read aloud, why connecting fails, and which steps
are skipped when their answers are known."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import itertools
import socket
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from remote_help import aio, settings
from remote_help.net import addresses, transport
from remote_help.roles import Role
from remote_help.wizard.flow import Event, Flow, Step
from remote_help.wizard.options import (
    DEFAULT_PORT,
    Options,
    merged,
    spoken_with_port,
    to_save,
    with_port,
)

ports = hs.integers(min_value=1, max_value=65535)
ipv4 = hs.ip_addresses(v=4).map(str)
ipv6 = hs.ip_addresses(v=6).map(lambda a: a.compressed)


@pytest.mark.parametrize(("typed", "address", "port"), [
    ("192.168.1.20", "192.168.1.20", None),
    ("192.168.1.20 port 2300", "192.168.1.20", 2300),
    ("192.168.1.20 PORT 2300", "192.168.1.20", 2300),
    ("192.168.1.20 2300", "192.168.1.20", 2300),
    ("  192.168.1.20   port   2300 ", "192.168.1.20", 2300),
    ("192.168.1.20:2300", "192.168.1.20", 2300),
    ("fe80::1", "fe80::1", None),
    ("fe80::1 port 2300", "fe80::1", 2300),
    ("[fe80::1]:2300", "fe80::1", 2300),
    ("[::1]", "::1", None),
    ("fe80::1%eth0", "fe80::1%eth0", None),
    ("helper.example:2300", "helper.example", 2300),
])
def test_typed_addresses_with_and_without_a_port(typed: str, address: str,
                                                 port: int | None) -> None:
    assert addresses.split_port(typed) == (address, port)


@pytest.mark.parametrize("typed", [
    "", "192.168.1", "192.168.1.20 port", "192.168.1.20 port 0", "192.168.1.20 port 65536",
    "192.168.1.20:", "192.168.1.20 port 123456", "fe80:::1", "[fe80::1]:x", "1.2.3.4 port x",
    "192.168.1.256",
])
def test_what_is_not_an_address_is_refused(typed: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        addresses.split_port(typed)


@given(address=hs.one_of(ipv4, ipv6), port=ports)
def test_what_the_helper_reads_is_what_the_friend_can_type(address: str, port: int) -> None:
    """The helper's screen writes '192.168.1.20 port 2300'; typed back, it is the same
    address and port."""
    written = with_port(address, port)
    got_address, got_port = addresses.split_port(written)
    assert ipaddress.ip_address(got_address) == ipaddress.ip_address(address)
    assert (got_port or DEFAULT_PORT) == port


@given(address=ipv4, port=ports)
def test_the_port_is_said_like_the_address(address: str, port: int) -> None:
    said = spoken_with_port(address, port)
    if port == DEFAULT_PORT:
        assert "port" not in said and said == addresses.spoken(address)
        return
    assert said.startswith(addresses.spoken(address) + ", port, ")
    digits = said.rpartition(", port, ")[2].split()
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    assert "".join(str(names.index(d)) for d in digits) == str(port)


def test_the_usual_port_is_not_said_at_all() -> None:
    assert with_port("192.168.1.20", DEFAULT_PORT) == "192.168.1.20"
    assert with_port("192.168.1.20", 0) == "192.168.1.20"  # not known yet
    assert with_port("192.168.1.20", 2300) == "192.168.1.20 port 2300"
    assert spoken_with_port("192.168.1.20", 2300) == (
        "one nine two, dot, one six eight, dot, one, dot, two zero, port, "
        "two three zero zero")


# -- why connecting failed ----------------------------------------------------------------

@pytest.mark.parametrize(("error", "why"), [
    (ConnectionRefusedError(errno.ECONNREFUSED, "refused"), transport.Why.REFUSED),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), transport.Why.NO_NETWORK),
    (OSError(errno.EHOSTUNREACH, "No route to host"), transport.Why.NO_NETWORK),
    (OSError(errno.ETIMEDOUT, "timed out"), transport.Why.NO_ANSWER),
    (None, transport.Why.NO_ANSWER),
])
def test_each_failure_has_its_reason(error: OSError | None, why: transport.Why) -> None:
    assert transport.why_failed(error) is why


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nothing listens there now


def test_a_refusal_is_reported_at_once_and_tries_go_on_calmly() -> None:
    port = _closed_port()
    heard: list[tuple[float, transport.Why]] = []
    tries: list[float] = []

    async def body() -> None:
        start = time.monotonic()
        loop = asyncio.get_running_loop()
        original = loop.sock_connect

        async def counting(sock: socket.socket, address: object) -> None:
            tries.append(time.monotonic())
            await original(sock, address)  # type: ignore[arg-type]

        loop.sock_connect = counting  # type: ignore[method-assign]
        with pytest.raises(transport.Unreached) as caught:
            await transport.connect("127.0.0.1", port, 6.5,
                                    lambda why: heard.append((time.monotonic() - start, why)))
        assert caught.value.why is transport.Why.REFUSED

    asyncio.run(body())
    assert len(heard) == 1  # said once, not at every try
    assert heard[0][1] is transport.Why.REFUSED and heard[0][0] < 1
    gaps = [b - a for a, b in itertools.pairwise(tries)]
    assert gaps and gaps[0] >= 0.9 and max(gaps) < 3.5  # 1 s, 2 s, then every 3 s
    assert 4 <= len(tries) <= 6  # not every second for the whole wait


def test_a_listener_that_comes_later_is_reached() -> None:
    port = _closed_port()

    async def body() -> None:
        heard: list[transport.Why] = []
        attempt = asyncio.ensure_future(  # noqa: TID251
            transport.connect("127.0.0.1", port, 10, heard.append))
        await asyncio.sleep(1.5)
        assert heard == [transport.Why.REFUSED]
        server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", port)
        async with server:
            sock = await aio.wait_for(attempt, 5)
            sock.close()

    asyncio.run(body())


# -- the steps whose answers are known ------------------------------------------------------

def test_an_address_from_the_command_line_skips_the_details_forward_only() -> None:
    flow = Flow(Role.FRIEND, details_given=True)
    assert flow.fire(Event.NEXT) is Step.WAIT  # welcome -> (role, details skipped) -> wait
    assert flow.fire(Event.BACK) is Step.DETAILS  # back shows it: the address can be fixed
    assert flow.fire(Event.NEXT) is Step.WAIT
    assert flow.fire(Event.BACK) is Step.DETAILS
    assert flow.fire(Event.BACK) is Step.WELCOME  # the role step stays skipped
    assert flow.fire(Event.NEXT) is Step.DETAILS  # seen once: a step like the others


def test_the_remembered_answers_skip_the_details_after_the_role() -> None:
    flow = Flow()
    flow.fire(Event.NEXT)
    flow.details_given = True  # what the journey sets for Enter on the role step
    assert flow.fire(Event.FRIEND) is Step.WAIT
    assert flow.role == "friend"
    assert flow.fire(Event.BACK) is Step.DETAILS


def test_a_retry_after_a_failure_shows_the_details() -> None:
    flow = Flow(Role.FRIEND, details_given=True)
    flow.fire(Event.NEXT)
    flow.fire(Event.FAILED)
    assert flow.fire(Event.RETRY) is Step.DETAILS


# -- the port among the remembered answers -------------------------------------------------

def test_a_typed_port_is_remembered_with_the_address(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    used = Options(role=Role.FRIEND, address="192.168.1.20", port=2300)
    assert settings.save(to_save(used, settings.Settings()), path)
    saved = settings.load(path)
    assert saved.address == "192.168.1.20 port 2300"  # the same fields as before
    again = merged(Options(), saved)
    assert (again.address, again.port) == ("192.168.1.20", 2300)
    given_port = merged(Options(port=2301), saved)  # the command line's port wins
    assert (given_port.address, given_port.port) == ("192.168.1.20", 2301)
    helper = merged(Options(role=Role.HELPER), saved)  # a helper waits on its own port
    assert (helper.address, helper.port) == ("", DEFAULT_PORT)
    usual = to_save(Options(role=Role.FRIEND, address="192.168.1.20"), settings.Settings())
    assert usual.address == "192.168.1.20"
