"""Step 2: the person says who they are."""

from __future__ import annotations

from typing import Any

from remote_help import roles
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, page


class Role(StepScreen):
    context = keys.ROLE
    title = "Who are you?"

    def __init__(self, last: roles.Role | str | None = None) -> None:
        super().__init__()
        lines: list[Any] = [
            "Who are you?",
            "",
            ["   ", ("key", "N"), "   I need help with my computer"],
            "",
            ["   ", ("key", "H"), "   I am helping someone"],
            "",
            ["Press ", ("key", "N"), " or ", ("key", "H"), "."],
        ]
        if last in _LAST:
            lines += ["", f"Last time on this computer: {_LAST[roles.Role(last)]}."]
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["friend", "helper", "back", "quit"]


_LAST = {roles.Role.FRIEND: "I need help", roles.Role.HELPER: "I am helping someone"}
