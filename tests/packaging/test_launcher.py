"""The launcher behind "Share my Desktop": which terminal it picks, how it hands it the
command, that it tries the next one when a terminal fails to start (and only then), what
it says when there is none, and that the window waits for Enter.

A fake terminal here either "starts" (writes the window's "started" file, as the command
in a real window does first), or really runs the command, or fails as real ones do."""

from __future__ import annotations

import configparser
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.packaging.fakes import (
    DEBIAN,
    calls,
    enter_once_waiting,
    environment,
    write_program,
)

LAUNCHER = DEBIAN / "open-in-terminal"
INSTALLED = "/usr/libexec/remote-help/open-in-terminal"

# The priority order, and how each terminal is told to run a command.
TERMINALS: list[tuple[str, list[str]]] = [
    ("x-terminal-emulator", ["-e"]),
    ("gnome-terminal", ["--"]),
    ("kgx", ["--"]),
    ("konsole", ["-e"]),
    ("xfce4-terminal", ["-x"]),
    ("mate-terminal", ["-x"]),
    ("lxterminal", ["-e"]),
    ("tilix", ["-e"]),
    ("alacritty", ["-e"]),
    ("kitty", []),
    ("foot", []),
    ("xterm", ["-e"]),
]
DIALOGS = ["zenity", "kdialog", "notify-send", "xmessage"]


def installed(bin_dir: Path) -> Path:
    """The launcher installed as the package does, beside a fake system's PREFIX/bin
    (``bin_dir``): it takes the programs it runs from there, by their full paths."""
    path = bin_dir.parent / "libexec" / "remote-help" / "open-in-terminal"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(LAUNCHER, path)
    return path


# A terminal that starts: what the command in its window does first, writing "started"
# into the launcher's folder (the argument after --in-terminal).
STARTS = ('while [ "$#" -gt 0 ] && [ "$1" != --in-terminal ]; do shift; done\n'
          'printf "started\\n" >"$2/started"')
# A terminal that really runs the command it is given.
RUNS = '[ "$1" = -e ] && shift\nexec "$@"'
# Where the window's folder is written in place of its name, in the recorded calls.
STATE = "<the launcher's folder>"


def run_launcher(
    bin_dir: Path, log: Path, *args: str, launcher: str | None = None, cwd: Path | None = None,
    path: str | None = None, **extra: str,
) -> subprocess.CompletedProcess[str]:
    bin_dir.mkdir(parents=True, exist_ok=True)
    runtime = log.parent / "run"
    runtime.mkdir(exist_ok=True)
    result = subprocess.run(
        [launcher or str(installed(bin_dir)), *args],
        env=environment(path or str(bin_dir), log, XDG_RUNTIME_DIR=str(runtime), **extra),
        cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert list(runtime.iterdir()) == [], "the launcher left its folder behind"
    return result


def terminal_calls(log: Path) -> list[list[str]]:
    """The recorded calls, the launcher's private folder (in XDG_RUNTIME_DIR) as STATE."""
    result = []
    for call in calls(log):
        if "--in-terminal" in call:
            i = call.index("--in-terminal") + 1
            folder = Path(call[i])
            assert folder.parent == log.parent / "run", folder
            assert folder.name.startswith("remote-help-window."), folder
            result.append([*call[:i], STATE, *call[i + 1:]])
        else:
            result.append(call)
    return result


def test_the_launcher_is_an_executable_posix_script() -> None:
    assert os.access(LAUNCHER, os.X_OK)
    assert LAUNCHER.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(LAUNCHER)], check=True)


@pytest.mark.parametrize(("terminal", "syntax"), TERMINALS, ids=[t for t, _ in TERMINALS])
def test_each_terminal_is_given_the_command_its_own_way(
    tmp_path: Path, terminal: str, syntax: list[str]
) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, terminal, STARTS)
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 0, result.stderr
    assert terminal_calls(log) == [
        [terminal, *syntax, str(installed(bin_dir)), "--in-terminal", STATE, "friend"]]


@pytest.mark.parametrize("first", range(len(TERMINALS)), ids=[t for t, _ in TERMINALS])
def test_the_first_terminal_in_the_order_wins(tmp_path: Path, first: int) -> None:
    """With this terminal and every one after it installed, this one is chosen, only it."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    for name, _ in TERMINALS[first:]:
        write_program(bin_dir, name, STARTS)
    for name in DIALOGS:
        write_program(bin_dir, name)
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 0, result.stderr
    name, syntax = TERMINALS[first]
    assert terminal_calls(log) == [
        [name, *syntax, str(installed(bin_dir)), "--in-terminal", STATE, "friend"]]
    assert result.stderr == ""


def test_arguments_reach_the_terminal_unchanged(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "xterm", STARTS)
    result = run_launcher(bin_dir, log, "friend", "192.0.2.7", "two words", "")
    assert result.returncode == 0, result.stderr
    assert terminal_calls(log) == [
        ["xterm", "-e", str(installed(bin_dir)), "--in-terminal", STATE, "friend", "192.0.2.7",
         "two words", ""]
    ]


def test_started_by_a_relative_path_it_hands_the_terminal_an_absolute_one(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "kitty", STARTS)
    launcher = installed(bin_dir)
    result = run_launcher(bin_dir, log, "friend",
                          launcher="usr/libexec/remote-help/open-in-terminal", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [[name, command, *rest]] = terminal_calls(log)
    assert (name, rest) == ("kitty", ["--in-terminal", STATE, "friend"])
    assert Path(command).is_absolute()
    assert Path(command).samefile(launcher)


def test_found_through_path_it_hands_the_terminal_its_full_path(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "foot", STARTS)
    launcher = installed(bin_dir)
    result = run_launcher(bin_dir, log, "friend", launcher="open-in-terminal",
                          path=f"{launcher.parent}:{bin_dir}")
    assert result.returncode == 0, result.stderr
    assert terminal_calls(log) == [["foot", str(launcher), "--in-terminal", STATE, "friend"]]


# -- no terminal at all ------------------------------------------------------------------

def assert_says_what_to_install(text: str) -> None:
    assert "needs a terminal window program" in text
    assert "sudo apt install xterm" in text


def test_no_terminal_and_zenity_shows_an_error_window(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    for name in DIALOGS:
        write_program(bin_dir, name)
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 1
    assert_says_what_to_install(result.stderr)
    [[name, *args]] = calls(log)
    assert name == "zenity"
    assert "--error" in args
    assert "--title=Share my Desktop" in args
    [text] = [a for a in args if a.startswith("--text=")]
    assert_says_what_to_install(text)


def test_no_terminal_and_no_zenity_uses_kdialog(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    for name in DIALOGS[1:]:
        write_program(bin_dir, name)
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 1
    assert_says_what_to_install(result.stderr)
    [[name, *args]] = calls(log)
    assert name == "kdialog"
    assert args[:3] == ["--title", "Share my Desktop", "--error"]
    assert_says_what_to_install(args[3])


def test_a_dialog_that_fails_hands_over_to_the_next(tmp_path: Path) -> None:
    """zenity present but unable to show anything (no display): kdialog is tried."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "zenity", "exit 1")
    write_program(bin_dir, "kdialog")
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 1
    assert [c[0] for c in calls(log)] == ["zenity", "kdialog"]


@pytest.mark.parametrize("tool", ["notify-send", "xmessage"])
def test_no_terminal_and_only_a_simpler_tool(tmp_path: Path, tool: str) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, tool)
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 1
    assert_says_what_to_install(result.stderr)
    [[name, *args]] = calls(log)
    assert name == tool
    assert_says_what_to_install(args[-1])


def test_no_terminal_and_no_dialog_tool_still_says_it_on_stderr(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 1
    assert result.stdout == ""
    assert_says_what_to_install(result.stderr)
    assert calls(log) == []


# -- inside the window -------------------------------------------------------------------

def test_the_window_runs_remote_help_and_waits_for_enter(tmp_path: Path) -> None:
    """The command in the window: says it started, runs remote-help with the arguments,
    and stays until Enter; it ends with remote-help's status."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "remote-help", "exit 7")
    folder = tmp_path / "folder"
    folder.mkdir()
    status, stdout, stderr = enter_once_waiting(
        [str(installed(bin_dir)), "--in-terminal", str(folder), "friend", "two words"],
        environment(str(bin_dir), log), log, "the window closed without waiting for Enter",
        calls=1)
    assert status == 7, stderr
    assert "Press Enter to close this window." in stdout
    assert calls(log) == [["remote-help", "friend", "two words"]]
    assert (folder / "started").read_text() == "started\n"


def test_a_terminal_that_runs_the_command_runs_remote_help(tmp_path: Path) -> None:
    """Through the launcher: the window's command runs the installed remote-help with
    the arguments, and the launcher is done once it started."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "xterm", RUNS)
    write_program(bin_dir, "remote-help")
    launcher = installed(bin_dir)
    result = run_launcher(bin_dir, log, "friend", "two words")
    assert result.returncode == 0, result.stderr
    assert terminal_calls(log) == [
        ["xterm", "-e", str(launcher), "--in-terminal", STATE, "friend", "two words"],
        ["remote-help", "friend", "two words"],
    ]


def test_the_window_closes_when_its_input_ends(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "remote-help")
    result = subprocess.run(
        [str(installed(bin_dir)), "--in-terminal", str(tmp_path), "friend"],
        env=environment(str(bin_dir), log),
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10, check=False,
    )
    assert result.returncode == 0
    assert calls(log) == [["remote-help", "friend"]]


# -- a terminal that fails to start --------------------------------------------------------

def test_a_terminal_that_fails_to_start_hands_over_to_the_next(tmp_path: Path) -> None:
    """gnome-terminal for another user without a UTF-8 locale, or without D-Bus: it says
    why on stderr and ends with status 1 at once; the next terminal opens the window."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "gnome-terminal",
                  'echo "Non UTF-8 locale (ANSI_X3.4-1968) is not supported!" >&2\nexit 1')
    write_program(bin_dir, "xterm", STARTS)
    write_program(bin_dir, "zenity")
    launcher = str(installed(bin_dir))
    started = time.monotonic()
    result = run_launcher(bin_dir, log, "friend")
    assert time.monotonic() - started < 5
    assert result.returncode == 0, result.stderr
    assert terminal_calls(log) == [
        ["gnome-terminal", "--", launcher, "--in-terminal", STATE, "friend"],
        ["xterm", "-e", launcher, "--in-terminal", STATE, "friend"],
    ]
    assert "Non UTF-8 locale" in result.stderr
    assert "gnome-terminal did not start; trying the next terminal program." in result.stderr


def test_a_terminal_that_hands_over_and_never_runs_the_command(tmp_path: Path) -> None:
    """It ended well at once (a client handing the command to its server) but no window
    ran the command: after the wait, the next terminal."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "kgx", "exit 0")
    write_program(bin_dir, "xterm", STARTS)
    started = time.monotonic()
    result = run_launcher(bin_dir, log, "friend", REMOTE_HELP_TERMINAL_WAIT="1")
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in calls(log)] == ["kgx", "xterm"]
    assert 1 <= took < 5, took


def test_a_terminal_that_hangs_is_ended_and_the_next_tried(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    pid_file = tmp_path / "konsole.pid"
    write_program(bin_dir, "konsole", f'echo "$$" >"{pid_file}"\nexec /bin/sleep 60')
    write_program(bin_dir, "xterm", STARTS)
    result = run_launcher(bin_dir, log, "friend", REMOTE_HELP_TERMINAL_WAIT="1")
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in calls(log)] == ["konsole", "xterm"]
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists(), "the stuck terminal was left running"


def test_a_window_that_ran_and_ended_at_once_is_not_a_failure(tmp_path: Path) -> None:
    """remote-help ran in the window and ended with an error, the window closed at once
    (its input ended), and the terminal's status says so: no second window."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "x-terminal-emulator", RUNS)
    write_program(bin_dir, "xterm", STARTS)
    write_program(bin_dir, "remote-help", "exit 1")
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in calls(log)] == ["x-terminal-emulator", "remote-help"]
    assert "did not start" not in result.stderr


def test_no_terminal_starts_and_a_window_says_so(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "gnome-terminal", "exit 1")
    write_program(bin_dir, "xterm", "exit 1")
    write_program(bin_dir, "zenity")
    result = run_launcher(bin_dir, log, "friend")
    assert result.returncode == 1
    said = ("Share my Desktop could not open a terminal window: gnome-terminal, xterm did "
            "not start.\nOpen a terminal window another way and type: remote-help friend")
    assert said in result.stderr
    [zenity] = [c for c in calls(log) if c[0] == "zenity"]
    assert next(a for a in zenity if a.startswith("--text=")).startswith("--text=" + said)


# -- programs planted on the PATH ----------------------------------------------------------

def test_a_remote_help_planted_on_the_path_is_not_what_the_window_runs(tmp_path: Path) -> None:
    """~/.local/bin comes first on a Debian user's PATH: a remote-help planted there
    earlier (by a helper, in a session) is never run; the installed one is, by its path."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    planted = tmp_path / "home" / ".local" / "bin"
    write_program(planted, "remote-help", 'echo "a fake remote-help ran" >&2')
    write_program(planted, "xterm", RUNS)
    write_program(bin_dir, "xterm", RUNS)
    installed_program = write_program(bin_dir, "remote-help", "exit 7")
    launcher = installed(bin_dir)
    result = run_launcher(bin_dir, log, "friend", path=f"{planted}:{bin_dir}")
    assert result.returncode == 0, result.stderr
    assert "a fake remote-help ran" not in result.stderr
    assert terminal_calls(log) == [["xterm", "-e", str(launcher), "--in-terminal", STATE,
                                    "friend"],
                                   ["remote-help", "friend"]]
    assert installed_program.is_file()


def test_a_terminal_planted_on_the_path_is_not_what_it_opens(tmp_path: Path) -> None:
    """A fake terminal first on PATH could draw a fake remote-help: only the system's
    folders are looked in."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    planted = tmp_path / "home" / ".local" / "bin"
    write_program(planted, "x-terminal-emulator", STARTS)
    write_program(bin_dir, "xterm", STARTS)
    result = run_launcher(bin_dir, log, "friend", path=f"{planted}:{bin_dir}")
    assert result.returncode == 0, result.stderr
    assert terminal_calls(log) == [
        ["xterm", "-e", str(installed(bin_dir)), "--in-terminal", STATE, "friend"]]


def test_only_a_planted_terminal_is_as_good_as_none(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    planted = tmp_path / "home" / ".local" / "bin"
    write_program(planted, "xterm")
    write_program(planted, "zenity")
    result = run_launcher(bin_dir, log, "friend", path=f"{planted}:{bin_dir}")
    assert result.returncode == 1
    assert_says_what_to_install(result.stderr)
    assert calls(log) == []


def test_the_installed_launcher_runs_the_installed_program_by_its_full_path() -> None:
    text = LAUNCHER.read_text()
    assert '"$prefix/bin/remote-help" "$@"' in text
    assert "prefix=/usr" in text
    code = [line.split("#")[0] for line in text.splitlines()]
    assert not [line for line in code if line.strip().startswith("remote-help")]


# -- the menu entry that runs it ---------------------------------------------------------

def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEBIAN / "remote-help-share.desktop")
    return parser["Desktop Entry"]


def test_the_menu_entry_runs_the_installed_launcher_for_the_friend() -> None:
    entry = desktop_entry()
    assert entry["Name"] == "Share my Desktop"
    assert entry["Exec"] == f"{INSTALLED} friend"
    assert entry["Terminal"] == "false"
    assert "System" in entry["Categories"].split(";")
    install = (DEBIAN / "remote-help.install").read_text().splitlines()
    assert "debian/open-in-terminal " + str(Path(INSTALLED).parent).lstrip("/") in install
    assert "debian/remote-help.svg usr/share/icons/hicolor/scalable/apps" in install
    assert entry["Icon"] == "remote-help"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils is not installed")
def test_the_menu_entry_is_valid_without_a_single_hint() -> None:
    result = subprocess.run(["desktop-file-validate", str(DEBIAN / "remote-help-share.desktop")],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_started_without_standard_input_it_still_opens_the_window(tmp_path: Path) -> None:
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "xterm", STARTS)
    result = subprocess.run(
        ["/bin/sh", "-c", 'exec "$0" friend <&-', str(installed(bin_dir))],
        env=environment(str(bin_dir), log), capture_output=True, text=True, timeout=30,
        check=False)
    assert (result.returncode, result.stderr) == (0, "")
    assert [c[0] for c in calls(log)] == ["xterm"]


def test_a_late_window_never_writes_through_what_is_in_its_old_folder(tmp_path: Path) -> None:
    """The launcher gave up and removed its folder; someone put a link to a file there
    named as the window's file: the window that opens late writes nothing through it."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    write_program(bin_dir, "remote-help")
    folder, victim = tmp_path / "folder", tmp_path / "a file of the user's"
    folder.mkdir()
    victim.write_text("kept\n")
    (folder / "started").symlink_to(victim)
    result = subprocess.run(
        [str(installed(bin_dir)), "--in-terminal", str(folder), "friend"],
        env=environment(str(bin_dir), log), stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=10, check=False)
    assert result.returncode == 0, result.stderr
    assert victim.read_text() == "kept\n"
    assert calls(log) == [["remote-help", "friend"]]


def test_killed_while_it_waits_for_a_window_it_leaves_no_folder(tmp_path: Path) -> None:
    """The desktop session ends (SIGHUP or SIGTERM) while the launcher waits to see
    whether a terminal's window starts: its private folder goes with it."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    bin_dir.mkdir(parents=True)
    write_program(bin_dir, "xterm", "exec /bin/sleep 60")  # a window that never says so
    runtime = tmp_path / "run"
    runtime.mkdir()
    launcher = subprocess.Popen(
        [str(installed(bin_dir)), "friend"],
        env=environment(str(bin_dir), log, XDG_RUNTIME_DIR=str(runtime),
                        REMOTE_HELP_TERMINAL_WAIT="30"),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not list(runtime.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(runtime.iterdir()), "the launcher made no folder"
    time.sleep(0.3)
    launcher.send_signal(signal.SIGTERM)
    launcher.wait(timeout=10)
    assert list(runtime.iterdir()) == [], "the launcher left its folder behind"
    subprocess.run(["pkill", "-f", f"{bin_dir}/xterm"], check=False)


def test_an_in_terminal_call_without_a_folder_still_runs_remote_help(tmp_path: Path) -> None:
    """dash refuses to shift past the end: a window started with --in-terminal alone (by
    hand) runs remote-help all the same."""
    bin_dir, log = tmp_path / "usr" / "bin", tmp_path / "log"
    bin_dir.mkdir(parents=True)
    write_program(bin_dir, "remote-help", 'echo "remote-help ran: $*"')
    result = subprocess.run(
        ["/bin/dash", str(installed(bin_dir)), "--in-terminal"],
        env=environment(str(bin_dir), log), input="\n", capture_output=True, text=True,
        timeout=10, check=False)
    assert "remote-help ran: " in result.stdout, result.stdout + result.stderr
