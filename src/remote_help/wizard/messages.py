"""The closing words for each way a session can end, for either person."""

from __future__ import annotations

from remote_help.roles import EndReason, Role
from remote_help.sentences import Say, text
from remote_help.session.mux import Ending

# A session that ended normally: what each person reads (the words differ by role).
_ENDED = {
    EndReason.FRIEND_ENDED: Say.WIZARD_END_FRIEND_ENDED,
    EndReason.HELPER_ENDED: Say.WIZARD_END_HELPER_ENDED,
    EndReason.SHELL_EXITED: Say.WIZARD_END_SHELL_EXITED,
}


def span_text(seconds: float) -> str:
    """'10 minutes', '45 seconds': a waiting time as people say it."""
    minutes = round(seconds / 60)
    if minutes > 1:
        return text(Say.WIZARD_MINUTES, minutes=minutes)
    if round(seconds) == 1:
        return text(Say.WIZARD_ONE_SECOND)
    return text(Say.WIZARD_SECONDS, seconds=round(seconds))


def ending_text(role: Role | str, ending: Ending) -> str:
    """The last words of a session for the person with ``role``; technical details (the
    ending's ``detail``) are for the helper only."""
    role = Role(role)
    if ending.ok and ending.reason in _ENDED:
        return text(_ENDED[ending.reason], role)
    if ending.reason == EndReason.LOST:
        key = Say.WIZARD_END_LOST
    elif ending.reason == EndReason.SETUP_FAILED:
        key = Say.WIZARD_END_SETUP_FAILED
    elif ending.reason == EndReason.CLOSED_EARLY:
        key = Say.SETUP_PEER_LEFT
    else:
        key = Say.WIZARD_END_PROBLEM
    sentence = text(key, role)
    if ending.detail and role is Role.HELPER:  # technical words are for the helper only
        return text(Say.WIZARD_WITH_DETAIL, sentence=sentence, detail=ending.detail)
    return sentence
