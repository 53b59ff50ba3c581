"""The addresses a friend could use to reach this computer, best first, and how to say them."""

from __future__ import annotations

import contextlib
import fcntl
import ipaddress
import re
import socket
import struct
from pathlib import Path

SIOCGIFADDR = 0x8915
HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                      r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*")
SCOPE = re.compile(r"[A-Za-z0-9_.-]{1,15}")  # an interface name, as in fe80::1%eth0
_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def local_addresses() -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address of this machine's interfaces (no network traffic is sent)."""
    found: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    with contextlib.suppress(OSError):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with probe:
            for _, name in socket.if_nameindex():
                request = struct.pack("256s", name.encode()[:15])
                with contextlib.suppress(OSError):
                    reply = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
                    found.append(ipaddress.IPv4Address(reply[20:24]))
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/if_inet6").read_text().splitlines():
            found.append(ipaddress.IPv6Address(bytes.fromhex(line.split()[0])))
    return found


def default_route_addresses() -> set[ipaddress.IPv4Address]:
    """The IPv4 addresses of the interface the default route leaves by: the likely LAN
    address, rather than a container bridge or a VPN."""
    found: set[ipaddress.IPv4Address] = set()
    try:
        lines = Path("/proc/net/route").read_text().splitlines()[1:]
    except OSError:
        return found
    names = {fields[0] for fields in (line.split() for line in lines)
             if len(fields) > 2 and fields[1] == "00000000"}
    with contextlib.suppress(OSError):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with probe:
            for name in names:
                request = struct.pack("256s", name.encode()[:15])
                with contextlib.suppress(OSError):
                    reply = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, request)
                    found.add(ipaddress.IPv4Address(reply[20:24]))
    return found


def rank(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
         preferred: frozenset[ipaddress.IPv4Address] = frozenset()) -> int:
    """Lower is more likely what the friend should use."""
    if address.is_loopback or address.is_link_local or address.is_multicast:
        return 9
    if address in preferred:
        return -1
    if isinstance(address, ipaddress.IPv4Address):
        return 0 if address.is_global else 1
    return 2 if address.is_global else 3


def spoken(address: str) -> str:
    """'192.168.1.20' -> 'one nine two, dot, one six eight, dot, one, dot, two zero'."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv4Address):
        groups = [" ".join(_DIGITS[int(d)] for d in part) for part in address.split(".")]
        return ", dot, ".join(groups)
    words = []
    for char in parsed.compressed:
        if char == ":":
            words.append("colon")
        elif char.isdigit():
            words.append(_DIGITS[int(char)])
        else:
            words.append(char.upper())
    return " ".join(words)


def spoken_addresses(bind: str | None) -> list[tuple[str, str]]:
    """(address, how to say it) pairs, best first; only ``bind`` when one was given."""
    if bind:
        return [(bind, spoken(bind))]
    preferred = frozenset(default_route_addresses())
    usable = {a for a in local_addresses() if rank(a) < 9}
    candidates = sorted(usable, key=lambda a: (rank(a, preferred), str(a)))
    if not candidates:
        candidates = [ipaddress.IPv4Address("127.0.0.1")]
    return [(str(a), spoken(str(a))) for a in candidates]


def valid_address(text: str) -> bool:
    """An IP address or a host name: what the friend could have typed; never empty."""
    if not text.isascii():
        return False
    scope = text.partition("%")[2]
    if scope and not SCOPE.fullmatch(scope):
        return False
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(text)
        return True
    if scope or re.fullmatch(r"[0-9.]+", text):
        return False  # a scope on a name, or something that looks like IPv4 but is not
    return bool(HOSTNAME.fullmatch(text))


PORT_WORD = "port"  # what the helper reads aloud before a port, and the friend may type
DIGITS = frozenset("0123456789")  # only these: int() refuses "²", which isdigit() accepts
# The port comes only after the word "port" (or a colon): a bare second number may be the
# rest of the address typed with a space in it ("10.0.0.1 5" for 10.0.0.15). The host is
# the longest that leaves " port N" ("printer-port port 9100": host "printer-port").
_WITH_PORT = re.compile(r"(?P<host>\S+)\s+port\s*(?P<port>[0-9]{1,5})", re.IGNORECASE)
_BRACKETED = re.compile(r"\[(?P<host>[^\[\]]+)\](?::(?P<port>[0-9]{1,5}))?")


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of the digits 0 to 9 (never "²" or "٣")."""
    return bool(text) and all(char in DIGITS for char in text)


def needs_zone(host: str) -> bool:
    """Whether ``host`` is a link-local IPv6 address without its %name (fe80::1): it
    reaches nothing until the name of the network it is on is added (fe80::1%eth0)."""
    try:
        parsed = ipaddress.ip_address(host)
    except ValueError:
        return False
    return parsed.version == 6 and parsed.is_link_local and "%" not in host


def split_port(typed: str) -> tuple[str, int | None]:
    """What a person typed for the other computer: its address and, if they gave one, the
    port. '192.168.1.20 port 2300', '192.168.1.20:2300', 'fe80::1 port 2300',
    '[fe80::1]:2300' and a bare address are understood (the first is what the helper reads
    aloud). A bare second number ('192.168.1.20 2300') is not: it may be a mistyped
    address. Raises ValueError when it is not an address, or the port is not one (1 to
    65535)."""
    text = typed.strip()
    host, port = text, ""
    if match := _BRACKETED.fullmatch(text):
        host, port = match["host"], match["port"] or ""
    elif match := _WITH_PORT.fullmatch(text):
        host, port = match["host"], match["port"]
    elif text.count(":") == 1:  # an IPv4 address or a name, then a port; IPv6 has more
        host, _, port = text.partition(":")
        if not ascii_digits(port):
            raise ValueError(f"not an address: {typed!r}")
    if not valid_address(host):
        raise ValueError(f"not an address: {typed!r}")
    if not port:
        return host, None
    number = int(port)
    if not 1 <= number <= 65535 or len(port) > 5:
        raise ValueError(f"not a port: {port!r}")
    return host, number


def with_port(address: str, port: int | None, default: int) -> str:
    """The address as the helper reads it and the friend types it: '192.168.1.20', or
    '192.168.1.20 port 2300' when the port is not the usual one (0: not known yet)."""
    if port is None or port in (0, default):
        return address
    return f"{address} {PORT_WORD} {port}"


def spoken_number(number: int) -> str:
    """2300 -> 'two three zero zero': one word per digit, as on a bad phone line."""
    return " ".join(_DIGITS[int(d)] for d in str(number))


def spoken_with_port(address: str, port: int | None, default: int) -> str:
    """How to say ``with_port``: the address's words, then 'port, two three zero zero'."""
    said = spoken(address)
    if port is None or port in (0, default):
        return said
    return f"{said}, {PORT_WORD}, {spoken_number(port)}"
