"""What the person's locale really is, before Python's own adjustments."""

from __future__ import annotations

import os


def coerced_c_locale() -> bool:
    """Python turns the C locale into C.UTF-8 (PEP 538); the terminal did not change."""
    env = os.environ
    original = env.get("LC_ALL") or env.get("LANG") or "C"
    return (env.get("LC_CTYPE") in ("C.UTF-8", "C.utf8", "UTF-8")
            and not env.get("LC_ALL") and original in ("C", "POSIX"))
