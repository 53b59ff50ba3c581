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

from remote_help import aio, cli, settings
from remote_help.net import addresses, transport
from remote_help.plain.frontend import PlainFrontEnd
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
    "192.168.1.20 2300",  # a bare second number: since fixaddr, only after "port" or ":"
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


# -- fixaddr: the second reader's findings on the address (notes-review11 2, 3, 7, 8, 9) ----

@pytest.mark.parametrize(("typed", "address", "port"), [
    ("printer-port port 9100", "printer-port", 9100),  # the longest host before " port N"
    ("my.port port 22", "my.port", 22),
    ("192.168.1.20 port2300", "192.168.1.20", 2300),
    ("[fe80::1%eth0]:2300", "fe80::1%eth0", 2300),
])
def test_the_port_comes_after_the_word_port_or_a_colon(typed: str, address: str,
                                                       port: int) -> None:
    assert addresses.split_port(typed) == (address, port)


@pytest.mark.parametrize("typed", [
    "10.0.0.1 5",  # 10.0.0.15 typed with a space: never host 10.0.0.1, port 5
    "printer-port 9100",  # "port" inside a name is no port word: a bare second number
    "my.port 22", "fe80::port 22", "helper.example 2300",
])
def test_a_bare_second_number_is_never_taken_as_the_port(typed: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        addresses.split_port(typed)


@pytest.mark.parametrize("typed", [
    "10.0.0.1 port \u00b2", "10.0.0.1:\u00b2", "10.0.0.1 port 23\u00b2", "1.2.3.\u0664",
    "\uff11.2.3.4", "10.0.0.1 port \uff12\uff13", "[::1]:\u00b3",
])
def test_digits_other_than_0_to_9_are_refused_not_a_crash(typed: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        addresses.split_port(typed)


@given(typed=hs.text(alphabet=hs.sampled_from("0123456789.:[]% port\u00b2\u00b3\u0664\uff11ef"),
                     max_size=24))
def test_any_typing_is_an_address_or_a_value_error(typed: str) -> None:
    try:
        host, port = addresses.split_port(typed)
    except ValueError:
        return
    assert host.isascii()
    assert port is None or 1 <= port <= 65535


def _from_command_line(*argv: str) -> Options:
    p = cli.parser()
    return cli.options_from(p.parse_intermixed_args(list(argv)), p)


def test_port_2222_on_the_command_line_wins_over_a_saved_port() -> None:
    saved = settings.Settings(role="friend", address="192.168.1.20 port 2300")
    given_2222 = _from_command_line("--port", str(DEFAULT_PORT))
    assert given_2222.port_given
    explicit = merged(given_2222, saved)
    assert (explicit.address, explicit.port, explicit.usual_port) == (
        "192.168.1.20", DEFAULT_PORT, DEFAULT_PORT)
    none_given = _from_command_line()
    assert (none_given.port, none_given.port_given) == (DEFAULT_PORT, False)
    usual = merged(none_given, saved)  # no --port: the saved one, shown in the field
    assert (usual.address, usual.port, usual.usual_port) == ("192.168.1.20", 2300,
                                                             DEFAULT_PORT)
    other = merged(_from_command_line("--port", "2301"), saved)
    assert (other.port, other.usual_port) == (2301, 2301)


def _connect_fails_at_once(host: str, *, invalid: bool = False) -> str:
    """Connecting to ``host`` fails within seconds, and is never retried (``invalid``: the
    system answers every try with EINVAL)."""
    heard: list[transport.Why] = []

    async def refuse(sock: socket.socket, address: object) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")

    async def body() -> str:
        if invalid:
            asyncio.get_running_loop().sock_connect = refuse  # type: ignore[method-assign]
        start = time.monotonic()
        with pytest.raises(transport.NetError) as failed:
            await transport.connect(host, _closed_port(), 30.0, heard.append)
        assert time.monotonic() - start < 3  # not a minute of "No answer yet"
        return str(failed.value)

    words = asyncio.run(body())
    assert heard == []  # never "trying again"
    return words


def test_a_link_local_address_without_its_name_fails_at_once() -> None:
    words = _connect_fails_at_once("fe80::1")
    assert words == ("The address fe80::1 needs its last part too: a percent sign and a "
                     "name, like fe80::1%eth0. Ask for all of it again.")


def test_an_unknown_network_name_fails_at_once() -> None:
    words = _connect_fails_at_once("fe80::1%nosuchnet0")  # EAI_NONAME
    assert words == "The address fe80::1%nosuchnet0 is not right. Check it and try again."


def test_an_address_the_system_calls_invalid_fails_at_once() -> None:
    """EINVAL (a link-local address on the wrong network, say) will not change by waiting."""
    words = _connect_fails_at_once("127.0.0.1", invalid=True)
    assert words == "The address 127.0.0.1 is not right. Check it and try again."


def test_line_mode_asks_again_for_a_link_local_address_without_its_name(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    typed = iter(["10.0.0.1 5", "fe80::1", "fe80::1%lo port 2300"])
    front = PlainFrontEnd()

    async def ask(prompt: str) -> str:
        return next(typed)

    monkeypatch.setattr(front, "ask", ask)
    got = asyncio.run(front._ask_address(Role.FRIEND))
    assert got == ("fe80::1%lo", 2300)
    said = " ".join(capsys.readouterr().out.split())
    assert "That is not an address." in said  # "10.0.0.1 5": not host 10.0.0.1, port 5
    assert "(and maybe the word port and a second number)" in said
    assert "The address fe80::1 needs its last part too: a percent sign and a name" in said


def test_line_mode_without_a_typed_port_uses_the_command_lines(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An earlier port (typed before a Retry) is not used for a new address typed without
    one: the command line's, else the usual 2222."""
    front = PlainFrontEnd()
    front._warned = True
    typed = iter(["10.0.0.5"])

    async def ask(prompt: str) -> str:
        return next(typed)

    monkeypatch.setattr(front, "ask", ask)
    earlier = Options(role=Role.FRIEND, port=2300, usual_port=2301)
    answer = asyncio.run(front._details_step(earlier))
    assert answer.options is not None
    assert (answer.options.address, answer.options.port) == ("10.0.0.5", 2301)
