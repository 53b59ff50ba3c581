"""Step 2: the person says who they are."""

from __future__ import annotations

from typing import Any

from remote_help import roles
from remote_help.sentences import Say, markup, text
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, page


class Role(StepScreen):
    context = keys.ROLE

    def __init__(self, last: roles.Role | str | None = None, address: str = "") -> None:
        """``last``: the role chosen last time on this computer, which Enter chooses
        again; ``address``: the helper's address that goes with it (a friend's)."""
        super().__init__()
        self.title = text(Say.UI_ROLE_TITLE)
        self.remembered = roles.Role(last) if last in tuple(roles.Role) else None
        lines: list[Any] = [
            text(Say.UI_ROLE_TITLE),
            "",
            ["   ", ("key", "N"), "   " + text(Say.UI_ROLE_NEED_HELP)],
            "",
            ["   ", ("key", "H"), "   " + text(Say.UI_ROLE_HELPING)],
            "",
            markup(Say.UI_ROLE_PRESS, friend_key=("key", "N"), helper_key=("key", "H")),
        ]
        if self.remembered is roles.Role.FRIEND and address:
            lines += ["", text(Say.UI_ROLE_LAST_ADDRESS, address=address)]
        elif self.remembered is not None:
            choice = text(Say.UI_ROLE_LAST_CHOICE, self.remembered)
            lines += ["", text(Say.UI_ROLE_LAST_TIME, choice=choice)]
        if self.remembered is not None:
            lines.append(markup(Say.UI_ROLE_ENTER_AGAIN, enter_key=("key", "Enter")))
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["friend", "helper", "back", "quit"]
