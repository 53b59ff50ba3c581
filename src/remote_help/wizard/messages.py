"""The closing words for each way a session can end, for either person."""

from __future__ import annotations

from remote_help.session.mux import Ending

_TEXT = {
    ("friend", "friend-ended"): "Help has ended: you ended it. Your helper can no longer see "
    "or use this computer.",
    ("friend", "helper-ended"): "Your helper ended the session. They can no longer see or use "
    "this computer.",
    ("friend", "shell-exited"): "The shared terminal was closed, so help has ended. Your helper "
    "can no longer see or use this computer.",
    ("helper", "friend-ended"): "Your friend ended the session.",
    ("helper", "helper-ended"): "You ended the session.",
    ("helper", "shell-exited"): "The shell on your friend's computer exited, so the session "
    "ended.",
}


def span_text(seconds: float) -> str:
    """'10 minutes', '45 seconds': a waiting time as people say it."""
    minutes = round(seconds / 60)
    return f"{minutes} minutes" if minutes > 1 else f"{round(seconds)} seconds"


def ending_text(role: str, ending: Ending) -> str:
    if ending.ok and (role, ending.reason) in _TEXT:
        return _TEXT[role, ending.reason]
    if ending.reason == "lost":
        base = "The connection was lost, so the session has ended."
    elif ending.reason == "setup-failed":
        base = "The secure connection could not be set up."
    else:
        base = "The session ended because of a problem."
    if role == "friend":
        base += " Your helper can no longer see or use this computer."
    if ending.detail and role == "helper":  # technical words are for the helper only
        base += f" ({ending.detail})"
    return base
