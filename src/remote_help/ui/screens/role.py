"""Step 2: the person says who they are."""

from __future__ import annotations

from remote_help.ui import keys
from remote_help.ui.chrome import StepScreen
from remote_help.ui.screens.welcome import page


class Role(StepScreen):
    context = keys.ROLE
    title = "Who are you?"

    def __init__(self) -> None:
        super().__init__()
        self.widget = page([
            "Who are you?",
            "",
            ["   ", ("key", "N"), "   I need help with my computer"],
            "",
            ["   ", ("key", "H"), "   I am helping someone"],
            "",
            ["Press ", ("key", "N"), " or ", ("key", "H"), "."],
        ])

    def hints(self) -> list[str]:
        return ["friend", "helper", "back", "quit"]
