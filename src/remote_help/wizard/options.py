"""The one record of what this run will do: the command line's answers, the saved ones,
and what the person chose on the details step, with every default written once."""

from __future__ import annotations

from dataclasses import dataclass, replace

from remote_help import settings
from remote_help.net import addresses, transport
from remote_help.proto import sas
from remote_help.roles import Role
from remote_help.tunnel import sshd

CONNECT_TIMEOUT = 60.0  # seconds a connecting side keeps trying
WAIT = 600.0  # seconds a listening side waits at most for the other person
DEFAULT_PORT = transport.DEFAULT_PORT
DEFAULT_SSHD = sshd.DEFAULT_SSHD
Settings = settings.Settings  # what is kept between runs (for the front ends' signatures)


@dataclass(frozen=True)
class Options:
    role: Role | None = None  # None until the person (or the command line) says
    address: str | None = None  # the other computer's, when this one connects
    reverse: bool = False  # the friend waits and the helper connects
    port: int = DEFAULT_PORT
    # The port when the address typed has none: the command line's, else the usual one;
    # never a saved or earlier port that the address field no longer shows.
    usual_port: int = DEFAULT_PORT
    port_given: bool = False  # --port was on the command line (even --port 2222): it wins
    bind: str | None = None
    sshd: str = DEFAULT_SSHD
    connect_timeout: float = CONNECT_TIMEOUT
    wait: float = WAIT
    code_bits: int = sas.CODE_BITS
    role_given: bool = False  # the role came from the command line: its step is skipped

    def __post_init__(self) -> None:
        if self.role is not None and not isinstance(self.role, Role):  # given as its word
            object.__setattr__(self, "role", Role(self.role))

    @property
    def listens(self) -> bool:
        """Whether this computer waits for the other one (else it connects)."""
        return (self.role or Role.FRIEND).listens(self.reverse)

    @property
    def other(self) -> Role:
        """The other person's role."""
        return (self.role or Role.FRIEND).other

    def for_role(self, role: Role, given: Options, saved: settings.Settings) -> Options:
        """The answers for ``role`` when the person picks it: the command line's, else the
        friend's last successful ones (``saved``); nothing of another role's draft."""
        address, reverse, port = _defaults(role, given, saved)
        return replace(self, role=role, address=address, reverse=reverse, port=port)


def valid_address(text: str) -> bool:
    """Whether ``text`` can be the other computer's address (an IP address or a name)."""
    return addresses.valid_address(text)


def split_port(typed: str) -> tuple[str, int | None]:
    """The address a person typed, and the port if they typed one ('192.168.1.20 port
    2300'); ValueError when it is not an address."""
    return addresses.split_port(typed)


def needs_zone(host: str) -> bool:
    """Whether ``host`` is a link-local IPv6 address without its %name (fe80::1)."""
    return addresses.needs_zone(host)


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is made of the digits 0 to 9 only (not "²")."""
    return addresses.ascii_digits(text)


def with_port(address: str, port: int | None) -> str:
    """'192.168.1.20', or '192.168.1.20 port 2300' when the port is not the usual one."""
    return addresses.with_port(address, port, DEFAULT_PORT)


def spoken_with_port(address: str, port: int | None) -> str:
    """How the helper reads ``with_port`` aloud: digits as words, 'dot', 'port'."""
    return addresses.spoken_with_port(address, port, DEFAULT_PORT)


def spoken_number(number: int) -> str:
    """2300 -> 'two three zero zero'."""
    return addresses.spoken_number(number)


def merged(given: Options, saved: settings.Settings) -> Options:
    """The command line's options with the saved settings filled in where it said nothing.

    The saved reverse counts only when the role was not given: a friend who types
    ``remote-help friend`` wants to connect. ``saved`` must be what the person agreed to
    (cli asks before anything changed outside this program, or a saved reverse, is used).
    """
    role = given.role or Role.FRIEND
    address, reverse, port = _defaults(role, given, saved)
    return replace(given, role=role, address=address, reverse=reverse, port=port,
                   usual_port=given.port, role_given=given.role is not None)


def _defaults(role: Role, given: Options,
              saved: settings.Settings) -> tuple[str, bool, int]:
    """The address, reverse and port for ``role``: the command line's, else the saved ones
    (the saved address carries its port when it was not the usual one:
    '192.168.1.20 port 2300'; a port on the command line wins)."""
    friend = role is Role.FRIEND
    saved_reverse = friend and given.role is None and saved.reverse
    reverse = given.reverse or saved_reverse
    if given.address or not friend or not saved.address:
        return given.address or "", reverse, given.port
    try:
        address, port = addresses.split_port(saved.address)
    except ValueError:  # settings.load gives only valid ones; never a reason to stop
        return "", reverse, given.port
    if port is None or given.port_given or given.port != DEFAULT_PORT or reverse:
        port = given.port
    return address, reverse, port


def to_save(options: Options, saved: settings.Settings) -> settings.Settings:
    """What becomes next time's defaults once a session went live: the friend's answers;
    a helper keeps the friend's answers of this computer as they were."""
    if options.role is Role.FRIEND:
        address = with_port(options.address, options.port) if options.address else ""
        return settings.Settings(role=Role.FRIEND, address=address, reverse=options.reverse)
    return settings.Settings(role=Role.HELPER, address=saved.address, reverse=saved.reverse)
