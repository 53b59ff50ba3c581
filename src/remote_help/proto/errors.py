"""The one error type every protocol core raises for bad input from the peer."""

from __future__ import annotations


class ProtocolError(Exception):
    """The peer sent something we do not accept. The message is a plain sentence."""
