"""Step 1: what remote-help does, and the warning every friend reads before anything else."""

from __future__ import annotations

from typing import Any

from remote_help.roles import Role
from remote_help.sentences import Say, markup, text
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, page


class Welcome(StepScreen):
    context = keys.WELCOME

    def __init__(self, role: Role | str | None) -> None:
        super().__init__()
        self.title = text(Say.UI_WELCOME_TITLE)
        who = Role.HELPER if role == Role.HELPER else Role.FRIEND
        lines: list[Any] = [text(Say.UI_WELCOME, who)]
        if who is Role.FRIEND:
            lines += ["", ("warning", text(Say.UI_WELCOME_WARNING)), "",
                      text(Say.UI_WELCOME_SCAM)]
        lines += ["", markup(Say.UI_WELCOME_PRESS, continue_key=("key", "C"),
                             quit_key=("key", "Q"))]
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["continue", "quit", "help"]
