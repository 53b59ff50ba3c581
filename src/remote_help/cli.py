"""The command line: remote-help [helper | friend [ADDRESS]] [--reverse] [--port N] ..."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import shutil
import signal
import sys
import textwrap
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from remote_help import __version__, paths, settings
from remote_help.plain.frontend import PlainFrontEnd
from remote_help.roles import Role
from remote_help.sentences import Say, text
from remote_help.wizard.controller import Journey
from remote_help.wizard.flow import Step
from remote_help.wizard.options import (
    CONNECT_TIMEOUT,
    DEFAULT_PORT,
    DEFAULT_SSHD,
    WAIT,
    Options,
)

if TYPE_CHECKING:
    from remote_help.ui.app import App
    from remote_help.ui.palette import Caps

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


DESCRIPTION = (
    "Let a trusted helper into your Linux computer, safely, over the phone. "
    "The friend (who needs help) and the helper each run remote-help; they read a short "
    "code to each other, then share one terminal that the friend sees and can end.")


def help_description() -> str:
    """The description wrapped to the terminal's width, as argparse wraps the options'
    help (its width less two columns): the formatter keeps the examples' lines as written,
    so it would print the description as one long line."""
    width = max(shutil.get_terminal_size().columns - 2, 20)
    return textwrap.fill(DESCRIPTION, width=width)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="remote-help",
        description=help_description(),
        epilog="examples:\n"
        "  remote-help                    ask everything\n"
        "  remote-help helper             wait for the friend to connect\n"
        "  remote-help friend 192.0.2.7   connect to the helper at 192.0.2.7\n"
        "  remote-help friend --reverse   wait for the helper to connect\n"
        "  remote-help helper --reverse 198.51.100.4   connect to the friend",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("role", nargs="?", choices=[r.value for r in Role],
                   help="helper: I am helping someone; friend: I need help")
    p.add_argument("address", nargs="?",
                   help="the other computer's address (friend: the helper's; helper with "
                        "--reverse: the friend's)")
    p.add_argument("--reverse", action="store_true",
                   help="the friend waits and the helper connects (when the friend is "
                        "easier to reach)")
    p.add_argument("--port", type=int, default=None, metavar="N",  # None: not given
                   help=f"TCP port (default {DEFAULT_PORT}; 0 picks a free one when waiting)")
    p.add_argument("--bind", metavar="ADDRESS",
                   help="when waiting, listen only on this address (default: all)")
    p.add_argument("--plain", action="store_true",
                   help="line-by-line questions instead of the full-screen interface")
    p.add_argument("--sshd", default=DEFAULT_SSHD, metavar="PATH",
                   help=f"the SSH server program (default {DEFAULT_SSHD})")
    p.add_argument("--connect-timeout", type=float, default=CONNECT_TIMEOUT,
                   metavar="SECONDS",
                   help="how long to keep trying to reach the other computer "
                        f"(default {CONNECT_TIMEOUT:g})")
    p.add_argument("--wait", type=float, default=WAIT, metavar="SECONDS",
                   help="when waiting for the other side, give up after this long "
                        f"(default {WAIT:g}: ten minutes)")
    p.add_argument("--version", action="version", version=f"remote-help {__version__}")
    return p


def options_from(args: argparse.Namespace, p: argparse.ArgumentParser) -> Options:
    if args.port is not None and not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    role = None if args.role is None else Role(args.role)
    listens = role is not None and role.listens(args.reverse)
    if args.address is not None and listens:
        if role is Role.HELPER:
            p.error("the helper waits for the friend and takes no address; "
                    "to connect to the friend, add --reverse")
        p.error("with --reverse the friend waits for the helper and takes no address")
    if args.address is not None and args.role is None:
        p.error("give the role (helper or friend) before the address")
    if args.connect_timeout <= 0:
        p.error("--connect-timeout must be positive")
    if args.wait <= 0:
        p.error("--wait must be positive")
    return Options(role=role, address=args.address, reverse=args.reverse,
                   port=DEFAULT_PORT if args.port is None else args.port,
                   port_given=args.port is not None, bind=args.bind, sshd=args.sshd,
                   connect_timeout=args.connect_timeout, wait=args.wait)


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_intermixed_args(argv)
    _setup_logging()
    options = options_from(args, p)
    # The settings file as it is now: whatever changes it while we run (the helper's
    # shell runs as this user) is put back at the end, when the helper is gone.
    settings.remember()
    try:
        return _main(args, options)
    finally:
        paths.release()
        if settings.restore_if_changed():
            with contextlib.suppress(OSError):  # the window may be gone
                _say(text(Say.CLI_SETTINGS_PUT_BACK))
        if settings.not_put_back():
            with contextlib.suppress(OSError):
                _say(text(Say.CLI_SETTINGS_NOT_PUT_BACK))


def _main(args: argparse.Namespace, options: Options) -> int:
    full_screen = None if args.plain else _full_screen_caps()
    if full_screen is not None:
        try:
            saved = _settle_settings(asks_reverse=args.role is None)
        except KeyboardInterrupt:
            _say("\n" + text(Say.WIZARD_CANCELLED))
            return EXIT_FAILED
        return _run_full_screen(options, full_screen, saved)
    # Line mode asks nothing before its own questions and uses no saved answer without
    # showing it: of what this program saved itself (never values changed outside it) it
    # takes only the role; the saved address and "wait for the helper" are for the full
    # screen, which shows or asks about them. It saves like the full screen (keeping them).
    saved = settings.load()
    front = PlainFrontEnd()
    try:
        return asyncio.run(_run(front, options, saved))
    except KeyboardInterrupt:
        front.say("\n" + text(Say.WIZARD_CANCELLED))
        return EXIT_FAILED


def _settle_settings(*, asks_reverse: bool) -> settings.Settings:
    """Before the full screen: settings changed outside this program are shown and asked
    about, and so is waiting for the helper to connect; never taken silently. What the
    person decided is what the full screen uses, whether or not it could be saved (a
    read-only folder must not bring back what they refused)."""
    saved = settings.load()
    found = settings.outside()
    if found is not None:
        answer = _ask(settings.changed_outside_words(found))
        if answer is not None:  # not asked: not used this time (load ignores them)
            saved = found if answer else settings.Settings(role=found.role)
            settings.decide(found, use=answer)
    # Nobody to ask is no here: the full screen would take it from the file silently.
    if asks_reverse and saved.reverse and not _ask(settings.reverse_words()):
        saved = dataclasses.replace(saved, reverse=False)
        settings.decide(saved, use=True)
    return saved


def _ask(lines: list[str]) -> bool | None:
    """A yes-or-no question on the terminal, before the full screen starts. None when
    there is nobody to ask (not a terminal); input that ended is no."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    _say("")
    for line in lines:
        _say(line)
    while True:
        try:
            answer = input(text(Say.CLI_YES_NO) + " ").strip().lower()
        except EOFError:
            return False
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False


def _full_screen_caps() -> Caps | None:
    """What the terminal can show, or None (with one line saying why) for plain mode."""
    try:
        from remote_help.ui.palette import NoFullScreen, detect  # noqa: PLC0415

        caps = detect()
        import urwid  # noqa: F401, PLC0415
    except NoFullScreen as exc:
        reason = str(exc)
    except ImportError:
        reason = text(Say.CLI_NO_URWID)
    else:
        return caps
    _say(text(Say.CLI_NO_FULL_SCREEN, reason=reason) + "\n")
    return None


def _run_full_screen(options: Options, caps: Caps, saved: settings.Settings) -> int:
    from remote_help.ui.app import App  # noqa: PLC0415  (urwid only when it is used)

    app = App(options, caps, saved)
    try:
        return asyncio.run(_run_app(app))
    except KeyboardInterrupt:
        _say(text(Say.WIZARD_CANCELLED))
        return EXIT_FAILED


async def _run_app(app: App) -> int:
    _cancel_on_signals(app.journey.signalled)
    try:
        code = await app.run()
    except asyncio.CancelledError:
        live = app.flow.step in (Step.CONNECTED, Step.ENDED)
        _say(text(Say.CLI_STOPPED) if live else text(Say.WIZARD_CANCELLED))
        return EXIT_FAILED
    except Exception:
        logging.getLogger(__name__).exception("unexpected problem")
        _say(_unexpected_problem())
        return EXIT_FAILED
    _say(app.final_words)
    return code


def _say(text: str) -> None:
    """A line, broken between words at the terminal's width (never by the terminal)."""
    from remote_help.plain.terminal import columns, fit  # noqa: PLC0415

    sys.stdout.write("\n".join(fit(text, columns())) + "\n")
    sys.stdout.flush()


def _cancel_on_signals(signalled: Callable[[], None]) -> None:
    """A closed window or Ctrl+C (in line mode) cancels the running task, cleanly;
    ``signalled`` is told first (the journey never takes that cancel for a Back)."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()

    def stop() -> None:
        # Only the first signal counts: closing a window often sends SIGHUP twice, and a
        # second cancel would cut our cleanup short.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, lambda: None)
        signalled()
        task.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, stop)


async def _run(front: PlainFrontEnd, options: Options, saved: settings.Settings) -> int:
    journey = Journey(front, options, saved, defaults=settings.Settings(role=saved.role))
    _cancel_on_signals(journey.signalled)
    front.answer = journey.answer
    front.abort = journey.abort
    try:
        outcome = await journey.run()
    except asyncio.CancelledError:
        if journey.live:  # stopped (a signal): the session's ending, then the reason
            front.sign_off()
            front.say("\n" + text(Say.CLI_STOPPED))
        else:
            front.say("\n" + text(Say.WIZARD_CANCELLED))
        return EXIT_FAILED
    except Exception:
        if journey.live:
            front.sign_off()
        logging.getLogger(__name__).exception("unexpected problem")
        front.say()
        front.say(_unexpected_problem())
        return EXIT_FAILED
    finally:
        front.close()
    if outcome.cancelled:
        front.say("\n" + text(Say.WIZARD_CANCELLED))
    return outcome.code


def _setup_logging() -> None:
    """Nothing is ever logged to the screen; REMOTE_HELP_LOG=FILE keeps a diagnostic log."""
    target = os.environ.get("REMOTE_HELP_LOG")
    root = logging.getLogger()
    root.handlers[:] = []
    handler: logging.Handler = logging.NullHandler()
    if target:
        try:
            handler = logging.FileHandler(target)
        except OSError:
            pass  # no diagnostic log then; never a reason not to help
        else:
            handler.setFormatter(
                logging.Formatter("%(asctime)s %(process)d %(name)s %(message)s"))
            root.setLevel(logging.DEBUG)
    root.addHandler(handler)


def _unexpected_problem() -> str:
    """What the person reads after an unexpected error (the report is saved first)."""
    return text(Say.CLI_UNEXPECTED) + " " + _save_crash_report()


def _save_crash_report() -> str:
    report = traceback.format_exc()
    with contextlib.suppress(OSError):
        directory = paths.state_dir()
        if directory is not None:
            path = directory / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.txt"
            path.write_text(report)
            return text(Say.CLI_DETAILS_SAVED, path=path)
    return text(Say.CLI_NO_DETAILS)


if __name__ == "__main__":
    sys.exit(main())
