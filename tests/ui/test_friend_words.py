"""No technical words on the friend's screens (outside the Details view)."""

from __future__ import annotations

import asyncio
import re

import pytest

from remote_help import roles
from remote_help.proto.handshake import PeerAborted
from remote_help.sentences import Say, text
from remote_help.session.mux import Ending
from remote_help.ui.chrome import too_small
from remote_help.ui.frontend import UrwidFrontEnd
from remote_help.ui.palette import Caps
from remote_help.ui.screens.details import Details as DetailsScreen
from remote_help.ui.screens.ending import Ended, Failed, Help
from remote_help.ui.screens.role import Role
from remote_help.ui.screens.verify import Result, VerifyFriend
from remote_help.ui.screens.welcome import Welcome
from remote_help.wizard import controller
from remote_help.wizard import status as st
from remote_help.wizard.flow import Step
from remote_help.wizard.messages import ending_text
from remote_help.wizard.options import Options
from remote_help.wizard.status import Details
from tests.ui.stage import MIN, NORMAL, Stage

BANNED = re.compile(
    r"\b(ssh|sshd|keys?|ports?|sockets?|fingerprints?|IP|TCP|daemons?|authenticat\w*|"
    r"protocol|handshake|hash|localhost|encrypt\w*|server|tunnel|pty|tty|escape sequence)\b",
    re.IGNORECASE,
)
DETAILS = Details("ssh-ed25519 AAAA", "ssh-ed25519 BBBB", "bob", "192.0.2.7")


@pytest.fixture(autouse=True)
def private_config(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))


def banned_in(text: str) -> list[str]:
    # "IP" only in capitals: "ip" is not a word people read anyway.
    return [m.group(0) for m in BANNED.finditer(text)
            if m.group(0).lower() != "ip" or m.group(0) == "IP"]


def friend_screens() -> list[object]:
    addresses = lambda: [("192.0.2.2", "one nine two, dot, zero, dot, two, dot, two")]  # noqa: E731
    endings = [Ending(reason, ok, "a technical detail") for reason, ok in (
        ("friend-ended", True), ("helper-ended", True), ("shell-exited", True),
        ("lost", False), ("setup-failed", False), ("closed-early", False),
        ("error", False))]
    friend = roles.Role.FRIEND
    failures = [text(Say.WIZARD_NO_SSHD, friend), text(Say.WIZARD_REFUSED, friend),
                *(text(key, friend) for key in controller._PEER_ABORTED[friend].values()),
                *(controller._aborted_early_text(friend, reason)
                  for reason in controller._ABORTED_EARLY),
                text(Say.WIZARD_TOO_MANY_LEFT, friend),
                *(controller._left_early_text(roles.Role.FRIEND, "192.0.2.9", cause, barred)
                  for cause in (PeerAborted("refused"), PeerAborted("cancelled"),
                                PeerAborted("back"), EOFError(), controller.NoServer())
                  for barred in (False, True))]
    return [
        Welcome(None), Welcome("friend"), Role(),
        DetailsScreen(Options(role="friend"), addresses),
        DetailsScreen(Options(role="friend", reverse=True, port=2299), addresses),
        Role("friend", "192.0.2.44"), Role("helper"),
        VerifyFriend(5, lambda typed: None, lambda: None),
        VerifyFriend(5, lambda typed: None, lambda: None, mismatches=2, tries_left=1),
        Result(True, DETAILS), Result(False, DETAILS),
        *(Ended(ending_text("friend", e)) for e in endings),
        *(Failed(text, stop=True) for text in failures),
        Help("welcome"), Help("details"), Help("verify-friend"), Help("result"),
    ]


@pytest.mark.parametrize("size", [NORMAL, MIN])
def test_no_friend_screen_uses_technical_words(size: tuple[int, int]) -> None:
    async def body() -> None:
        stage = await Stage(Options(role="friend"), size=size).start()
        try:
            for screen in friend_screens():
                stage.app.show(screen)  # type: ignore[arg-type]
                text = stage.text()
                assert banned_in(text) == [], f"{type(screen).__name__}:\n{text}"
            front = UrwidFrontEnd(stage.app)
            friend = Options(role="friend")
            front.show(st.Listening(Step.WAIT, friend, port=2299,
                                    spoken=(("192.0.2.2", "one nine two"),)))
            front.show(st.News(Step.WAIT, friend,
                               text="No answer from 192.0.2.7 yet. Trying again until the "
                               "other side is ready..."))
            assert banned_in(stage.text()) == [], stage.text()
            front.show(st.Connecting(Step.WAIT, friend, address="192.0.2.7", port=2222))
            assert banned_in(stage.text()) == [], stage.text()
            front.show(st.SettingUp(Step.SETUP, friend))
            assert banned_in(stage.text()) == [], stage.text()
        finally:
            await stage.stop()

    asyncio.run(body())


def test_too_small_words_are_plain() -> None:
    assert banned_in(" ".join(too_small())) == []


def test_the_scan_does_catch_technical_words() -> None:
    assert banned_in("Your SSH key fingerprint on port 22") == ["SSH", "key", "fingerprint",
                                                                 "port"]
    assert banned_in("Press a letter on the keyboard") == []


def test_caps_is_plain_data() -> None:
    assert Caps(16, True).colors == 16
