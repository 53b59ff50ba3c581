"""The friendly-recovery menu option: the menu's protocol, and that it turns the network on
(the stock way when it can) before it starts the friend's side, then waits for Enter.

The fakes: ``ip`` says the network is up only once a marker file exists; the stock
"Enable networking" option, ``systemctl`` or ``ifup`` make it; ``remote-help`` records
whether the network was up when it started, and the terminal type it was given.
REMOTE_HELP_RECOVERY_ROOT points the script at a fake /lib/recovery-mode, /run and
/usr/bin/remote-help."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.packaging.fakes import (
    DEBIAN,
    END,
    calls,
    enter_once_waiting,
    environment,
    write_program,
)

OPTION = DEBIAN / "recovery-mode" / "options" / "remote-help"
LABEL = "Get help from a friend over the internet"


class Machine:
    """A fake machine in a temporary directory."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"
        self.bin = base / "bin"
        self.log = base / "log"
        self.up = base / "network-up"
        (self.root / "lib" / "recovery-mode" / "options").mkdir(parents=True)
        write_program(self.bin, "ip", f'[ -e "{self.up}" ]')
        # Not write_program: its one record also says whether the network was up.
        # The installed one, which the option runs by its full path.
        remote_help = self.root / "usr" / "bin" / "remote-help"
        remote_help.parent.mkdir(parents=True)
        remote_help.write_text(
            "#!/bin/sh\n"
            f'if [ -e "{self.up}" ]; then n=up; else n=down; fi\n'
            'printf "%s\\0" "${0##*/}" "$@" "network=$n" "TERM=${TERM-unset}" '
            f'"{END}" >>"$FAKE_LOG"\n'
            'exit "${FAKE_STATUS:-0}"\n')
        remote_help.chmod(0o755)

    def network_is_up(self) -> None:
        self.up.touch()

    def stock_network_option(self) -> None:
        write_program(self.root / "lib" / "recovery-mode" / "options", "network",
                      f'echo "Enabling networking..."\n: >"{self.up}"')

    def systemd(self) -> None:
        (self.root / "run" / "systemd" / "system").mkdir(parents=True)

    def env(self, **extra: str) -> dict[str, str]:
        # A short wait for the network, so that a failure shows quickly.
        extra = {"REMOTE_HELP_NETWORK_WAIT": "3", **extra}
        return environment(f"{self.bin}:/usr/bin:/bin", self.log,
                           REMOTE_HELP_RECOVERY_ROOT=str(self.root), **extra)

    def run(self, *args: str, stdin: str = "\n", **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(OPTION), *args], env=self.env(**extra), input=stdin,
                              capture_output=True, text=True, timeout=30, check=False)

    def calls(self) -> list[list[str]]:
        return calls(self.log)

    def started(self) -> list[list[str]]:
        """How remote-help was started: [[args..., network=..., TERM=...]]."""
        return [c[1:] for c in self.calls() if c[0] == "remote-help"]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


# -- the menu's protocol -----------------------------------------------------------------

def test_the_option_is_an_executable_posix_script() -> None:
    assert os.access(OPTION, os.X_OK)
    assert OPTION.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(OPTION)], check=True)
    install = (DEBIAN / "remote-help.install").read_text().splitlines()
    assert "debian/recovery-mode/options/remote-help lib/recovery-mode/options" in install


def test_asked_test_it_prints_its_label(machine: Machine) -> None:
    result = machine.run("test")
    assert (result.returncode, result.stdout, result.stderr) == (0, LABEL + "\n", "")
    assert machine.calls() == []


def test_asked_test_mode_with_the_network_on_it_needs_no_writable_root(
    machine: Machine,
) -> None:
    """2: works with / read-only or read/write, so the menu neither remounts nor refuses."""
    machine.network_is_up()
    for readonly in ("true", "false", None):
        extra = {"READONLY": readonly} if readonly else {}
        result = machine.run("test", "mode", **extra)
        assert (result.returncode, result.stdout, result.stderr) == (2, "", ""), readonly
    assert {c[0] for c in machine.calls()} == {"ip"}


@pytest.mark.parametrize(("readonly", "answer"), [("true", 0), ("false", 2), (None, 2)])
def test_asked_test_mode_with_the_network_off_it_needs_a_writable_root(
    machine: Machine, readonly: str | None, answer: int,
) -> None:
    """Turning the network on writes (leases, NetworkManager's state, in /var): 0, so that
    the menu remounts / read/write and mounts the rest, unless it did already (the menu
    says READONLY=false) or / is writable (the fake root here is)."""
    extra = {"READONLY": readonly} if readonly else {}
    result = machine.run("test", "mode", **extra)
    assert (result.returncode, result.stdout, result.stderr) == (answer, "", "")
    assert {c[0] for c in machine.calls()} == {"ip"}


def test_run_on_a_read_only_root_it_does_not_turn_the_network_on(machine: Machine) -> None:
    """Started with the root read-only and the network off (not through the menu's
    remount): the stock option is not run; it says how to turn the network on."""
    machine.stock_network_option()
    machine.systemd()
    write_program(machine.bin, "systemctl")
    result = machine.run(READONLY="true")
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in machine.calls() if c[0] != "ip"] == ["remote-help"]
    assert 'choose "Enable networking" first' in result.stdout
    assert machine.started() == [["friend", "network=down", "TERM=linux"]]


def test_the_menu_lists_it_as_the_menu_does(machine: Machine) -> None:
    """The menu's own loop: name="`"$i" test`", listed when the status is 0."""
    script = f'name="`"{OPTION}" test`" && printf "%s|" "$name"'
    result = subprocess.run(["bash", "-c", script], env=machine.env(), capture_output=True,
                            text=True, timeout=10, check=True)
    assert result.stdout == LABEL + "|"


# -- running it --------------------------------------------------------------------------

def test_network_down_it_runs_the_stock_network_option_then_the_friends_side(
    machine: Machine,
) -> None:
    machine.stock_network_option()
    result = machine.run(FAKE_STATUS="0")
    assert result.returncode == 0, result.stderr
    names = [c[0] for c in machine.calls()]
    assert names.index("network") < names.index("remote-help")
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]
    assert "Enabling networking..." in result.stdout
    assert result.stdout.rstrip().endswith("Press Enter to return to the recovery menu.")


def test_network_already_up_it_changes_nothing(machine: Machine) -> None:
    machine.network_is_up()
    machine.stock_network_option()
    machine.systemd()
    write_program(machine.bin, "systemctl")
    write_program(machine.bin, "ifup")
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in machine.calls()] == ["ip", "remote-help"]
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]
    assert "The network is already on." in result.stdout


def test_without_the_stock_option_it_starts_the_network_services(machine: Machine) -> None:
    """systemd running: the units the stock option starts, only those enabled, then the
    wait-online unit of the one that manages the network."""
    machine.systemd()
    write_program(machine.bin, "systemctl",
                  'if [ "$1" = is-enabled ]; then [ "$3" = NetworkManager.service ]; exit; fi\n'
                  f'[ "$3" = NetworkManager-wait-online.service ] && : >"{machine.up}"\n'
                  "exit 0")
    result = machine.run()
    assert result.returncode == 0, result.stderr
    systemctl = [c[1:] for c in machine.calls() if c[0] == "systemctl"]
    starts = [c for c in systemctl if c[0] == "start"]
    assert starts == [
        ["start", "--no-ask-password", "--job-mode=ignore-dependencies", "NetworkManager.service"],
        ["start", "--no-ask-password", "NetworkManager-wait-online.service"],
    ]
    asked = [c[2] for c in systemctl if c[0] == "is-enabled"]
    assert "systemd-networkd.service" in asked
    assert "networking.service" in asked
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]


def test_without_systemd_or_the_stock_option_it_uses_ifup(machine: Machine) -> None:
    write_program(machine.bin, "systemctl", "exit 1")
    write_program(machine.bin, "ifup", f': >"{machine.up}"')
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert [c for c in machine.calls() if c[0] in ("ifup", "systemctl")] == [["ifup", "-a"]]
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]


def test_a_slow_network_is_waited_for(machine: Machine) -> None:
    """The stock option returns before the network is up: the script waits for it."""
    write_program(machine.root / "lib" / "recovery-mode" / "options", "network",
                  f'( sleep 1; : >"{machine.up}" ) >/dev/null 2>&1 &')
    result = machine.run(REMOTE_HELP_NETWORK_WAIT="20")
    assert result.returncode == 0, result.stderr
    assert "Waiting for the network..." in result.stdout
    assert "The network is on." in result.stdout
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]


def test_no_network_at_all_still_starts_the_friends_side(machine: Machine) -> None:
    """remote-help itself says plainly what it cannot reach."""
    write_program(machine.root / "lib" / "recovery-mode" / "options", "network", "exit 1")
    result = machine.run(REMOTE_HELP_NETWORK_WAIT="1")
    assert result.returncode == 0, result.stderr
    assert "The network did not come up." in result.stdout
    assert machine.started() == [["friend", "network=down", "TERM=linux"]]


@pytest.mark.parametrize("term", ["linux", "vt220", "xterm-256color"])
def test_the_terminal_type_is_kept(machine: Machine, term: str) -> None:
    machine.network_is_up()
    machine.run(TERM=term)
    assert machine.started() == [["friend", "network=up", f"TERM={term}"]]


def test_an_empty_terminal_type_becomes_the_console(machine: Machine) -> None:
    machine.network_is_up()
    machine.run(TERM="")
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]


def test_it_returns_to_the_menu_only_after_enter(machine: Machine) -> None:
    """The last words stay readable; then the status is remote-help's."""
    machine.network_is_up()
    status, stdout, stderr = enter_once_waiting(
        [str(OPTION)], machine.env(FAKE_STATUS="1"), machine.log,
        "it went back to the menu without waiting for Enter")
    assert status == 1, stderr
    assert "Press Enter to return to the recovery menu." in stdout


def test_a_closed_console_does_not_hang_it(machine: Machine) -> None:
    machine.network_is_up()
    result = subprocess.run([str(OPTION)], env=machine.env(), stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 0
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]


def test_the_system_path_is_searched_after_the_menus_own(machine: Machine) -> None:
    """The recovery console's PATH may lack /usr/sbin (ip); what it has still comes first."""
    machine.network_is_up()
    result = subprocess.run([str(OPTION)], env=environment(str(machine.bin), machine.log,
                            REMOTE_HELP_RECOVERY_ROOT=str(machine.root)),
                            input="\n", capture_output=True, text=True, timeout=10, check=False)
    assert result.returncode == 0, result.stderr
    assert [c[0] for c in machine.calls()] == ["ip", "remote-help"]


def test_a_remote_help_planted_on_the_path_is_not_what_runs(machine: Machine) -> None:
    """The installed program, by its full path, whatever comes first on PATH."""
    machine.network_is_up()
    write_program(machine.bin, "remote-help", 'echo "a fake remote-help ran"')
    result = machine.run()
    assert result.returncode == 0, result.stderr
    assert "a fake remote-help ran" not in result.stdout
    assert machine.started() == [["friend", "network=up", "TERM=linux"]]
    assert [c[0] for c in machine.calls()] == ["ip", "remote-help"]
    assert '"$root/usr/bin/remote-help" friend' in OPTION.read_text()
