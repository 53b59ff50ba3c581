"""The real terminal's character set: what the locale says, before Python's adjustments.

Python turns the C locale into C.UTF-8 at start-up (PEP 538), but the terminal did not
change: what it decodes is what the person's own locale says.
"""

from __future__ import annotations

import contextlib
import locale
import os


def coerced_c_locale() -> bool:
    """Python turns the C locale into C.UTF-8 (PEP 538); the terminal did not change."""
    env = os.environ
    original = env.get("LC_ALL") or env.get("LANG") or "C"
    return (env.get("LC_CTYPE") in ("C.UTF-8", "C.utf8", "UTF-8")
            and not env.get("LC_ALL") and original in ("C", "POSIX"))


def terminal_encoding() -> str:
    """The terminal's character set from the locale (not Python's own UTF-8 mode)."""
    if coerced_c_locale():
        return "ascii"
    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    try:
        return locale.nl_langinfo(locale.CODESET) or "ascii"
    except (AttributeError, ValueError):
        return "ascii"


def utf8_locale() -> bool:
    """Whether the real terminal decodes UTF-8 (by the locale, as terminal_encoding)."""
    return "utf8" in terminal_encoding().lower().replace("-", "")
