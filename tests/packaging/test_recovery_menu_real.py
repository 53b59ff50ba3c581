"""The recovery option in the REAL friendly-recovery menu (Debian's package, downloaded
with apt-get download and unpacked, never installed: it adds a boot generator), run as
root in a private mount and network namespace, chrooted into a test root:

- the root is a memory filesystem mounted read-only, as in recovery mode, with the host's
  /usr under a read-only overlay that adds /usr/lib/recovery-mode (the real menu, its real
  options and ours) and fakes;
- /etc/fstab names a separate /var, not mounted until the menu's `mount -a`;
- /run/systemd/system exists, so the menu and the stock "Enable networking" take their
  systemd ways; the fake systemctl does what the units would: systemd-remount-fs remounts
  / read/write, NetworkManager writes its state under /var/lib/NetworkManager (failing on
  a read-only root, as the real one does) and then brings up a route;
- the fake whiptail chooses our entry, answers Yes, then "Resume normal boot".

The host's root, mounts and network are never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.fakes import DEBIAN, END, calls

OPTION = DEBIAN / "recovery-mode" / "options" / "remote-help"
LABEL = "Get help from a friend over the internet"
REMOUNT = "Continuing will remount your / filesystem in read/write mode"

pytestmark = [
    pytest.mark.root,
    pytest.mark.skipif(not all(shutil.which(t) for t in ("unshare", "chroot", "ip", "mount")),
                       reason="needs unshare, chroot, ip and mount"),
]

RECORD = ('printf "%s\\0" "${0##*/}" "$@" "' + END + '" >>/log/calls\n')

WHIPTAIL = "#!/bin/sh\n" + RECORD + """
case " $* " in
    *" --menu "*)
        n=$(cat /log/menus 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" >/log/menus
        if [ "$n" = 1 ]; then echo remote-help >&2; else echo resume >&2; fi ;;
esac
exit 0
"""

SYSTEMCTL = "#!/bin/sh\n" + RECORD + """
case "$1 $2 $3" in
    "is-enabled -q NetworkManager.service") exit 0 ;;
    "is-enabled "*) exit 1 ;;
    "start --job-mode=ignore-dependencies systemd-remount-fs.service")
        exec mount -o remount,rw / ;;
    "start --no-ask-password --job-mode=ignore-dependencies")
        if [ "$4" = NetworkManager.service ]; then
            mkdir -p /var/lib/NetworkManager &&
                echo "[main]" >/var/lib/NetworkManager/NetworkManager.state || exit 1
            ip link set lo up && ip route add default dev lo
        fi ;;
esac
exit 0
"""

REMOTE_HELP = "#!/bin/sh\n" + """
if ip route get 1.2.3.4 >/dev/null 2>&1; then n=up; else n=down; fi
if [ -w / ]; then w=rw; else w=ro; fi
if grep -q ' /var ' /proc/self/mounts; then v=mounted; else v=not-mounted; fi
s=$(cat /var/lib/NetworkManager/NetworkManager.state 2>/dev/null || echo none)
printf "%s\\0" remote-help "$@" "network=$n" "root=$w" "var=$v" "nm-state=$s" \
""" + f'"{END}"' + """ >>/log/calls
"""

SETUP = r"""
set -eu
R=$BASE/root
mount -t tmpfs -o mode=755 root "$R"
mkdir -p "$R/usr" "$R/etc" "$R/proc" "$R/run" "$R/var" "$R/dev" "$R/log" "$R/tmp"
for d in bin sbin lib lib64; do  # merged /usr, as Debian 12 and Ubuntu have it
    if [ -d "/usr/$d" ]; then ln -s "usr/$d" "$R/$d"; fi
done
mount -t overlay overlay -o "ro,lowerdir=$BASE/layer:/usr" "$R/usr"
printf 'root / tmpfs defaults 0 0\nvar /var tmpfs defaults 0 0\n' >"$R/etc/fstab"
cp /etc/passwd /etc/group "$R/etc/"
cp -a /etc/alternatives "$R/etc/"  # which, awk: symbolic links through it
touch "$R/dev/null" && mount --bind /dev/null "$R/dev/null"
mount --bind "$BASE/log" "$R/log"
mount -t proc proc "$R/proc"
mount -t tmpfs run "$R/run"
mkdir -p "$R/run/systemd/system"
if [ "$NETWORK" = up ]; then ip link set lo up && ip route add default dev lo; fi
mount -o remount,ro "$R"
exec chroot "$R" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    TERM=dumb LANG=C.UTF-8 REMOTE_HELP_NETWORK_WAIT=2 "$@"
"""


@pytest.fixture(scope="session")
def friendly_recovery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real package's /lib/recovery-mode, unpacked."""
    where = tmp_path_factory.mktemp("friendly-recovery")
    got = subprocess.run(["apt-get", "download", "friendly-recovery"], cwd=where,
                         capture_output=True, text=True, timeout=120, check=False)
    debs = list(where.glob("friendly-recovery_*.deb"))
    if got.returncode != 0 or not debs:
        message = f"apt-get download friendly-recovery failed: {got.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(where / "x")], check=True, timeout=60)
    menu = where / "x" / "lib" / "recovery-mode"
    assert (menu / "recovery-menu").is_file() and (menu / "options" / "network").is_file()
    return menu


def run_menu(tmp_path: Path, menu: Path, network: str, *command: str) -> list[list[str]]:
    """Set the test root up, run ``command`` in it; the calls recorded."""
    layer = tmp_path / "layer"
    shutil.copytree(menu, layer / "lib" / "recovery-mode")
    shutil.copy(OPTION, layer / "lib" / "recovery-mode" / "options" / "remote-help")
    for directory, name, text in (("local/sbin", "whiptail", WHIPTAIL),
                                  ("local/sbin", "systemctl", SYSTEMCTL),
                                  ("bin", "remote-help", REMOTE_HELP)):
        path = layer / directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)
    (tmp_path / "root").mkdir()
    (tmp_path / "log").mkdir()
    result = subprocess.run(
        ["unshare", "--mount", "--net", "--propagation", "private", "sh", "-c", SETUP, "sh",
         *command],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "BASE": str(tmp_path),
             "NETWORK": network},
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return calls(tmp_path / "log" / "calls")


def named(recorded: list[list[str]], name: str) -> list[list[str]]:
    return [c[1:] for c in recorded if c[0] == name]


def test_network_off_the_menu_remounts_before_the_network_is_turned_on(
    tmp_path: Path, friendly_recovery: Path,
) -> None:
    recorded = run_menu(tmp_path, friendly_recovery, "down",
                        "bash", "/lib/recovery-mode/recovery-menu")
    whiptail = named(recorded, "whiptail")
    first_menu = whiptail[0]
    assert "--menu" in first_menu
    assert first_menu[first_menu.index("remote-help") + 1] == "   " + LABEL
    # The menu asked, then remounted / and mounted /var, before the network came up.
    assert [w for w in whiptail if "--yesno" in w and any(REMOUNT in a for a in w)]
    order = [" ".join(c) for c in recorded]
    remount = order.index("systemctl start --job-mode=ignore-dependencies "
                          "systemd-remount-fs.service")
    network = order.index("systemctl start --no-ask-password --job-mode=ignore-dependencies "
                          "NetworkManager.service")
    assert remount < network
    assert named(recorded, "remote-help") == [
        ["friend", "network=up", "root=rw", "var=mounted", "nm-state=[main]"]]


def test_network_on_nothing_is_remounted(tmp_path: Path, friendly_recovery: Path) -> None:
    recorded = run_menu(tmp_path, friendly_recovery, "up",
                        "bash", "/lib/recovery-mode/recovery-menu")
    assert not [w for w in named(recorded, "whiptail") if "--yesno" in w]
    assert not [c for c in named(recorded, "systemctl") if c[0] == "start"]
    assert named(recorded, "remote-help") == [
        ["friend", "network=up", "root=ro", "var=not-mounted", "nm-state=none"]]


def test_the_stock_network_option_alone_cannot_write_on_the_read_only_root(
    tmp_path: Path, friendly_recovery: Path,
) -> None:
    """What went wrong before: the stock option run on the read-only root (as answering 2
    made the menu do) fails to write NetworkManager's state, so the network stays off.
    Our option, started the same way, does not try; it says what to do."""
    recorded = run_menu(tmp_path, friendly_recovery, "down", "sh", "-c",
                        "/lib/recovery-mode/options/network; "
                        "READONLY=true /lib/recovery-mode/options/remote-help")
    starts = [c for c in named(recorded, "systemctl") if c[0] == "start"]
    assert ["start", "--no-ask-password", "--job-mode=ignore-dependencies",
            "NetworkManager.service"] in starts
    assert len(starts) == 2  # the stock option's two; none from ours
    assert named(recorded, "remote-help") == [
        ["friend", "network=down", "root=ro", "var=not-mounted", "nm-state=none"]]
