"""Every sentence a person reads, in one table, under a language-neutral key.

How it works (and how to add a sentence):

- A key is a member of ``Say``, named for what the sentence is for, not for its words
  (``Say.NET_TOO_SLOW``). Its value ("net.too-slow") is the gettext context (msgctxt), so
  two places that happen to use the same English words can be translated differently.
  Members are grouped by the package that shows them; the prefix says which.
- ``ENGLISH`` maps each key to its English template: one string, or a dict by ``Role``
  when the helper and the friend read different words for the same thing.
- A template is a ``str.format`` template: ``{name}`` placeholders, filled by keyword
  (``text(Say.NET_NO_ANSWER_YET, host=host)``). Placeholders are named for what they hold,
  never positional, so a translation may put them in another order. A template may hold
  several lines ("\\n"); a screen shows them as they are.
- ``text(key, role=None, **values)`` is the one way to get a sentence: it looks the template
  up, passes it through ``_`` (gettext, see below) and fills it in.
- ``markup(key, role=None, **values)`` is the same for the full-screen interface, whose
  sentences highlight a key to press or a field: a value given as a ``(style, text)`` pair
  stays a separate styled part (urwid's text markup), so "Press {close} to close
  remote-help." keeps the key highlighted in every language.
- Translations: ``_`` is ``pgettext(key.value, english)`` of the installed translation; none
  is installed now (``gettext.NullTranslations``: the English comes back unchanged). The
  translations issue only adds catalogues (domain ``DOMAIN``; the message ids are the
  English templates of ``ENGLISH``, their context the keys' values) and calls ``install``.

Log messages (never seen by people) and test-only strings do not belong here. A unit test
checks that every key has its English, that every template formats with dummy values, and
that every ``text``/``markup`` call in the program fills exactly its template's placeholders.

A bottom-layer module: it imports nothing from remote_help but ``roles``.
"""

from __future__ import annotations

import enum
import gettext
import string
from collections.abc import Mapping
from typing import Any

from remote_help.roles import Role

DOMAIN = "remote-help"
Part = str | tuple[str, str]  # a piece of text, or a (style, text) pair


@enum.unique
class Say(enum.Enum):
    """The key of every sentence. Values are gettext contexts: never reuse one."""

    # -- net/ --------------------------------------------------------------------------
    NET_TOO_SLOW = "net.too-slow"
    NET_BROKEN = "net.broken"
    NET_CLOSED = "net.closed"
    NET_NOT_MY_ADDRESS = "net.not-my-address"
    NET_PORT_TAKEN = "net.port-taken"
    NET_CANNOT_LISTEN = "net.cannot-listen"
    NET_BAD_ADDRESS = "net.bad-address"
    NET_UNREACHABLE = "net.unreachable"
    NET_NO_ANSWER_YET = "net.no-answer-yet"
    NET_CONNECTED = "net.connected"
    NET_DROPPED_SLOW = "net.dropped-slow"
    NET_TURNED_AWAY = "net.turned-away"
    NET_CLOSED_BECAUSE = "net.closed-because"
    NET_PEER_BUSY = "net.peer-busy"
    NET_PEER_SAME_ROLE = "net.peer-same-role"
    NET_PEER_CANCELLED = "net.peer-cancelled"
    NET_PEER_STOPPED = "net.peer-stopped"
    NET_UNEXPECTED = "net.unexpected"

    # -- tunnel/ -----------------------------------------------------------------------
    TUNNEL_NOT_SET_UP = "tunnel.not-set-up"
    TUNNEL_TAKEOVER = "tunnel.takeover"
    TUNNEL_TOOL_MISSING = "tunnel.tool-missing"
    TUNNEL_NO_KEY = "tunnel.no-key"
    TUNNEL_SSHD_REFUSED = "tunnel.sshd-refused"
    TUNNEL_NO_REASON = "tunnel.no-reason"
    TUNNEL_LOG_WRONG_KEY = "tunnel.log.wrong-key"
    TUNNEL_LOG_KEY_REFUSED = "tunnel.log.key-refused"
    TUNNEL_LOG_REFUSED = "tunnel.log.refused"
    TUNNEL_LOG_TIMED_OUT = "tunnel.log.timed-out"
    TUNNEL_LOG_CUT = "tunnel.log.cut"
    TUNNEL_LOG_CLOSED = "tunnel.log.closed"
    TUNNEL_LOG_MISSING = "tunnel.log.missing"
    TUNNEL_LOG_FATAL = "tunnel.log.fatal"
    TUNNEL_LOG_ERROR = "tunnel.log.error"

    # -- session/ ----------------------------------------------------------------------
    SESSION_NO_ANSWER = "session.no-answer"
    SESSION_UNEXPECTED = "session.unexpected"
    SESSION_GRID_CUT = "session.grid-cut"
    SESSION_WINDOW_SMALL = "session.window-small"
    SESSION_FELL_BEHIND = "session.fell-behind"
    SESSION_TOO_MUCH_JUNK = "session.too-much-junk"
    SESSION_KEPT_SCOPE = "session.kept.scope"
    SESSION_KEPT_USER_SCOPE = "session.kept.user-scope"
    SESSION_KEPT_CGROUP = "session.kept.cgroup"
    SESSION_KEPT_WALK = "session.kept.walk"

    # -- paths, names, identity ---------------------------------------------------------
    PATHS_NO_SAFE_PLACE = "paths.no-safe-place"
    NAMES_UNUSUAL = "names.unusual"
    NAMES_OURS = "names.ours"
    IDENTITY_BAD_USER = "identity.bad-user"


# The English templates. A dict by Role where the two people read different words.
ENGLISH: dict[Say, str | Mapping[Role, str]] = {
    # net/
    Say.NET_TOO_SLOW: "The other computer took too long to answer.",
    Say.NET_BROKEN: "The connection was broken.",
    Say.NET_CLOSED: "The other computer closed the connection.",
    Say.NET_NOT_MY_ADDRESS: "{address} is not an address of this computer.",
    Say.NET_PORT_TAKEN: "Another program is already waiting for connections here "
                        "(port {port}). Is remote-help already running?",
    Say.NET_CANNOT_LISTEN: "Cannot wait for connections here (port {port}): {reason}.",
    Say.NET_BAD_ADDRESS: "The address {host} is not right. Check it and try again.",
    Say.NET_UNREACHABLE: "Could not reach {host}. Check that the address is right and "
                         "that the other person's remote-help is waiting.",
    Say.NET_NO_ANSWER_YET: "No answer from {host} yet. Trying again until the other side "
                           "is ready...",
    Say.NET_CONNECTED: "A computer at {who} connected. Checking it...",
    Say.NET_DROPPED_SLOW: "The connection from {who} was closed: it was too slow, and "
                          "another connection came in.",
    Say.NET_TURNED_AWAY: "A second computer ({who}) tried to connect; it was turned away.",
    Say.NET_CLOSED_BECAUSE: "The connection from {who} was closed: {why}",
    Say.NET_PEER_BUSY: "it is busy with someone else.",
    Say.NET_PEER_SAME_ROLE: "it gave the same answer to 'Who are you?' as you.",
    Say.NET_PEER_CANCELLED: "it cancelled.",
    Say.NET_PEER_STOPPED: "it stopped.",
    Say.NET_UNEXPECTED: "an unexpected error.",
    # tunnel/
    Say.TUNNEL_NOT_SET_UP: "The secure connection could not be set up.",
    Say.TUNNEL_TAKEOVER: "Another user on this computer tried to take over the connection.",
    Say.TUNNEL_TOOL_MISSING: "The program {name} is missing. Install it with: "
                             "sudo apt install {package}",
    Say.TUNNEL_NO_KEY: "Could not make this session's key: {reason}",
    Say.TUNNEL_SSHD_REFUSED: "This computer's SSH server program refused our settings: "
                             "{reason}",
    Say.TUNNEL_NO_REASON: "no reason given",
    Say.TUNNEL_LOG_WRONG_KEY: "the other computer's key is not the one you checked",
    Say.TUNNEL_LOG_KEY_REFUSED: "the other computer did not accept this computer's key",
    Say.TUNNEL_LOG_REFUSED: "the other computer refused the connection",
    Say.TUNNEL_LOG_TIMED_OUT: "the other computer stopped answering",
    Say.TUNNEL_LOG_CUT: "the connection was cut",
    Say.TUNNEL_LOG_CLOSED: "the other computer closed the connection",
    Say.TUNNEL_LOG_MISSING: "a program or file the SSH program needs is missing",
    Say.TUNNEL_LOG_FATAL: "the SSH program stopped with an error",
    Say.TUNNEL_LOG_ERROR: "the SSH program reported an error",
    # session/
    Say.SESSION_NO_ANSWER: "The other computer did not answer.",
    Say.SESSION_UNEXPECTED: {
        Role.FRIEND: "The helper's computer sent something unexpected.",
        Role.HELPER: "The friend's computer sent something unexpected.",
    },
    Say.SESSION_GRID_CUT: "Your friend's screen is {theirs}, larger than remote-help shows: "
                          "you see its top left {shown}. Ask your friend to make it smaller.",
    Say.SESSION_WINDOW_SMALL: "Make your window bigger: your friend's screen is {theirs}, "
                              "yours {mine}.",
    Say.SESSION_FELL_BEHIND: "Your connection fell behind, so some of your friend's output "
                             "was skipped. This is their screen now.",
    Say.SESSION_TOO_MUCH_JUNK: "The other computer printed too much before the session "
                               "started.",
    Say.SESSION_KEPT_SCOPE: "Everything your helper starts is kept together and ended when "
                            "help ends (systemd scope).",
    Say.SESSION_KEPT_USER_SCOPE: "Everything your helper starts is kept together and ended "
                                 "when help ends (systemd user scope).",
    Say.SESSION_KEPT_CGROUP: "Everything your helper starts is kept together and ended when "
                             "help ends (cgroup).",
    Say.SESSION_KEPT_WALK: "Programs your helper starts are looked for and ended when help "
                           "ends (process tree; no cgroup could be used on this computer).",
    # paths, names, identity
    Say.PATHS_NO_SAFE_PLACE: "There is no safe place for temporary files (tried {tried}).",
    Say.NAMES_UNUSUAL: "(a name with unusual letters)",
    Say.NAMES_OURS: "(a name that looks like remote-help's own words)",
    Say.IDENTITY_BAD_USER: "The user name {name!r} uses characters remote-help does not "
                           "accept. Please use an account whose name is lowercase letters "
                           "and digits.",
}

_translation: gettext.NullTranslations = gettext.NullTranslations()


def install(translation: gettext.NullTranslations) -> None:
    """Use ``translation`` from now on (the translations issue: a catalogue of DOMAIN,
    e.g. ``gettext.translation(DOMAIN, localedir, fallback=True)``)."""
    global _translation  # noqa: PLW0603 (one switch, made once at start-up)
    _translation = translation


def _(key: Say, template: str) -> str:
    """The gettext hook: the translation of ``template`` in the context of ``key``."""
    return _translation.pgettext(key.value, template)


def english(key: Say, role: Role | str | None = None) -> str:
    """The English template of ``key`` (for the person with ``role``, where that matters)."""
    entry = ENGLISH[key]
    if isinstance(entry, str):
        return entry
    if role is None:
        raise ValueError(f"{key.name} reads differently for each role: give the role")
    return entry[Role(role)]


def text(key: Say, role: Role | str | None = None, /, **values: Any) -> str:
    """The sentence for ``key``, in the person's language, filled in with ``values``."""
    return _(key, english(key, role)).format(**values)


def markup(key: Say, role: Role | str | None = None, /, **values: Any) -> list[Part]:
    """Like ``text``, as urwid text markup: a value given as a ``(style, text)`` pair is a
    part of its own in that style; everything else is plain text."""
    parts: list[Part] = []
    for literal, field, spec, conversion in string.Formatter().parse(
            _(key, english(key, role))):
        if literal:
            parts.append(literal)
        if field is None:
            continue
        value = values[field]
        if isinstance(value, tuple):
            parts.append((value[0], format(value[1], spec or "")))
        else:
            parts.append(("{0" + (f"!{conversion}" if conversion else "")
                          + (f":{spec}" if spec else "") + "}").format(value))
    merged: list[Part] = []
    for part in parts:
        if merged and isinstance(part, str) and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def placeholders(template: str) -> set[str]:
    """The names a template needs filled in."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
