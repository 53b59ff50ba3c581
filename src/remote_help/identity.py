"""Who is running us: user name (for sshd's AllowUsers) and a display name for people."""

from __future__ import annotations

import os
import pwd

from remote_help.proto import session as sp
from remote_help.proto.handshake import USER_PATTERN
from remote_help.sentences import Say, text


class IdentityError(Exception):
    """Our own account cannot take part; the message is a plain sentence."""


def user_name() -> str:
    name = pwd.getpwuid(os.geteuid()).pw_name
    if not USER_PATTERN.fullmatch(name):
        raise IdentityError(text(Say.IDENTITY_BAD_USER, name=name))
    return name


def display_name() -> str:
    """The account's full name when it has one, else the user name."""
    account = pwd.getpwuid(os.geteuid())
    full = sp.clean_text(account.pw_gecos.split(",")[0].strip(), 64)
    if sp.valid_name(full):
        return full
    return account.pw_name
