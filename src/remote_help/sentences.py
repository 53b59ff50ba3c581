"""Every sentence a person reads, in one table, under a language-neutral key.

How it works (and how to add a sentence):

- A key is a member of ``Say``, named for what the sentence is for, not for its words
  (``Say.NET_TOO_SLOW``). Its value ("net.too-slow") is the gettext context (msgctxt), so
  two places that happen to use the same English words can be translated differently.
  Members are grouped by the package that shows them; the prefix says which.
- ``ENGLISH`` maps each key to its English template: one string, or a dict by ``Role``
  when the helper and the friend read different words for the same thing.
- A template is a ``str.format`` template: ``{name}`` placeholders, filled by keyword
  (``text(Say.NET_NO_ANSWER_YET, host=host)``). Placeholders are named for what they hold,
  never positional, so a translation may put them in another order. A template may hold
  several lines ("\\n"); a screen shows them as they are.
- ``text(key, role=None, **values)`` is the one way to get a sentence: it looks the template
  up, passes it through ``_`` (gettext, see below) and fills it in.
- ``markup(key, role=None, **values)`` is the same for the full-screen interface, whose
  sentences highlight a key to press or a field: a value given as a ``(style, text)`` pair
  stays a separate styled part (urwid's text markup), so "Press {close} to close
  remote-help." keeps the key highlighted in every language.
- Translations: ``_`` is ``pgettext(key.value, english)`` of the installed translation; none
  is installed now (``gettext.NullTranslations``: the English comes back unchanged). The
  translations issue only adds catalogues (domain ``DOMAIN``; the message ids are the
  English templates of ``ENGLISH``, their context the keys' values) and calls ``install``.

Log messages (never seen by people) and test-only strings do not belong here. A unit test
checks that every key has its English, that every template formats with dummy values, and
that every ``text``/``markup`` call in the program fills exactly its template's placeholders.

A bottom-layer module: it imports nothing from remote_help but ``roles``.
"""

from __future__ import annotations

import enum
import gettext
import string
from collections.abc import Mapping
from typing import Any

from remote_help.roles import Role

DOMAIN = "remote-help"
Part = str | tuple[str, str]  # a piece of text, or a (style, text) pair


@enum.unique
class Say(enum.Enum):
    """The key of every sentence. Values are gettext contexts: never reuse one."""

    # -- proto/ (what the other computer sent that is refused) --------------------------
    PROTO_UNREADABLE = "proto.unreadable"
    PROTO_WRONG_SHAPE = "proto.wrong-shape"
    PROTO_NOT_AS_AGREED = "proto.not-as-agreed"
    PROTO_EMPTY = "proto.empty"
    PROTO_TOO_LARGE = "proto.too-large"
    PROTO_TOO_MANY = "proto.too-many"
    PROTO_BAD_USER = "proto.bad-user"
    PROTO_BAD_IDENTITY = "proto.bad-identity"
    PROTO_UNKNOWN_MESSAGE = "proto.unknown-message"
    PROTO_WRONG_FIELDS = "proto.wrong-fields"
    PROTO_UNKNOWN_ABORT = "proto.unknown-abort"
    PROTO_CHANGED_ANSWER = "proto.changed-answer"
    PROTO_ECHOED_KEY = "proto.echoed-key"
    PROTO_OUT_OF_ORDER = "proto.out-of-order"
    PROTO_UNKNOWN_END = "proto.unknown-end"
    PROTO_BAD_GREETING = "proto.bad-greeting"
    PROTO_BAD_NAME = "proto.bad-name"
    PROTO_BAD_SIZE = "proto.bad-size"
    PROTO_OTHER_VERSION = "proto.other-version"
    PROTO_SAME_ROLE = "proto.same-role"

    # -- net/ --------------------------------------------------------------------------
    NET_TOO_SLOW = "net.too-slow"
    NET_BROKEN = "net.broken"
    NET_CLOSED = "net.closed"
    NET_NOT_MY_ADDRESS = "net.not-my-address"
    NET_PORT_TAKEN = "net.port-taken"
    NET_CANNOT_LISTEN = "net.cannot-listen"
    NET_BAD_ADDRESS = "net.bad-address"
    NET_UNREACHABLE = "net.unreachable"
    NET_NO_ANSWER_YET = "net.no-answer-yet"
    NET_CONNECTED = "net.connected"
    NET_DROPPED_SLOW = "net.dropped-slow"
    NET_TURNED_AWAY = "net.turned-away"
    NET_CLOSED_BECAUSE = "net.closed-because"
    NET_PEER_BUSY = "net.peer-busy"
    NET_PEER_SAME_ROLE = "net.peer-same-role"
    NET_PEER_CANCELLED = "net.peer-cancelled"
    NET_PEER_STOPPED = "net.peer-stopped"
    NET_UNEXPECTED = "net.unexpected"

    # -- tunnel/ -----------------------------------------------------------------------
    TUNNEL_NOT_SET_UP = "tunnel.not-set-up"
    TUNNEL_TAKEOVER = "tunnel.takeover"
    TUNNEL_TOOL_MISSING = "tunnel.tool-missing"
    TUNNEL_NO_KEY = "tunnel.no-key"
    TUNNEL_SSHD_REFUSED = "tunnel.sshd-refused"
    TUNNEL_NO_REASON = "tunnel.no-reason"
    TUNNEL_LOG_WRONG_KEY = "tunnel.log.wrong-key"
    TUNNEL_LOG_KEY_REFUSED = "tunnel.log.key-refused"
    TUNNEL_LOG_REFUSED = "tunnel.log.refused"
    TUNNEL_LOG_TIMED_OUT = "tunnel.log.timed-out"
    TUNNEL_LOG_CUT = "tunnel.log.cut"
    TUNNEL_LOG_CLOSED = "tunnel.log.closed"
    TUNNEL_LOG_MISSING = "tunnel.log.missing"
    TUNNEL_LOG_FATAL = "tunnel.log.fatal"
    TUNNEL_LOG_ERROR = "tunnel.log.error"

    # -- session/ ----------------------------------------------------------------------
    SESSION_NO_ANSWER = "session.no-answer"
    SESSION_UNEXPECTED = "session.unexpected"
    SESSION_GRID_CUT = "session.grid-cut"
    SESSION_WINDOW_SMALL = "session.window-small"
    SESSION_FELL_BEHIND = "session.fell-behind"
    SESSION_TOO_MUCH_JUNK = "session.too-much-junk"
    SESSION_KEPT_SCOPE = "session.kept.scope"
    SESSION_KEPT_USER_SCOPE = "session.kept.user-scope"
    SESSION_KEPT_CGROUP = "session.kept.cgroup"
    SESSION_KEPT_WALK = "session.kept.walk"

    # -- paths, names, identity ---------------------------------------------------------
    PATHS_NO_SAFE_PLACE = "paths.no-safe-place"
    NAMES_UNUSUAL = "names.unusual"
    NAMES_OURS = "names.ours"
    IDENTITY_BAD_USER = "identity.bad-user"

    # -- ui/ (the full-screen interface) ---------------------------------------------
    UI_TOO_SMALL = "ui.too-small"
    UI_TOO_SMALL_NEEDS = "ui.too-small.needs"
    UI_MAKE_BIGGER = "ui.make-bigger"
    UI_SHORT_CONTINUE = "ui.short.continue"
    UI_SHORT_BACK = "ui.short.back"
    UI_SHORT_QUIT = "ui.short.quit"
    UI_SHORT_HELP = "ui.short.help"
    UI_SHORT_FRIEND = "ui.short.friend"
    UI_SHORT_HELPER = "ui.short.helper"
    UI_SHORT_YES = "ui.short.yes"
    UI_SHORT_NO = "ui.short.no"
    UI_SHORT_DETAILS = "ui.short.details"
    UI_SHORT_RETRY = "ui.short.retry"
    UI_SHORT_CLOSE = "ui.short.close"
    UI_SHORT_ERASE = "ui.short.erase"
    UI_SHORT_CHECK = "ui.short.check"
    UI_SHORT_REVERSE = "ui.short.reverse"
    UI_WELCOME_TITLE = "ui.welcome.title"
    UI_WELCOME = "ui.welcome"
    UI_WELCOME_WARNING = "ui.welcome.warning"
    UI_WELCOME_SCAM = "ui.welcome.scam"
    UI_WELCOME_PRESS = "ui.welcome.press"
    UI_ROLE_TITLE = "ui.role.title"
    UI_ROLE_NEED_HELP = "ui.role.need-help"
    UI_ROLE_HELPING = "ui.role.helping"
    UI_ROLE_PRESS = "ui.role.press"
    UI_ROLE_LAST_TIME = "ui.role.last-time"
    UI_ROLE_LAST_CHOICE = "ui.role.last-choice"
    UI_DETAILS_TITLE_LISTEN = "ui.details.title.listen"
    UI_DETAILS_TITLE_CONNECT = "ui.details.title.connect"
    UI_DETAILS_ONLY_DIGITS = "ui.details.only-digits"
    UI_DETAILS_TOO_LONG = "ui.details.too-long"
    UI_DETAILS_TYPE_FIRST = "ui.details.type-first"
    UI_DETAILS_INCOMPLETE = "ui.details.incomplete"
    UI_DETAILS_START_WAITING = "ui.details.start-waiting"
    UI_DETAILS_WHEN_COMPLETE = "ui.details.when-complete"
    UI_DETAILS_TELL_ADDRESS = "ui.details.tell-address"
    UI_DETAILS_TYPE_ADDRESS = "ui.details.type-address"
    UI_DETAILS_ADDRESS = "ui.details.address"
    UI_DETAILS_REVERSE = "ui.details.reverse"
    UI_DETAILS_OTHER_ADDRESSES = "ui.details.other-addresses"
    UI_DETAILS_PORT = "ui.details.port"
    UI_DETAILS_NOT_AN_ADDRESS = "ui.details.not-an-address"
    UI_DETAILS_NUMBER_BEFORE_DOT = "ui.details.number-before-dot"
    UI_DETAILS_FOUR_NUMBERS = "ui.details.four-numbers"
    UI_DETAILS_AT_MOST_255 = "ui.details.at-most-255"
    # issue 11: the address and the connection
    UI_DETAILS_LETTERS_AFTER_COLON = "ui.details.letters-after-colon"
    UI_DETAILS_LONG_FORM = "ui.details.long-form"
    UI_DETAILS_INCOMPLETE_LONG = "ui.details.incomplete-long"
    UI_DETAILS_PORT_NUMBER = "ui.details.port-number"
    UI_DETAILS_NEEDS_ZONE = "ui.details.needs-zone"
    UI_ROLE_ENTER_AGAIN = "ui.role.enter-again"
    UI_ROLE_LAST_ADDRESS = "ui.role.last-address"
    KEY_SAME = "ui.key.same"
    NET_NOTHING_WAITING = "net.nothing-waiting"
    NET_NOTHING_WAITING_YET = "net.nothing-waiting-yet"
    NET_NOT_CONNECTED = "net.not-connected"
    NET_NOT_CONNECTED_YET = "net.not-connected-yet"
    NET_NEEDS_ZONE = "net.needs-zone"  # fixaddr: fe80:: from the command line or line mode
    PLAIN_ROLE_PROMPT_AGAIN = "plain.role.prompt-again"
    UI_ENDED_TITLE = "ui.ended.title"
    UI_ENDED_PRESS = "ui.ended.press"
    UI_ENDED_TYPED = "ui.ended.typed"
    UI_ENDED_LAST_ROWS = "ui.ended.last-rows"
    UI_FAILED_TITLE = "ui.failed.title"
    UI_FAILED_STOP_TITLE = "ui.failed.stop-title"
    UI_FAILED_PRESS = "ui.failed.press"
    UI_HELP_TITLE = "ui.help.title"
    UI_HELP_YOU_CAN_PRESS = "ui.help.you-can-press"
    UI_HELP_PRESS = "ui.help.press"
    UI_CHECK_TITLE = "ui.check.title"
    UI_TECH_TITLE = "ui.tech.title"
    UI_TECH_THIS_COMPUTER = "ui.tech.this-computer"
    UI_TECH_OTHER_COMPUTER = "ui.tech.other-computer"
    UI_TECH_KEY = "ui.tech.key"
    UI_TECH_FINGERPRINT = "ui.tech.fingerprint"
    UI_TECH_SPELLED = "ui.tech.spelled"
    UI_TECH_WHEN_HELP_ENDS = "ui.tech.when-help-ends"
    UI_TECH_PRESS = "ui.tech.press"
    UI_VERIFY_READ = "ui.verify.read"
    UI_VERIFY_FRIEND_TYPES = "ui.verify.friend-types"
    UI_VERIFY_QUESTION = "ui.verify.question"
    UI_VERIFY_YES = "ui.verify.yes"
    UI_VERIFY_NO = "ui.verify.no"
    UI_VERIFY_MORE = "ui.verify.more"
    UI_VERIFY_ALL_FILLED = "ui.verify.all-filled"
    UI_VERIFY_DIGITS = "ui.verify.digits"
    UI_VERIFY_FIRST_LETTER = "ui.verify.first-letter"
    UI_VERIFY_HOW = "ui.verify.how"
    UI_VERIFY_ENTER = "ui.verify.enter"
    UI_VERIFY_BACKSPACE = "ui.verify.backspace"
    UI_RESULT_CORRECT = "ui.result.correct"
    UI_RESULT_TELL = "ui.result.tell"
    UI_RESULT_WAITING = "ui.result.waiting"
    UI_RESULT_NO_MATCH = "ui.result.no-match"
    UI_RESULT_LISTENING = "ui.result.listening"
    UI_RESULT_CALL_BACK = "ui.result.call-back"
    # the check of the five words, forgiving (issue 11): full screen, line mode, journey
    CHECK_NO_MATCH = "check.no-match"
    CHECK_TRIES_LEFT = "check.tries-left"
    CHECK_LAST_TRY = "check.last-try"
    CHECK_WHOLE_WORD = "check.whole-word"
    CHECK_WHOLE_WORD_MAYBE = "check.whole-word-maybe"
    CHECK_TOO_MANY = "check.too-many"
    CHECK_BACK_QUESTION = "check.back-question"
    CHECK_BACK_KEYS = "check.back-keys"
    CHECK_BACK_PROMPT = "check.back-prompt"
    CHECK_PLAIN_BACK_HINT = "check.plain-back-hint"
    CHECK_PEER_CLOSED = "check.peer-closed"
    CHECK_PEER_WENT_BACK = "check.peer-went-back"
    CHECK_LEFT_CLOSED = "check.left-closed"
    CHECK_LEFT_WENT_BACK = "check.left-went-back"
    SETUP_PEER_LEFT = "setup.peer-left"
    UI_SHARED_SMALL = "ui.shared.small"
    UI_SHARED_CANNOT_DRAW = "ui.shared.cannot-draw"
    UI_SHARED_STATUS_TYPED = "ui.shared.status-typed"
    UI_SHARED_STATUS = "ui.shared.status"
    UI_SHARED_CONNECTING = "ui.shared.connecting"
    UI_SHARED_USER_AT = "ui.shared.user-at"
    UI_SHARED_NAMED = "ui.shared.named"
    # -- issue 11, "Every screen readable everywhere" (look) ---------------------------
    UI_SHARED_STARTING = "ui.shared.starting"
    UI_SHARED_STARTING_WHERE = "ui.shared.starting-where"
    WINDOW_TITLE = "window.title"
    UI_TERMVIEW_CANNOT_DRAW = "ui.termview.cannot-draw"

    # -- ui/keys.py (the hotkeys: the help view and the README) ----------------------
    KEY_STOP = "ui.key.stop"
    KEY_HELP = "ui.key.help"
    KEY_CONTINUE = "ui.key.continue"
    KEY_QUIT = "ui.key.quit"
    KEY_BACK = "ui.key.back"
    KEY_BACK_CODE = "ui.key.back-code"
    KEY_FRIEND = "ui.key.friend"
    KEY_HELPER = "ui.key.helper"
    KEY_REVERSE = "ui.key.reverse"
    KEY_YES = "ui.key.yes"
    KEY_NO = "ui.key.no"
    KEY_DETAILS = "ui.key.details"
    KEY_ERASE = "ui.key.erase"
    KEY_CHECK = "ui.key.check"
    KEY_RETRY = "ui.key.retry"
    KEY_CLOSE = "ui.key.close"
    KEY_CLOSE_HELP = "ui.key.close-help"
    KEY_END_FRIEND = "ui.key.end-friend"
    KEY_END_HELPER = "ui.key.end-helper"

    # -- ui/ (the full-screen front end and app: waiting, setting up, the frame) ---------
    UI_STEP = "ui.step"
    UI_STOP_ANY_TIME = "ui.stop-any-time"
    UI_WAIT_LISTENING_TITLE = "ui.wait.listening-title"
    UI_WAIT_LISTENING = "ui.wait.listening"
    UI_WAIT_TYPES_ADDRESS = "ui.wait.types-address"
    UI_WAIT_AT_MOST = "ui.wait.at-most"
    UI_WAIT_CONNECTING_TITLE = "ui.wait.connecting-title"
    UI_WAIT_CONNECTING = "ui.wait.connecting"
    UI_WAIT_MINUTE = "ui.wait.minute"
    UI_WAIT_PEER_TITLE = "ui.wait.peer-title"
    UI_WAIT_PEER = "ui.wait.peer"
    UI_SETUP_TITLE = "ui.setup.title"
    UI_SETUP = "ui.setup"
    UI_NO_FULL_NOT_A_TERMINAL = "ui.no-full.not-a-terminal"
    UI_NO_FULL_TERM_CANNOT = "ui.no-full.term-cannot"
    UI_NO_FULL_TERM_UNKNOWN = "ui.no-full.term-unknown"
    UI_NO_FULL_NO_CURSOR = "ui.no-full.no-cursor"

    # -- wizard/ (the journey: why it stopped, how the session ended) --------------------
    WIZARD_CANCELLED = "wizard.cancelled"
    WIZARD_STOPPED = "wizard.stopped"
    WIZARD_LOCKED_OUT = "wizard.locked-out"
    WIZARD_SETUP_FAILED_BECAUSE = "wizard.setup-failed-because"
    WIZARD_SETUP_FAILED_HERE = "wizard.setup-failed-here"
    WIZARD_WITH_DETAIL = "wizard.with-detail"
    WIZARD_CANNOT_PREPARE = "wizard.cannot-prepare"
    WIZARD_UNUSUAL_FOLDER = "wizard.unusual-folder"
    WIZARD_NOBODY_CONNECTED = "wizard.nobody-connected"
    WIZARD_NO_SSHD = "wizard.no-sshd"
    WIZARD_CONNECTION_FAILED = "wizard.connection-failed"
    WIZARD_REFUSED = "wizard.refused"
    WIZARD_PEER_SAID_STOP = "wizard.peer.said-stop"
    WIZARD_PEER_REFUSED = "wizard.peer.refused"
    WIZARD_PEER_BUSY = "wizard.peer.busy"
    WIZARD_PEER_SAME_ROLE = "wizard.peer.same-role"
    WIZARD_PEER_CANCELLED = "wizard.peer.cancelled"
    WIZARD_PEER_LOCKED = "wizard.peer.locked"
    WIZARD_INTERRUPTED = "wizard.interrupted"
    WIZARD_TOO_MANY_LEFT = "wizard.too-many-left"
    WIZARD_LEFT_NO_SERVER = "wizard.left.no-server"
    WIZARD_LEFT_SAID_STOP = "wizard.left.said-stop"
    WIZARD_LEFT_EARLY = "wizard.left.early"
    WIZARD_LEFT_BARRED = "wizard.left.barred"
    WIZARD_STILL_WAITING = "wizard.still-waiting"
    WIZARD_MINUTES = "wizard.minutes"
    WIZARD_SECONDS = "wizard.seconds"
    WIZARD_ONE_SECOND = "wizard.one-second"
    WIZARD_END_FRIEND_ENDED = "wizard.end.friend-ended"
    WIZARD_END_HELPER_ENDED = "wizard.end.helper-ended"
    WIZARD_END_SHELL_EXITED = "wizard.end.shell-exited"
    WIZARD_END_LOST = "wizard.end.lost"
    WIZARD_END_SETUP_FAILED = "wizard.end.setup-failed"
    WIZARD_END_PROBLEM = "wizard.end.problem"

    # -- plain/ (line mode) ------------------------------------------------------------
    PLAIN_HELPER_TYPED = "plain.helper-typed"
    PLAIN_YES_OR_NO = "plain.yes-or-no"
    PLAIN_ROLE_QUESTION = "plain.role.question"
    PLAIN_ROLE_FRIEND = "plain.role.friend"
    PLAIN_ROLE_HELPER = "plain.role.helper"
    PLAIN_ROLE_PROMPT = "plain.role.prompt"
    PLAIN_ROLE_AGAIN = "plain.role.again"
    PLAIN_WARN = "plain.warn"
    PLAIN_WARN_ONLY_IF = "plain.warn.only-if"
    PLAIN_WARN_CONTINUE = "plain.warn.continue"
    PLAIN_ADDRESS_PROMPT = "plain.address.prompt"
    PLAIN_ADDRESS_AGAIN = "plain.address.again"
    PLAIN_WAITING = "plain.waiting"
    PLAIN_WAITS_AT_MOST = "plain.waits-at-most"
    PLAIN_TELL_ADDRESS = "plain.tell-address"
    PLAIN_OTHER_ADDRESSES = "plain.other-addresses"
    PLAIN_NOT_USUAL_PORT = "plain.not-usual-port"
    PLAIN_CONNECTING = "plain.connecting"
    PLAIN_CONNECTED_CHECK = "plain.connected-check"
    PLAIN_READ_WORDS = "plain.read-words"
    PLAIN_FRIEND_TYPES = "plain.friend-types"
    PLAIN_DID_IT_SAY = "plain.did-it-say"
    PLAIN_Y_OR_N = "plain.y-or-n"
    PLAIN_WILL_READ = "plain.will-read"
    PLAIN_TYPE_FIRST = "plain.type-first"
    PLAIN_TYPE_FIVE = "plain.type-five"
    PLAIN_ONLY_FIRST = "plain.only-first"
    PLAIN_WRONG_COUNT = "plain.wrong-count"
    PLAIN_CORRECT = "plain.correct"
    PLAIN_TELL_CORRECT = "plain.tell-correct"
    PLAIN_STOP = "plain.stop"
    PLAIN_WAITING_CONFIRM = "plain.waiting-confirm"
    PLAIN_WAITING_PEER = "plain.waiting-peer"
    PLAIN_SETTING_UP = "plain.setting-up"
    PLAIN_DETAILS_TITLE = "plain.details.title"
    PLAIN_DETAILS_MY_KEY = "plain.details.my-key"
    PLAIN_DETAILS_FINGERPRINT = "plain.details.fingerprint"
    PLAIN_DETAILS_SPELLED = "plain.details.spelled"
    PLAIN_DETAILS_OTHER = "plain.details.other"
    PLAIN_DETAILS_KEY = "plain.details.key"
    PLAIN_DETAILS_WHEN_ENDS = "plain.details.when-ends"
    PLAIN_END_WORD = "plain.end-word"
    PLAIN_SIGN_OFF = "plain.sign-off"
    PLAIN_GREETING = "plain.greeting"
    PLAIN_USER_AT = "plain.user-at"
    PLAIN_NAMED = "plain.named"

    # -- cli ---------------------------------------------------------------------------
    CLI_SETTINGS_PUT_BACK = "cli.settings-put-back"
    CLI_SETTINGS_NOT_PUT_BACK = "cli.settings-not-put-back"
    CLI_NO_FULL_SCREEN = "cli.no-full-screen"
    CLI_NO_URWID = "cli.no-urwid"
    CLI_STOPPED = "cli.stopped"
    CLI_UNEXPECTED = "cli.unexpected"
    CLI_DETAILS_SAVED = "cli.details-saved"
    CLI_NO_DETAILS = "cli.no-details"
    CLI_YES_NO = "cli.yes-no"

    # -- settings ------------------------------------------------------------------------
    SETTINGS_CHANGED = "settings.changed"
    SETTINGS_WAS_FRIEND = "settings.was-friend"
    SETTINGS_WAS_HELPER = "settings.was-helper"
    SETTINGS_ADDRESS = "settings.address"
    SETTINGS_REVERSE = "settings.reverse"
    SETTINGS_NOT_SHARED = "settings.not-shared"
    SETTINGS_FIREWALL = "settings.firewall"
    SETTINGS_USE_THEM = "settings.use-them"
    SETTINGS_REVERSE_AGAIN = "settings.reverse-again"


# The English templates. A dict by Role where the two people read different words.
ENGLISH: dict[Say, str | Mapping[Role, str]] = {
    # proto/
    Say.PROTO_UNREADABLE: "The other computer sent a message that is not readable.",
    Say.PROTO_WRONG_SHAPE: "The other computer sent a message of the wrong shape.",
    Say.PROTO_NOT_AS_AGREED: "The other computer sent a message that is not written as agreed.",
    Say.PROTO_EMPTY: "The other computer sent an empty message.",
    Say.PROTO_TOO_LARGE: "The other computer sent a message that is too large.",
    Say.PROTO_TOO_MANY: "The other computer sent too many messages.",
    Say.PROTO_BAD_USER: "The other computer sent a user name that is not allowed.",
    Say.PROTO_BAD_IDENTITY: "The other computer sent an identity that is not allowed.",
    Say.PROTO_UNKNOWN_MESSAGE: "The other computer sent a message we do not know.",
    Say.PROTO_WRONG_FIELDS: "The other computer sent a message with the wrong fields.",
    Say.PROTO_UNKNOWN_ABORT: "The other computer stopped for a reason we do not know.",
    Say.PROTO_CHANGED_ANSWER: "The check failed: the other computer changed its answer.",
    Say.PROTO_ECHOED_KEY: "The check failed: the other computer echoed our own key.",
    Say.PROTO_OUT_OF_ORDER: "The other computer sent a message out of order.",
    Say.PROTO_UNKNOWN_END: "The other computer ended for a reason we do not know.",
    Say.PROTO_BAD_GREETING: "The other computer sent a greeting we do not understand.",
    Say.PROTO_BAD_NAME: "The other computer sent a name that is not allowed.",
    Say.PROTO_BAD_SIZE: "The other computer sent a screen size that is not allowed.",
    Say.PROTO_OTHER_VERSION: "The other computer runs a different version of remote-help. "
                             "Both of you need the same version.",
    Say.PROTO_SAME_ROLE: {
        Role.FRIEND: "Both of you said you need help. One of you must choose the other.",
        Role.HELPER: "Both of you said you are helping. One of you must choose the other.",
    },
    # net/
    Say.NET_TOO_SLOW: "The other computer took too long to answer.",
    Say.NET_BROKEN: "The connection was broken.",
    Say.NET_CLOSED: "The other computer closed the connection.",
    Say.NET_NOT_MY_ADDRESS: "{address} is not an address of this computer.",
    Say.NET_PORT_TAKEN: "Another program is already waiting for connections here "
                        "(port {port}). Is remote-help already running?",
    Say.NET_CANNOT_LISTEN: "Cannot wait for connections here (port {port}): {reason}.",
    Say.NET_BAD_ADDRESS: "The address {host} is not right. Check it and try again.",
    Say.NET_UNREACHABLE: "Could not reach {host}. Check that the address is right and "
                         "that the other person's remote-help is waiting.",
    Say.NET_NO_ANSWER_YET: "No answer from {host} yet. Trying again until the other side "
                           "is ready...",
    Say.NET_CONNECTED: "A computer at {who} connected. Checking it...",
    Say.NET_DROPPED_SLOW: "The connection from {who} was closed: it was too slow, and "
                          "another connection came in.",
    Say.NET_TURNED_AWAY: "A second computer ({who}) tried to connect; it was turned away.",
    Say.NET_CLOSED_BECAUSE: "The connection from {who} was closed: {why}",
    Say.NET_PEER_BUSY: "it is busy with someone else.",
    Say.NET_PEER_SAME_ROLE: "it gave the same answer to 'Who are you?' as you.",
    Say.NET_PEER_CANCELLED: "it cancelled.",
    Say.NET_PEER_STOPPED: "it stopped.",
    Say.NET_UNEXPECTED: "an unexpected error.",
    # tunnel/
    Say.TUNNEL_NOT_SET_UP: "The secure connection could not be set up.",
    Say.TUNNEL_TAKEOVER: "Another user on this computer tried to take over the connection.",
    Say.TUNNEL_TOOL_MISSING: "The program {name} is missing. Install it with: "
                             "sudo apt install {package}",
    Say.TUNNEL_NO_KEY: "Could not make this session's key: {reason}",
    Say.TUNNEL_SSHD_REFUSED: "This computer's SSH server program refused our settings: "
                             "{reason}",
    Say.TUNNEL_NO_REASON: "no reason given",
    Say.TUNNEL_LOG_WRONG_KEY: "the other computer's key is not the one you checked",
    Say.TUNNEL_LOG_KEY_REFUSED: "the other computer did not accept this computer's key",
    Say.TUNNEL_LOG_REFUSED: "the other computer refused the connection",
    Say.TUNNEL_LOG_TIMED_OUT: "the other computer stopped answering",
    Say.TUNNEL_LOG_CUT: "the connection was cut",
    Say.TUNNEL_LOG_CLOSED: "the other computer closed the connection",
    Say.TUNNEL_LOG_MISSING: "a program or file the SSH program needs is missing",
    Say.TUNNEL_LOG_FATAL: "the SSH program stopped with an error",
    Say.TUNNEL_LOG_ERROR: "the SSH program reported an error",
    # session/
    Say.SESSION_NO_ANSWER: "The other computer did not answer.",
    Say.SESSION_UNEXPECTED: {
        Role.FRIEND: "The helper's computer sent something unexpected.",
        Role.HELPER: "The friend's computer sent something unexpected.",
    },
    Say.SESSION_GRID_CUT: "Your friend's screen is {theirs}, larger than remote-help shows: "
                          "you see its top left {shown}. Ask your friend to make it smaller.",
    Say.SESSION_WINDOW_SMALL: "Make your window bigger: your friend's screen is {theirs}, "
                              "yours {mine}.",
    Say.SESSION_FELL_BEHIND: "Your connection fell behind, so some of your friend's output "
                             "was skipped. This is their screen now.",
    Say.SESSION_TOO_MUCH_JUNK: "The other computer printed too much before the session "
                               "started.",
    Say.SESSION_KEPT_SCOPE: "Everything your helper starts is kept together and ended when "
                            "help ends (systemd scope).",
    Say.SESSION_KEPT_USER_SCOPE: "Everything your helper starts is kept together and ended "
                                 "when help ends (systemd user scope).",
    Say.SESSION_KEPT_CGROUP: "Everything your helper starts is kept together and ended when "
                             "help ends (cgroup).",
    Say.SESSION_KEPT_WALK: "Programs your helper starts are looked for and ended when help "
                           "ends (process tree; no cgroup could be used on this computer).",
    # paths, names, identity
    Say.PATHS_NO_SAFE_PLACE: "There is no safe place for temporary files (tried {tried}).",
    Say.NAMES_UNUSUAL: "(a name with unusual letters)",
    Say.NAMES_OURS: "(a name that looks like remote-help's own words)",
    Say.IDENTITY_BAD_USER: "The user name {name!r} uses characters remote-help does not "
                           "accept. Please use an account whose name is lowercase letters "
                           "and digits.",
    # ui/
    Say.UI_TOO_SMALL: "This window is too small for remote-help.",
    Say.UI_MAKE_BIGGER: "Please make this window bigger.",
    Say.UI_TOO_SMALL_NEEDS: "(It needs at least {cols} columns and {rows} lines.)",
    Say.UI_SHORT_CONTINUE: "Continue",
    Say.UI_SHORT_BACK: "Back",
    Say.UI_SHORT_QUIT: "Quit",
    Say.UI_SHORT_HELP: "Help",
    Say.UI_SHORT_FRIEND: "I need help",
    Say.UI_SHORT_HELPER: "I am helping",
    Say.UI_SHORT_YES: "Yes, it said CORRECT",
    Say.UI_SHORT_NO: "No",
    Say.UI_SHORT_DETAILS: "Details",
    Say.UI_SHORT_RETRY: "Try again",
    Say.UI_SHORT_CLOSE: "Close",
    Say.UI_SHORT_ERASE: "Erase",
    Say.UI_SHORT_CHECK: "Check",
    Say.UI_SHORT_REVERSE: "Reverse",
    Say.UI_WELCOME_TITLE: "Welcome",
    Say.UI_WELCOME: {
        Role.HELPER: "You are about to help someone with their computer.\n"
                     "\n"
                     "Your friend will see everything you do, and can end it at any moment.\n"
                     "When a password is needed, let your friend type it.\n"
                     "\n"
                     "Stay on the phone with your friend: you will read them five words,\n"
                     "so that both of you know nobody is listening in.",
        Role.FRIEND: "remote-help lets someone you trust use this computer, to fix it.\n"
                     "\n"
                     "You will see everything they do, and you can type too.\n"
                     "You can end it at any moment by pressing Ctrl+Alt+C.",
    },
    Say.UI_WELCOME_WARNING: "Only continue if YOU phoned someone you know.\n"
                            "Banks, Microsoft and the police never ask for this.",
    Say.UI_WELCOME_SCAM: "If someone phoned you and asked you to do this, press Q now and "
                         "hang up.",
    Say.UI_WELCOME_PRESS: "Press {continue_key} to continue, or {quit_key} to quit.",
    Say.UI_ROLE_TITLE: "Who are you?",
    Say.UI_ROLE_NEED_HELP: "I need help with my computer",
    Say.UI_ROLE_HELPING: "I am helping someone",
    Say.UI_ROLE_PRESS: "Press {friend_key} or {helper_key}.",
    Say.UI_ROLE_LAST_TIME: "Last time on this computer: {choice}.",
    Say.UI_ROLE_LAST_CHOICE: {Role.FRIEND: "I need help", Role.HELPER: "I am helping someone"},
    Say.UI_DETAILS_TITLE_LISTEN: {Role.HELPER: "What your friend must know",
                                  Role.FRIEND: "What your helper must know"},
    Say.UI_DETAILS_TITLE_CONNECT: {Role.HELPER: "Your friend's address",
                                   Role.FRIEND: "Your helper's address"},
    Say.UI_DETAILS_ONLY_DIGITS: {
        Role.HELPER: "Type only numbers and dots, like 192.168.1.20. Ask your friend to "
                     "read it again.",
        Role.FRIEND: "Type only numbers and dots, like 192.168.1.20. Ask your helper to "
                     "read it again.",
    },
    Say.UI_DETAILS_TOO_LONG: "That is too long for an address.",
    Say.UI_DETAILS_TYPE_FIRST: {Role.HELPER: "First type your friend's address.",
                                Role.FRIEND: "First type your helper's address."},
    Say.UI_DETAILS_INCOMPLETE: "That address is not complete yet. It has four numbers with "
                               "dots between them.",
    Say.UI_DETAILS_START_WAITING: {
        Role.HELPER: "Press {enter_key} to start waiting for your friend.",
        Role.FRIEND: "Press {enter_key} to start waiting for your helper.",
    },
    Say.UI_DETAILS_WHEN_COMPLETE: "Press {enter_key} when the address is complete.",
    Say.UI_DETAILS_TELL_ADDRESS: {
        Role.HELPER: "Tell your friend to start remote-help, choose\n"
                     '"I need help", and type this address:',
        Role.FRIEND: "Tell your helper this address. Read it slowly:",
    },
    Say.UI_DETAILS_TYPE_ADDRESS: {
        Role.HELPER: "Type your friend's address. Your friend reads it "
                     "to you: numbers with dots between them, like 192.168.1.20.\n"
                     "If there is a second number, type a space, then the number.",
        Role.FRIEND: "Type your helper's address. Your helper reads it "
                     "to you: numbers with dots between them, like 192.168.1.20.\n"
                     "If there is a second number, type a space, then the number.",
    },
    Say.UI_DETAILS_ADDRESS: "Address:",
    Say.UI_DETAILS_REVERSE: {
        Role.HELPER: "I will connect to my friend (when my friend's computer waits for me)",
        Role.FRIEND: "My helper will connect to me (use this if my helper asks for it)",
    },
    Say.UI_DETAILS_OTHER_ADDRESSES: "If that one does not work, try: {addresses}",
    Say.UI_DETAILS_PORT: {
        Role.FRIEND: "Then tell your helper this number: {port} ({spoken}).",
        Role.HELPER: "Then tell your friend this number: {port} ({spoken}).",
    },
    Say.UI_DETAILS_NOT_AN_ADDRESS: "That is not an address.",
    Say.UI_DETAILS_NUMBER_BEFORE_DOT: "Type a number before each dot.",
    Say.UI_DETAILS_FOUR_NUMBERS: "An address has only four numbers, with three dots between "
                                 "them.",
    Say.UI_DETAILS_AT_MOST_255: "Each number in the address is at most 255. Please check it "
                                "again.",
    # issue 11: the address and the connection
    Say.UI_DETAILS_LETTERS_AFTER_COLON: "Type only numbers and dots. The letters a to f are "
                                        "only in a long address, after a colon.",
    Say.UI_DETAILS_LONG_FORM: "In this long address, B is a letter: to go back, press Escape.",
    Say.UI_DETAILS_INCOMPLETE_LONG: "That address is not complete yet. Please check it "
                                    "again.",
    Say.UI_DETAILS_PORT_NUMBER: "After the address, type only the second number you were "
                                "told (at most 65535).",
    Say.UI_DETAILS_NEEDS_ZONE: "This address needs its last part too: a percent sign and a "
                               "name, like fe80::1%eth0. Ask for all of it again.",
    Say.UI_ROLE_ENTER_AGAIN: "Press {enter_key} to choose it again.",
    Say.UI_ROLE_LAST_ADDRESS: "Last time on this computer: I need help, with my helper at "
                              "{address}.",
    Say.KEY_SAME: "The same as last time on this computer",
    Say.NET_NOTHING_WAITING: {
        Role.FRIEND: "Nothing was waiting at {host}. Check the address with your helper, "
                     "and that your helper's screen says \"Waiting for your friend\".",
        Role.HELPER: "Nothing was waiting at {host}. Check the address with your friend, "
                     "and that your friend's screen says \"Waiting for your helper\".",
    },
    Say.NET_NOTHING_WAITING_YET: {
        Role.FRIEND: "Nothing is waiting at {host}. Is your helper's screen saying "
                     "\"Waiting for your friend\"? Did your helper choose \"I am helping "
                     "someone\"? Trying again...",
        Role.HELPER: "Nothing is waiting at {host}. Is your friend's screen saying "
                     "\"Waiting for your helper\"? Did your friend choose \"I need help\" "
                     "and \"My helper will connect to me\"? Trying again...",
    },
    Say.NET_NOT_CONNECTED: "This computer is not connected to a network.",
    Say.NET_NOT_CONNECTED_YET: "This computer is not connected to a network. Connect it "
                               "(a cable, or the wireless network); trying again...",
    Say.NET_NEEDS_ZONE: "The address {host} needs its last part too: a percent sign and a "
                        "name, like fe80::1%eth0. Ask for all of it again.",
    Say.PLAIN_ROLE_PROMPT_AGAIN: "Type 1 or 2, then press Enter (Enter alone: {number}, as "
                                 "last time):",
    Say.UI_ENDED_TITLE: "Help has ended",
    Say.UI_ENDED_PRESS: "Press {close_key} to close remote-help.",
    Say.UI_ENDED_TYPED: "The last things your helper typed:",
    Say.UI_ENDED_LAST_ROWS: "The shared terminal when help ended:",
    Say.UI_FAILED_TITLE: "It did not work",
    Say.UI_FAILED_STOP_TITLE: "STOP",
    Say.UI_FAILED_PRESS: "Press {retry_key} to try again, or {quit_key} to close remote-help.",
    Say.UI_HELP_TITLE: "Help",
    Say.UI_HELP_YOU_CAN_PRESS: "You can press:",
    Say.UI_HELP_PRESS: "Press {close_key} to close this help.",
    Say.UI_CHECK_TITLE: "Check that nobody is listening in",
    Say.UI_TECH_TITLE: "Details for technical people",
    Say.UI_TECH_THIS_COMPUTER: "This computer",
    Say.UI_TECH_OTHER_COMPUTER: "The other computer ({user} at {address})",
    Say.UI_TECH_KEY: "key {key}",
    Say.UI_TECH_FINGERPRINT: "fingerprint {fingerprint}",
    Say.UI_TECH_SPELLED: "spelled: {spelled}",
    Say.UI_TECH_WHEN_HELP_ENDS: "When help ends:",
    Say.UI_TECH_PRESS: "Press {details_key} to close. The arrow keys scroll.",
    Say.UI_VERIFY_READ: "Read these five words to your friend, slowly:",
    Say.UI_VERIFY_FRIEND_TYPES: "Your friend types the first letter of each word.\n"
                                "Their screen then says CORRECT or STOP.\n"
                                "If it says \"That does not match\", read the words "
                                "again, slowly.",
    Say.UI_VERIFY_QUESTION: "Did your friend's screen say CORRECT?",
    Say.UI_VERIFY_YES: "Yes, it said CORRECT",
    Say.UI_VERIFY_NO: "No, it said STOP",
    Say.UI_VERIFY_MORE: "{missing} more to type: one letter for each word your helper reads.",
    Say.UI_VERIFY_ALL_FILLED: "All five are filled in. Press Enter, or Backspace to fix one.",
    Say.UI_VERIFY_DIGITS: "The numbers in the words are only 2 to 7. Listen again.",
    Say.UI_VERIFY_FIRST_LETTER: "Type only the first letter of each word (or its number).",
    Say.UI_VERIFY_HOW: "Your helper now reads you five words.\n"
                       "Type the first letter of each word you hear.\n"
                       "For a number, type the number: for KILO type K, for SEVEN type 7.",
    Say.UI_VERIFY_ENTER: "When all five are filled in, press {enter_key}.",
    Say.UI_VERIFY_BACKSPACE: "To fix a letter, press {backspace_key}.",
    Say.UI_RESULT_CORRECT: "CORRECT",
    Say.UI_RESULT_TELL: 'Tell your helper: "My screen says CORRECT."',
    Say.UI_RESULT_WAITING: "Waiting for your helper to confirm...",
    Say.UI_RESULT_NO_MATCH: "The words did not match, so nothing was shared.",
    Say.UI_RESULT_LISTENING: "Someone may be listening in.",
    Say.UI_RESULT_CALL_BACK: "Hang up and call your helper back on a number you know.",
    # the check of the five words, forgiving (issue 11)
    Say.CHECK_NO_MATCH: "That does not match. Ask your helper to read the words again, "
                        "slowly.",
    Say.CHECK_TRIES_LEFT: "You can try {tries} more times.",
    Say.CHECK_LAST_TRY: "This is the last try.",
    Say.CHECK_WHOLE_WORD: "Type only the FIRST letter of each word.",
    Say.CHECK_WHOLE_WORD_MAYBE: "Type only the FIRST letter of each word. If you did, go on.",
    Say.CHECK_TOO_MANY: "That is more than {words} words. Press Backspace to fix it.",
    Say.CHECK_BACK_QUESTION: {
        Role.FRIEND: "Go back? Your helper will need to read new words.",
        Role.HELPER: "Go back? You will need to read new words to your friend.",
    },
    Say.CHECK_BACK_KEYS: "{yes_key}  Yes, go back       {no_key}  No, stay here",
    Say.CHECK_BACK_PROMPT: {
        Role.FRIEND: "Go back? Your helper will need to read new words. [y/n]",
        Role.HELPER: "Go back? You will need to read new words to your friend. [y/n]",
    },
    Say.CHECK_PLAIN_BACK_HINT: "(To go back and start again, type: back)",
    Say.CHECK_PEER_CLOSED: {
        Role.HELPER: "Your friend closed remote-help, says their computer. Nothing was shared. "
                     "If your friend did not, someone may be interfering: call your friend "
                     "back on a number you know.",
        Role.FRIEND: "Your helper closed remote-help, says their computer. Nothing was shared. "
                     "If your helper did not, someone may be interfering: hang up and call "
                     "your helper back on a number you know.",
    },
    Say.CHECK_PEER_WENT_BACK: {
        Role.HELPER: "Your friend went back to start again, says their computer. Nothing was "
                     "shared. Start again together: new words will be read.",
        Role.FRIEND: "Your helper went back to start again, says their computer. Nothing was "
                     "shared. Start again when your helper tells you to: new words will be "
                     "read.",
    },
    Say.CHECK_LEFT_CLOSED: {
        Role.HELPER: "The computer at {who} left before you answered: it says your friend "
                     "closed remote-help. Forget those words, nothing was shared.",
        Role.FRIEND: "The computer at {who} left before you answered: it says your helper "
                     "closed remote-help. Forget those words, nothing was shared.",
    },
    Say.CHECK_LEFT_WENT_BACK: {
        Role.HELPER: "The computer at {who} left before you answered: it says your friend "
                     "went back to start again. Forget those words, nothing was shared.",
        Role.FRIEND: "The computer at {who} left before you answered: it says your helper "
                     "went back to start again. Forget those words, nothing was shared.",
    },
    Say.SETUP_PEER_LEFT: {
        Role.HELPER: "The connection closed before the shared terminal started: your friend "
                     "closed remote-help, or the network dropped. Nothing was shared.",
        Role.FRIEND: "The connection closed before the shared terminal started: your helper "
                     "closed remote-help, or the network dropped. Nothing was shared.",
    },
    Say.UI_SHARED_SMALL: {
        Role.FRIEND: "Your helper is connected. Make this window bigger, or press {end} to "
                     "end.",
        Role.HELPER: "Your friend is connected. Make this window bigger, or press {end} to "
                     "end.",
    },
    Say.UI_SHARED_CANNOT_DRAW: {
        Role.FRIEND: "Your helper's keys are stopped: the screen could not be drawn. Help "
                     "is ending.",
        Role.HELPER: "Your screen could not be drawn. The session is ending.",
    },
    Say.UI_SHARED_STATUS_TYPED: "To end help, press {end}.  Your helper typed: ",
    Say.UI_SHARED_STATUS: {
        Role.FRIEND: "To end help, press {end}.   Helping you: {who}",
        Role.HELPER: "{end} ends the session.   Your friend: {who}",
    },
    Say.UI_SHARED_CONNECTING: "Connecting...",
    Say.UI_SHARED_USER_AT: "{user} at {address}",
    Say.UI_SHARED_NAMED: "{name} ({who})",
    # issue 11, "Every screen readable everywhere" (look)
    Say.UI_SHARED_STARTING: "Starting the secure connection",  # then dots that move
    Say.UI_SHARED_STARTING_WHERE: {
        Role.FRIEND: "Your helper will see this computer's terminal here in a moment.",
        Role.HELPER: "Your friend's terminal will show here in a moment.",
    },
    Say.WINDOW_TITLE: {  # the terminal window's title while remote-help runs
        Role.FRIEND: "remote-help: getting help",
        Role.HELPER: "remote-help: helping a friend",
    },
    Say.UI_TERMVIEW_CANNOT_DRAW: "The shared screen cannot be drawn here. Help is ending.",
    # ui/keys.py
    Say.KEY_STOP: "Stop at once; nothing more is shared",
    Say.KEY_HELP: "Show what you can press",
    Say.KEY_CONTINUE: "Continue",
    Say.KEY_QUIT: "Quit; nothing is shared",
    Say.KEY_BACK: "Go back one step",
    Say.KEY_BACK_CODE: "Go back (the letters you type are the code here)",
    Say.KEY_FRIEND: "I need help with my computer",
    Say.KEY_HELPER: "I am helping someone",
    Say.KEY_REVERSE: "Change who connects: the helper's computer to the friend's",
    Say.KEY_YES: "Yes: my friend's screen said CORRECT",
    Say.KEY_NO: "No: it did not say CORRECT; stop",
    Say.KEY_DETAILS: "Show the technical details of both computers",
    Say.KEY_ERASE: "Erase the last letter",
    Say.KEY_CHECK: "Check the letters",
    Say.KEY_RETRY: "Try again",
    Say.KEY_CLOSE: "Close remote-help",
    Say.KEY_CLOSE_HELP: "Close this help",
    Say.KEY_END_FRIEND: "End help at once",
    Say.KEY_END_HELPER: "End the session",
    # ui/ (the front end and the app)
    Say.UI_STEP: "Step {number} of 7: {title}",
    Say.UI_STOP_ANY_TIME: "To stop at any time, press Ctrl+Alt+C.",
    Say.UI_WAIT_LISTENING_TITLE: {Role.FRIEND: "Waiting for your helper",
                                  Role.HELPER: "Waiting for your friend"},
    Say.UI_WAIT_LISTENING: {Role.FRIEND: "Waiting for your helper to connect...",
                            Role.HELPER: "Waiting for your friend to connect..."},
    Say.UI_WAIT_TYPES_ADDRESS: {Role.FRIEND: "Your helper types this address:",
                                Role.HELPER: "Your friend types this address:"},
    Say.UI_WAIT_AT_MOST: "This computer waits {span} at most.",
    Say.UI_WAIT_CONNECTING_TITLE: {Role.FRIEND: "Connecting to your helper",
                                   Role.HELPER: "Connecting to your friend"},
    Say.UI_WAIT_CONNECTING: {Role.FRIEND: "Connecting to your helper's computer at "
                                          "{address}...",
                             Role.HELPER: "Connecting to your friend's computer at "
                                          "{address}..."},
    Say.UI_WAIT_MINUTE: "This can take a minute.",
    Say.UI_WAIT_PEER_TITLE: "Waiting for your friend",
    Say.UI_WAIT_PEER: "Waiting for your friend's computer...",
    Say.UI_SETUP_TITLE: "Setting up",
    Say.UI_SETUP: "Setting up the shared terminal...",
    # Why full screen is not possible, in plain words (no "terminal type"): the line the
    # person reads first. The name of an unknown kind is kept for a helper to look up.
    Say.UI_NO_FULL_NOT_A_TERMINAL: "this is not a terminal",
    Say.UI_NO_FULL_TERM_CANNOT: "this terminal is too simple for it",
    Say.UI_NO_FULL_TERM_UNKNOWN: "this computer does not know this kind of terminal, "
                                 "{term!r}",
    Say.UI_NO_FULL_NO_CURSOR: "this terminal cannot move its cursor",
    # wizard/
    Say.WIZARD_CANCELLED: "Cancelled. Nothing was shared.",
    Say.WIZARD_STOPPED: "Stopped. Nothing was shared.",
    Say.WIZARD_LOCKED_OUT: "For your safety, checking is paused until {time}: the last three "
                           "checks were interrupted. If that was not you, someone may be "
                           "interfering.",
    Say.WIZARD_SETUP_FAILED_BECAUSE: "The secure connection could not be set up: {reason}",
    Say.WIZARD_SETUP_FAILED_HERE: "The secure connection could not be set up on this "
                                  "computer.",
    Say.WIZARD_WITH_DETAIL: "{sentence} ({detail})",
    Say.WIZARD_CANNOT_PREPARE: "Could not prepare this session: {reason}.",
    Say.WIZARD_UNUSUAL_FOLDER: "remote-help cannot run from a folder whose name has spaces or "
                               "unusual characters in it. Install it somewhere else.",
    Say.WIZARD_NOBODY_CONNECTED: {
        Role.FRIEND: "Your helper did not connect within {span}, so this computer stopped "
                     "waiting. Nothing was shared.",
        Role.HELPER: "Your friend did not connect within {span}, so this computer stopped "
                     "waiting. Nothing was shared.",
    },
    Say.WIZARD_NO_SSHD: {
        Role.HELPER: "Neither computer has the SSH server program. Install it on yours with: "
                     "sudo apt install openssh-server (the service can stay turned off), then "
                     "start again.",
        Role.FRIEND: "Your helper's computer is missing a program. Your helper knows what to "
                     "do; start again when they tell you to.",
    },
    Say.WIZARD_CONNECTION_FAILED: "The connection did not work: {reason}",
    Say.WIZARD_REFUSED: {
        Role.FRIEND: "The words did not match, so nothing was shared. Someone may be listening "
                     "in: hang up and call your helper back on a number you know.",
        Role.HELPER: "You said your friend's screen did not say CORRECT, so nothing was "
                     "shared. Call your friend back on a number you know and start again.",
    },
    Say.WIZARD_PEER_SAID_STOP: "Your friend's screen said STOP: the words did not match, so "
                               "nothing was shared. Someone may be interfering; call your "
                               "friend back on a number you know.",
    Say.WIZARD_PEER_REFUSED: "Your helper stopped the connection, so nothing was shared. Hang "
                             "up and call your helper back on a number you know.",
    Say.WIZARD_PEER_BUSY: {
        Role.FRIEND: "The other computer is busy with someone else. Check the address with "
                     "your helper and try again.",
        Role.HELPER: "The other computer is busy with someone else. Check the address with "
                     "your friend and try again.",
    },
    Say.WIZARD_PEER_SAME_ROLE: "Both of you gave the same answer to 'Who are you?'. One of you "
                               "must choose the other answer.",
    Say.WIZARD_PEER_CANCELLED: "The other side stopped before the check could start.",
    Say.WIZARD_PEER_LOCKED: "The other computer has paused checking for a while. Try again "
                            "later.",
    Say.WIZARD_INTERRUPTED: {
        Role.FRIEND: "The check was interrupted. If this happens again, someone may be "
                     "interfering: hang up and call your helper back on a number you know.",
        Role.HELPER: "The check was interrupted. If this happens again, someone may be "
                     "interfering: call your friend back on a number you know.",
    },
    Say.WIZARD_TOO_MANY_LEFT: {
        Role.FRIEND: "Several computers connected and left before you answered, so this "
                     "computer stopped waiting. Someone may be interfering: call your helper "
                     "back on a number you know. Nothing was shared.",
        Role.HELPER: "Several computers connected and left before you answered, so this "
                     "computer stopped waiting. Someone may be interfering: call your friend "
                     "back on a number you know. Nothing was shared.",
    },
    Say.WIZARD_LEFT_NO_SERVER: {
        Role.HELPER: "The computer at {who} could not be helped: neither computer has the SSH "
                     "server program. Install it on yours with: sudo apt install "
                     "openssh-server (the service can stay turned off).",
        Role.FRIEND: "The computer at {who} could not connect: your helper's computer is "
                     "missing a program. Your helper knows what to do.",
    },
    Say.WIZARD_LEFT_SAID_STOP: {
        Role.HELPER: "Your friend's screen said STOP: the words did not match, so nothing was "
                     "shared (the computer at {who} says so). If your friend saw STOP, someone "
                     "may be interfering: stop here and call your friend back on a number you "
                     "know.",
        Role.FRIEND: "Your helper stopped the check, so nothing was shared (the computer at "
                     "{who} says so). If your helper did, stop here, hang up and call your "
                     "helper back on a number you know.",
    },
    Say.WIZARD_LEFT_EARLY: "The computer at {who} left before you answered: forget those "
                           "words, nothing was shared.",
    Say.WIZARD_LEFT_BARRED: "Connections from {who} are ignored from now on.",
    Say.WIZARD_STILL_WAITING: {Role.FRIEND: "Still waiting for your helper.",
                               Role.HELPER: "Still waiting for your friend."},
    Say.WIZARD_MINUTES: "{minutes} minutes",
    Say.WIZARD_SECONDS: "{seconds} seconds",
    Say.WIZARD_ONE_SECOND: "1 second",
    Say.WIZARD_END_FRIEND_ENDED: {
        Role.FRIEND: "Help has ended: you ended it. Your helper can no longer see or use this "
                     "computer.",
        Role.HELPER: "Your friend ended the session.",
    },
    Say.WIZARD_END_HELPER_ENDED: {
        Role.FRIEND: "Your helper ended the session. They can no longer see or use this "
                     "computer.",
        Role.HELPER: "You ended the session.",
    },
    Say.WIZARD_END_SHELL_EXITED: {
        Role.FRIEND: "The shared terminal was closed, so help has ended. Your helper can no "
                     "longer see or use this computer.",
        Role.HELPER: "The shell on your friend's computer exited, so the session ended.",
    },
    Say.WIZARD_END_LOST: {
        Role.FRIEND: "The connection was lost, so the session has ended. Your helper can no "
                     "longer see or use this computer.",
        Role.HELPER: "The connection was lost, so the session has ended.",
    },
    Say.WIZARD_END_SETUP_FAILED: {
        Role.FRIEND: "The secure connection could not be set up. Your helper can no longer see "
                     "or use this computer.",
        Role.HELPER: "The secure connection could not be set up.",
    },
    Say.WIZARD_END_PROBLEM: {
        Role.FRIEND: "The session ended because of a problem. Your helper can no longer see or "
                     "use this computer.",
        Role.HELPER: "The session ended because of a problem.",
    },
    # plain/
    Say.PLAIN_HELPER_TYPED: "Your helper typed: {typed}",
    Say.PLAIN_YES_OR_NO: "Please type y for yes or n for no, then press Enter.",
    Say.PLAIN_ROLE_QUESTION: "Who are you?",
    Say.PLAIN_ROLE_FRIEND: "I need help with my computer",
    Say.PLAIN_ROLE_HELPER: "I am helping someone",
    Say.PLAIN_ROLE_PROMPT: "Type 1 or 2, then press Enter:",
    Say.PLAIN_ROLE_AGAIN: "Please type 1 or 2.",
    Say.PLAIN_WARN: "remote-help lets someone you trust see and use this computer, to fix it.\n"
                    "You will see everything they do. You can end it at any time by pressing "
                    "Ctrl+Alt+C.",
    Say.PLAIN_WARN_ONLY_IF: "Only continue if YOU phoned someone you know.\n"
                            "Banks, Microsoft and the police never ask for this.",
    Say.PLAIN_WARN_CONTINUE: "Continue? Type y for yes or n for no, then press Enter:",
    Say.PLAIN_ADDRESS_PROMPT: {
        Role.FRIEND: "Type your helper's address (numbers and dots, for example "
                     "192.168.1.20), then press Enter:",
        Role.HELPER: "Type your friend's address (numbers and dots, for example "
                     "192.168.1.20), then press Enter:",
    },
    Say.PLAIN_ADDRESS_AGAIN: {
        Role.FRIEND: "That is not an address. It is four numbers with dots between them "
                     "(and maybe the word port and a second number). Ask your helper to read it "
                     "to you again.",
        Role.HELPER: "That is not an address. It is four numbers with dots between them "
                     "(and maybe the word port and a second number). Ask your friend to read it "
                     "to you again.",
    },
    Say.PLAIN_WAITING: {
        Role.FRIEND: "Waiting for your helper to connect. Press Ctrl+C to cancel.",
        Role.HELPER: "Waiting for your friend to connect. Press Ctrl+C to cancel.",
    },
    Say.PLAIN_WAITS_AT_MOST: "This computer waits for {span} at most.",
    Say.PLAIN_TELL_ADDRESS: {
        Role.HELPER: 'Tell your friend to start remote-help, choose "I need help", and type '
                     "this address:",
        Role.FRIEND: "Tell your helper this address:",
    },
    Say.PLAIN_OTHER_ADDRESSES: "If that one does not work, try: {addresses}",
    Say.PLAIN_NOT_USUAL_PORT: {
        Role.FRIEND: "Then tell your helper this number: {port} ({spoken}).",
        Role.HELPER: "Then tell your friend this number: {port} ({spoken}).",
    },
    Say.PLAIN_CONNECTING: {
        Role.FRIEND: "Connecting to your helper's computer at {address}... Press Ctrl+C to "
                     "cancel.",
        Role.HELPER: "Connecting to your friend's computer at {address}... Press Ctrl+C to "
                     "cancel.",
    },
    Say.PLAIN_CONNECTED_CHECK: "Connected. Now make sure nobody is listening in.",
    Say.PLAIN_READ_WORDS: "Read these words to your friend: {words}",
    Say.PLAIN_FRIEND_TYPES: "Your friend types the first letter of each word; their screen "
                            "then says CORRECT or STOP. If it says \"That does not match\", "
                            "read the words again, slowly.",
    Say.PLAIN_DID_IT_SAY: "Did your friend's screen say CORRECT? [y/n] (d shows details)",
    Say.PLAIN_Y_OR_N: "Please type y or n.",
    Say.PLAIN_WILL_READ: "Your helper will now read you five words.",
    Say.PLAIN_TYPE_FIRST: "Type the first letter of each word you hear. For example, type k "
                          "for KILO and 7 for SEVEN.",
    Say.PLAIN_TYPE_FIVE: "Type the five letters, then press Enter:",
    Say.PLAIN_ONLY_FIRST: "Please type only the first letter (or number) of each word.",
    Say.PLAIN_WRONG_COUNT: "You typed {got}, but there are {words} words: one letter for each "
                           "word. Type all of them again.",
    Say.PLAIN_CORRECT: "CORRECT",
    Say.PLAIN_TELL_CORRECT: 'Tell your helper: "My screen says CORRECT."',
    Say.PLAIN_STOP: "STOP",
    Say.PLAIN_WAITING_CONFIRM: "Waiting for your helper to confirm...",
    Say.PLAIN_WAITING_PEER: "Waiting for your friend's computer...",
    Say.PLAIN_SETTING_UP: "Setting up the shared terminal...",
    Say.PLAIN_DETAILS_TITLE: "Details for technical people:",
    Say.PLAIN_DETAILS_MY_KEY: "This computer's key:  {key}",
    Say.PLAIN_DETAILS_FINGERPRINT: "fingerprint {fingerprint}",
    Say.PLAIN_DETAILS_SPELLED: "spelled: {spelled}",
    Say.PLAIN_DETAILS_OTHER: "The other computer ({user} at {address}):",
    Say.PLAIN_DETAILS_KEY: "key {key}",
    Say.PLAIN_DETAILS_WHEN_ENDS: "When help ends: {how}",
    Say.PLAIN_END_WORD: {  # each paragraph one line: broken at the terminal's width
        Role.HELPER: "Not part of the code, and for you only (never read it out):\n"
                     "Your end word for this session is:\n"
                     "    {word}\n"
                     "remote-help never sends it to your friend's computer. When the session "
                     "really ends, remote-help shows this word again. An ending without it is "
                     "fake: it comes from your friend's computer, and what you type still goes "
                     "there. The word never changes, and remote-help never asks you for a "
                     "password.",
        Role.FRIEND: "Now something for you only. Do not read it out, not even to your helper.\n"
                     "Your end word for this session is:\n"
                     "    {word}\n"
                     "When help really ends, this screen shows the word again. If it says help "
                     "has ended but the word is missing, help has not ended: press Ctrl+Alt+C.",
    },
    Say.PLAIN_SIGN_OFF: 'End word: "{word}". This is really the end of the session.',
    Say.PLAIN_GREETING: {
        Role.FRIEND: "You are now connected to your helper, {who}.\n"
                     "Your helper can see this terminal and type in it. You see everything "
                     "they do, and you can type too.\n"
                     "If a password is asked for, type it yourself.\n"
                     "To end help, press Ctrl+Alt+C.",
        Role.HELPER: "You are now connected to your friend's computer: {who}.\n"
                     "Your friend sees everything you do. When a password is asked for, let "
                     "your friend type it.\n"
                     "To end the session, press Ctrl+Alt+C or F10.",
    },
    Say.PLAIN_USER_AT: "{user} at {address}",
    Say.PLAIN_NAMED: "{name} ({who})",
    # cli
    Say.CLI_SETTINGS_PUT_BACK: "remote-help: its settings were changed while it ran (perhaps "
                               "from the shared terminal), so they were put back as they "
                               "were.",
    Say.CLI_SETTINGS_NOT_PUT_BACK: "remote-help: its settings were changed while it ran "
                                   "(perhaps from the shared terminal) and could not be put "
                                   "back. Next time, check that the helper's address is the "
                                   "one your helper tells you.",
    Say.CLI_NO_FULL_SCREEN: "remote-help: full screen is not possible ({reason}), so the "
                            "questions come one line at a time.",
    Say.CLI_NO_URWID: "the full-screen part (urwid) is not installed",
    Say.CLI_STOPPED: "remote-help was stopped, so the session has ended.",
    Say.CLI_UNEXPECTED: "remote-help stopped because of an unexpected problem.",
    Say.CLI_DETAILS_SAVED: "The details were saved in {path}.",
    Say.CLI_NO_DETAILS: "No details could be saved.",
    Say.CLI_YES_NO: "Press Y for yes or N for no, then Enter:",
    # settings
    Say.SETTINGS_CHANGED: "remote-help remembers a few answers from the last time it was "
                          "used here.\n"
                          "They were changed by something other than remote-help (perhaps "
                          "by someone\n"
                          "using this computer during a help session). They now say:",
    Say.SETTINGS_WAS_FRIEND: "This computer is the one that needs help.",
    Say.SETTINGS_WAS_HELPER: "This computer is the helper's.",
    Say.SETTINGS_ADDRESS: "The helper's address is {address}",
    Say.SETTINGS_REVERSE: "The helper connects to this computer: it waits for them.",
    Say.SETTINGS_NOT_SHARED: "The screen is not shared.",
    Say.SETTINGS_FIREWALL: "remote-help may change the firewall.",
    Say.SETTINGS_USE_THEM: "Use these answers? If you are not sure, press N.",
    Say.SETTINGS_REVERSE_AGAIN: "Last time, the helper connected to this computer: it waited "
                                "for them.\n"
                                "Do the same this time? If you are not sure, press N (you can "
                                "still\n"
                                "choose it later, if your helper asks you to).",
}

_translation: gettext.NullTranslations = gettext.NullTranslations()


def install(translation: gettext.NullTranslations) -> None:
    """Use ``translation`` from now on (the translations issue: a catalogue of DOMAIN,
    e.g. ``gettext.translation(DOMAIN, localedir, fallback=True)``)."""
    global _translation  # noqa: PLW0603 (one switch, made once at start-up)
    _translation = translation


def _(key: Say, template: str) -> str:
    """The gettext hook: the translation of ``template`` in the context of ``key``."""
    return _translation.pgettext(key.value, template)


def english(key: Say, role: Role | str | None = None) -> str:
    """The English template of ``key`` (for the person with ``role``, where that matters)."""
    entry = ENGLISH[key]
    if isinstance(entry, str):
        return entry
    if role is None:
        raise ValueError(f"{key.name} reads differently for each role: give the role")
    return entry[Role(role)]


def text(key: Say, role: Role | str | None = None, /, **values: Any) -> str:
    """The sentence for ``key``, in the person's language, filled in with ``values``."""
    return _(key, english(key, role)).format(**values)


def markup(key: Say, role: Role | str | None = None, /, **values: Any) -> list[Part]:
    """Like ``text``, as urwid text markup: a value given as a ``(style, text)`` pair is a
    part of its own in that style; everything else is plain text."""
    parts: list[Part] = []
    for literal, field, spec, conversion in string.Formatter().parse(
            _(key, english(key, role))):
        if literal:
            parts.append(literal)
        if field is None:
            continue
        value = values[field]
        if isinstance(value, tuple):
            parts.append((value[0], format(value[1], spec or "")))
        else:
            parts.append(("{0" + (f"!{conversion}" if conversion else "")
                          + (f":{spec}" if spec else "") + "}").format(value))
    merged: list[Part] = []
    for part in parts:
        if merged and isinstance(part, str) and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def placeholders(template: str) -> set[str]:
    """The names a template needs filled in."""
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}
