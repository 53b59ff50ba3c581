"""What Python 3.11 added that remote-help uses, for Python 3.10 (Ubuntu 22.04 LTS).

Only what 3.10 lacks belongs here; on 3.11 and newer each name is the standard one.
"""

from __future__ import annotations

import enum
import sys

if sys.version_info >= (3, 11):
    from enum import StrEnum  # noqa: TID251 (this is the one place)
else:

    class StrEnum(str, enum.Enum):
        """``enum.StrEnum`` of 3.11: members are strings, and ``str()``, ``format()`` and
        f-strings give the plain value ("friend", not "Role.FRIEND"), so a member can go
        on the wire or into a sentence as it is. ``auto()`` gives the lower-case name."""

        def __str__(self) -> str:
            return str.__str__(self)

        def __format__(self, spec: str) -> str:
            return str.__format__(str(self), spec)

        @staticmethod
        def _generate_next_value_(name: str, start: int, count: int,
                                  last_values: list[str]) -> str:
            return name.lower()


__all__ = ["StrEnum"]
