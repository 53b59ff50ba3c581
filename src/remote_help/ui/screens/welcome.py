"""Step 1: what remote-help does, and the warning every friend reads before anything else."""

from __future__ import annotations

from typing import Any

from remote_help.roles import Role
from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen, page


class Welcome(StepScreen):
    context = keys.WELCOME
    title = "Welcome"

    def __init__(self, role: Role | str | None) -> None:
        super().__init__()
        lines: list[Any] = []
        if role == Role.HELPER:
            lines += [
                "You are about to help someone with their computer.",
                "",
                "Your friend will see everything you do, and can end it at any moment.",
                "When a password is needed, let your friend type it.",
                "",
                "Stay on the phone with your friend: you will read them five words,",
                "so that both of you know nobody is listening in.",
            ]
        else:
            lines += [
                "remote-help lets someone you trust use this computer, to fix it.",
                "",
                "You will see everything they do, and you can type too.",
                "You can end it at any moment by pressing Ctrl+Alt+C.",
                "",
                ("warning", "Only continue if YOU phoned someone you know."),
                ("warning", "Banks, Microsoft and the police never ask for this."),
                "",
                "If someone phoned you and asked you to do this, press Q now and hang up.",
            ]
        lines += ["", ["Press ", ("key", "C"), " to continue, or ", ("key", "Q"),
                       " to quit."]]
        self.widget = page(lines)

    def hints(self) -> list[str]:
        return ["continue", "quit", "help"]

