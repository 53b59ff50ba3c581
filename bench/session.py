"""Session set-up time, output throughput, echo latency and start-up, against plain OpenSSH.

Run as root: sudo .venv/bin/python bench/session.py [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import support  # noqa: E402  (the same machinery the tests use)

LINES = 200_000


class Reference:
    """A plain sshd on loopback and an ssh client with a pinned key: the yardstick."""

    def __init__(self, base: Path) -> None:
        self.dir = base / "ref"
        self.dir.mkdir(mode=0o700)
        for name in ("host", "user"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(self.dir / name)], check=True)
        (self.dir / "authorized_keys").write_text((self.dir / "user.pub").read_text())
        self.port = support.free_port()
        config = self.dir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.dir / 'host'}\n"
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'}\nStrictModes no\n"
            "UsePAM no\nPidFile none\nPasswordAuthentication no\nPrintMotd no\n"
            "PermitRootLogin prohibit-password\n")
        (self.dir / "known_hosts").write_text(
            f"[127.0.0.1]:{self.port} " + (self.dir / "host.pub").read_text())
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        self.sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", str(config)],
                                     stderr=subprocess.DEVNULL)
        time.sleep(0.3)

    def ssh(self, *command: str) -> list[str]:
        return ["ssh", "-F", "none", "-T", "-p", str(self.port), "-i", str(self.dir / "user"),
                "-o", f"UserKnownHostsFile={self.dir / 'known_hosts'}",
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
                "127.0.0.1", *command]

    def close(self) -> None:
        self.sshd.terminate()
        self.sshd.wait()


def timed(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def ours_setup(world: support.World) -> tuple[float, support.Program, support.Program]:
    """From the helper's 'y' to the shared shell's first prompt on the helper's screen."""
    port = support.free_port()
    helper = world.start(world.account(), "helper", "--port", str(port), "--bind", "127.0.0.1")
    helper.expect("Waiting for your friend")
    friend = world.start(world.account(), "friend", "127.0.0.1", "--port", str(port))
    friend.expect("Continue\\?")
    friend.sendline("y")
    match = helper.expect(support.CODE_LINE)
    assert match is not None
    friend.sendline(support.first_letters(match.group(1).split()))
    friend.expect("CORRECT")
    helper.expect(r"\[y/n\]")
    helper.child.delaybeforesend = None  # pexpect's default 50 ms pause is not ours
    start = time.perf_counter()
    helper.sendline("y")
    helper.expect("To end the session")
    helper.expect(r"[#$] ")  # the shell's prompt arrived through the tunnel
    return time.perf_counter() - start, helper, friend


def drain(program: support.Program) -> threading.Thread:
    """Read a program's terminal continuously, as a real terminal would."""
    program.child.logfile_read = None

    def read() -> None:
        with contextlib.suppress(pexpect.EOF, pexpect.TIMEOUT, OSError, ValueError):
            while True:
                program.child.read_nonblocking(65536, timeout=60)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def ours_throughput(helper: support.Program) -> float:
    helper.child.logfile_read = None  # do not keep 1.3 MB of output in memory
    helper.child.maxread = 65536
    start = time.perf_counter()
    helper.send(f"seq 1 {LINES}; echo end-$((1+1))\r")
    helper.child.expect_exact("end-2", timeout=120, searchwindowsize=64)
    return time.perf_counter() - start


def echo_latency(child: pexpect.spawn, rounds: int) -> float:
    child.delaybeforesend = None
    samples = []
    for i in range(rounds):
        token = f"x{i % 10}"
        start = time.perf_counter()
        child.send(token)
        child.expect_exact(token)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def ref_shell_throughput(ref: Reference) -> float:
    """The same command typed into a plain `ssh -tt` shell, read by the same harness."""
    argv = ref.ssh()
    argv.insert(argv.index("-T"), "-tt")
    argv.remove("-T")
    child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", dimensions=(30, 100),
                          env={**os.environ, "PS1": "$ "})
    child.maxread = 65536
    child.expect(r"[#$] ")
    time.sleep(0.3)
    start = time.perf_counter()
    child.send(f"seq 1 {LINES}; echo end-$((1+1))\r")
    child.expect_exact("end-2", timeout=120, searchwindowsize=64)
    seconds = time.perf_counter() - start
    child.sendline("exit")
    child.close()
    return seconds


def pipe_echo_latency(argv: list[str], rounds: int) -> float:
    """`ssh -T host cat` over pipes: each byte pair goes there and back."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"warm")
    proc.stdin.flush()
    proc.stdout.read(4)
    samples = []
    for i in range(rounds):
        token = f"x{i % 10}".encode()
        start = time.perf_counter()
        proc.stdin.write(token)
        proc.stdin.flush()
        got = b""
        while len(got) < len(token):
            got += os.read(proc.stdout.fileno(), len(token) - len(got))
        samples.append(time.perf_counter() - start)
    proc.stdin.close()
    proc.wait()
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("run as root (sudo): the reference sshd and the sessions need it")
        return 2
    base = Path(tempfile.mkdtemp(prefix="rhb", dir="/tmp"))
    base.chmod(0o755)
    ref = Reference(base)
    rows: list[tuple[str, float, float]] = []
    try:
        setup, through, echo = [], [], []
        ref_setup, ref_through, ref_echo = [], [], []
        for _ in range(args.rounds):
            ref_setup.append(timed(ref.ssh("true")))
            ref_through.append(ref_shell_throughput(ref))
            (base / f"w{len(setup)}").mkdir()
            world = support.World(base / f"w{len(setup)}")
            try:
                seconds, helper, friend = ours_setup(world)
                setup.append(seconds)
                support.run_in_shared_shell(helper, friend)
                # keystroke echo: the helper's key goes to the friend's pty and back
                helper.send("stty raw -echo; dd bs=1 count=100 2>/dev/null; stty sane\r")
                time.sleep(0.5)
                echo.append(echo_latency(helper.child, 50))
                drain(friend)
                through.append(ours_throughput(helper))
                friend.send("\x1b\x03")
                helper.wait_exit()
            finally:
                world.cleanup()
            ref_echo.append(pipe_echo_latency(ref.ssh("cat"), 50))
        python = "/usr/bin/python3"
        start_ref = statistics.median(timed([python, "-c", "import urwid"]) for _ in range(5))
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        start_ours = statistics.median(
            _time_env([python, "-m", "remote_help", "--version"], env) for _ in range(5))
        rows = [
            ("code confirmed -> shell ready (s)", statistics.median(setup),
             statistics.median(ref_setup)),
            (f"seq 1 {LINES} on the helper's screen (s)", statistics.median(through),
             statistics.median(ref_through)),
            ("keystroke echo (ms)", 1000 * statistics.median(echo),
             1000 * statistics.median(ref_echo)),
            ("start-up, --version (s)", start_ours, start_ref),
        ]
    finally:
        ref.close()
        shutil.rmtree(base, ignore_errors=True)
        for copy in support.SOURCE_COPIES:  # the sources the programs ran from
            shutil.rmtree(copy, ignore_errors=True)
    print(f"{'what':45} {'remote-help':>12} {'reference':>12} {'ratio':>7}")
    for name, ours, reference in rows:
        print(f"{name:45} {ours:12.4f} {reference:12.4f} {ours / reference:7.2f}")
    return 0


def _time_env(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


if __name__ == "__main__":
    sys.exit(main())
