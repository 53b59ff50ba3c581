"""Step 2: the person says who they are."""

from __future__ import annotations

from typing import Any

from remote_help import roles
from remote_help.sentences import Say, markup, text
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, page


class Role(StepScreen):
    context = keys.ROLE

    def __init__(self, last: roles.Role | str | None = None) -> None:
        super().__init__()
        self.title = text(Say.UI_ROLE_TITLE)
        lines: list[Any] = [
            text(Say.UI_ROLE_TITLE),
            "",
            ["   ", ("key", "N"), "   " + text(Say.UI_ROLE_NEED_HELP)],
            "",
            ["   ", ("key", "H"), "   " + text(Say.UI_ROLE_HELPING)],
            "",
            markup(Say.UI_ROLE_PRESS, friend_key=("key", "N"), helper_key=("key", "H")),
        ]
        if last in tuple(roles.Role):
            choice = text(Say.UI_ROLE_LAST_CHOICE, last)
            lines += ["", text(Say.UI_ROLE_LAST_TIME, choice=choice)]
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["friend", "helper", "back", "quit"]
