"""The "Share my Desktop" entry with the real programs around it: the real desktop file
launched by the real `dex` and `gtk-launch` on a private X server (Xvfb), the real
launcher, and real terminals (xterm; gnome-terminal failing as it does for someone
without a UTF-8 locale, so that xterm takes over).

The system is a temporary PREFIX: PREFIX/libexec/remote-help/open-in-terminal is the
launcher, PREFIX/bin/remote-help runs this tree's program, PREFIX/bin/xterm (and
gnome-terminal) link to the real ones, and the desktop file is the package's with only
the launcher's path in Exec changed to PREFIX's. xterm is told through XENVIRONMENT to
log what it shows, so the test reads the window's text; a screenshot (xwd) shows the
window is drawn; Ctrl+Alt+C is typed with xdotool."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_xterm import CONTROLS
from tests.packaging.fakes import DEBIAN

SRC = DEBIAN.parent / "src"
INSTALLED = "/usr/libexec/remote-help/open-in-terminal"
WARNING = "Only continue if YOU phoned someone you know."

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not all(shutil.which(t) for t in ("Xvfb", "xterm", "xdotool", "xwd")),
                       reason="needs Xvfb, xterm, xdotool and xwd (CI installs them)"),
]


@contextlib.contextmanager
def x_server() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A private X server on a free display (Xvfb picks it), answering; gone at the end.
    -noreset: an X server resets when its last client leaves, refusing connections for a
    moment; here gtk-launch, a failing gnome-terminal or xdotool may be that client just
    before the terminal that must open."""
    read, write = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-noreset",
         "-screen", "0", "1024x768x24"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
    os.close(write)
    try:
        with os.fdopen(read) as reply:
            number = reply.readline().strip()
        assert number.isdigit(), "Xvfb did not start"
        display = f":{number}"
        deadline = time.monotonic() + 10
        while subprocess.run(["xdotool", "getdisplaygeometry"], env={"DISPLAY": display},
                             capture_output=True, timeout=10, check=False).returncode != 0:
            assert time.monotonic() < deadline, "Xvfb does not answer"
            time.sleep(0.1)
        yield display, server
    finally:
        server.terminate()
        try:
            server.wait(5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class Desktop:
    """A private X server and a temporary system with the menu entry."""

    display: str
    base: Path
    prefix: Path
    log: Path
    server: subprocess.Popen[bytes]

    def env(self, **extra: str) -> dict[str, str]:
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "DISPLAY": self.display,
                "HOME": str(self.base / "home"), "LANG": "C.UTF-8",
                "XDG_DATA_DIRS": f"{self.base / 'share'}:/usr/local/share:/usr/share",
                "XDG_RUNTIME_DIR": str(self.base / "run"),
                "XENVIRONMENT": str(self.base / "xterm-resources"), **extra}

    def xdotool(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(["xdotool", *args], env={"DISPLAY": self.display},
                                capture_output=True, text=True, timeout=20, check=check)
        return result.stdout

    def windows(self, name: str) -> list[str]:
        return self.xdotool("search", "--onlyvisible", "--classname", name, check=False).split()

    def wait_for_window(self, name: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while not (found := self.windows(name)):
            assert time.monotonic() < deadline, \
                f"no {name} window appeared (X server running: " \
                f"{self.server.poll() is None}); said:\n" + \
                "\n".join(p.read_text() for p in self.base.glob("*.out"))
            time.sleep(0.1)
        return found[0]

    def text(self) -> str:
        raw = self.log.read_bytes() if self.log.exists() else b""
        return CONTROLS.sub("", raw.decode("utf-8", errors="replace"))

    def wait_for_text(self, wanted: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.text():
            assert time.monotonic() < deadline, f"{wanted!r} not shown; the window showed:\n" \
                f"{self.text()[-2000:]}"
            time.sleep(0.1)

    def key(self, window: str, *keys: str) -> None:
        self.xdotool("windowfocus", "--sync", window)
        self.xdotool("key", "--delay", "30", *keys)


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[Desktop]:
    prefix = tmp_path / "usr"
    launcher = prefix / "libexec" / "remote-help" / "open-in-terminal"
    launcher.parent.mkdir(parents=True)
    shutil.copy(DEBIAN / "open-in-terminal", launcher)
    (prefix / "bin").mkdir()
    program = prefix / "bin" / "remote-help"
    program.write_text(f'#!/bin/sh\nPYTHONPATH="{SRC}" exec "{sys.executable}" '
                       '-m remote_help "$@"\n')
    program.chmod(0o755)
    os.symlink(shutil.which("xterm") or "xterm", prefix / "bin" / "xterm")
    entry = (DEBIAN / "remote-help-share.desktop").read_text()
    assert entry.count(INSTALLED) == 1
    applications = tmp_path / "share" / "applications"
    applications.mkdir(parents=True)
    (applications / "remote-help-share.desktop").write_text(
        entry.replace(INSTALLED, str(launcher)))
    for folder in ("home", "run"):
        (tmp_path / folder).mkdir(mode=0o700)
    log = tmp_path / "xterm.log"
    (tmp_path / "xterm-resources").write_text(
        f"XTerm*logging: true\nXTerm*logFile: {log}\n")
    with x_server() as (display, server):
        desktop = Desktop(display, tmp_path, prefix, log, server)
        try:
            yield desktop
        finally:
            # What a failed test left on this display, by its process id.
            for pid in on_display(desktop):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


def launch(desktop: Desktop, how: str, **extra: str) -> tuple[int, Path]:
    """Start the menu entry as ``how`` does; its status, and the file with what it and
    everything it started wrote (the windows it opens keep that open: not a pipe)."""
    entry = desktop.base / "share" / "applications" / "remote-help-share.desktop"
    argv = ["dex", str(entry)] if how == "dex" else ["gtk-launch", "remote-help-share"]
    output = desktop.base / f"{how}.out"
    with output.open("wb") as out:
        status = subprocess.run(argv, env=desktop.env(**extra), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=out, timeout=30, check=False).returncode
    return status, output


def screenshot_colours(desktop: Desktop, window: str) -> tuple[int, int, int]:
    """(width, height, how many colours) of the window's image, read from xwd's file."""
    raw = subprocess.run(["xwd", "-silent", "-id", window], env={"DISPLAY": desktop.display},
                         capture_output=True, timeout=20, check=True).stdout
    header = struct.unpack(">25I", raw[:100])
    header_size, width, height = header[0], header[4], header[5]
    bits_per_pixel, bytes_per_line, ncolours = header[11], header[12], header[19]
    assert bits_per_pixel == 32, bits_per_pixel
    data = raw[header_size + 12 * ncolours:]
    assert len(data) >= bytes_per_line * height
    pixels = {data[y * bytes_per_line + 4 * x:y * bytes_per_line + 4 * x + 4]
              for y in range(0, height, 2) for x in range(0, width, 2)}
    return width, height, len(pixels)


def on_display(desktop: Desktop, *words: bytes) -> list[int]:
    """The processes started for this test's display (its DISPLAY and XENVIRONMENT) whose
    command line has all of ``words``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        mine = f"XENVIRONMENT={desktop.base / 'xterm-resources'}".encode() in environ
        if mine and f"DISPLAY={desktop.display}".encode() in environ and \
                all(word in cmdline for word in words):
            found.append(int(proc.name))
    return found


def wait_until_drawn(desktop: Desktop, window: str, timeout: float = 10) -> tuple[int, int]:
    """The window's size once its screenshot shows more than its background (xterm logs
    what it reads before it paints it)."""
    deadline = time.monotonic() + timeout
    while True:
        width, height, colours = screenshot_colours(desktop, window)
        if colours >= 2:
            return width, height
        assert time.monotonic() < deadline, "the window stayed blank"
        time.sleep(0.1)


def remote_help_processes(desktop: Desktop) -> list[int]:
    return on_display(desktop, b"remote_help", b"friend")


def the_window_runs_remote_help_and_ctrl_alt_c_ends_it(desktop: Desktop) -> None:
    window = desktop.wait_for_window("xterm")
    desktop.wait_for_text(WARNING)
    assert remote_help_processes(desktop), "remote-help is not running"
    width, height = wait_until_drawn(desktop, window)
    assert width > 200 and height > 100, (width, height)
    desktop.key(window, "ctrl+alt+c")
    desktop.wait_for_text("Cancelled. Nothing was shared.", timeout=10)
    desktop.wait_for_text("Press Enter to close this window.", timeout=10)
    assert not remote_help_processes(desktop)
    desktop.key(window, "Return")
    deadline = time.monotonic() + 10
    while desktop.windows("xterm"):
        assert time.monotonic() < deadline, "the window stayed after Enter"
        time.sleep(0.1)


@pytest.mark.parametrize("how", ["dex", "gtk-launch"])
def test_the_menu_entry_opens_remote_help_in_xterm(desktop: Desktop, how: str) -> None:
    if shutil.which(how) is None:
        pytest.skip(f"{how} is not installed (CI installs it)")
    status, output = launch(desktop, how)
    assert status == 0, output.read_text()
    the_window_runs_remote_help_and_ctrl_alt_c_ends_it(desktop)
    assert "did not start" not in output.read_text()


@pytest.mark.skipif(shutil.which("gnome-terminal") is None or shutil.which("dex") is None,
                    reason="needs gnome-terminal and dex (CI installs them)")
def test_gnome_terminal_fails_to_start_and_xterm_takes_over(desktop: Desktop) -> None:
    """gnome-terminal first in the order, for someone without a UTF-8 locale and without
    D-Bus: it fails at once; xterm opens the window."""
    os.symlink(shutil.which("gnome-terminal") or "", desktop.prefix / "bin" / "gnome-terminal")
    status, output = launch(desktop, "dex", LANG="C")
    assert status == 0, output.read_text()
    the_window_runs_remote_help_and_ctrl_alt_c_ends_it(desktop)
    said = output.read_text()
    assert "gnome-terminal did not start; trying the next terminal program." in said


@contextlib.contextmanager
def session_bus(desktop: Desktop) -> Iterator[str]:
    """A private D-Bus session bus (gnome-terminal's server is started through it)."""
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           env=desktop.env(), stdout=subprocess.PIPE, text=True,
                           stderr=subprocess.DEVNULL)
    try:
        assert bus.stdout is not None
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon did not start"
        yield address
    finally:
        bus.terminate()
        bus.wait(10)


@pytest.mark.skipif(not all(shutil.which(t) for t in ("gnome-terminal", "dex", "dbus-daemon")),
                    reason="needs gnome-terminal, dex and dbus-daemon (CI installs them)")
def test_gnome_terminal_with_a_session_bus_opens_remote_help(desktop: Desktop) -> None:
    """The client hands the command to its server and ends at once with status 0: the
    launcher waits for the window's command to start, and opens no second window."""
    os.symlink(shutil.which("gnome-terminal") or "", desktop.prefix / "bin" / "gnome-terminal")
    with session_bus(desktop) as address:
        status, output = launch(desktop, "dex", DBUS_SESSION_BUS_ADDRESS=address)
        assert status == 0, output.read_text()
        window = desktop.wait_for_window("gnome-terminal-server")
        deadline = time.monotonic() + 20
        while not remote_help_processes(desktop):
            assert time.monotonic() < deadline, "remote-help is not running"
            time.sleep(0.1)
        assert not desktop.windows("xterm")
        wait_until_drawn(desktop, window)
        time.sleep(1)  # the first screen drawn, its keys read
        desktop.key(window, "ctrl+alt+c")
        deadline = time.monotonic() + 10
        while remote_help_processes(desktop):
            assert time.monotonic() < deadline, "Ctrl+Alt+C did not end remote-help"
            time.sleep(0.1)
        assert "did not start" not in output.read_text()
