"""The lock-down with real OpenSSH on both ends (DESIGN section 5; attack table T10, T11).

T10: a real ``ssh`` client plays a hostile helper against the friend's ``sshd -i``, set up
exactly as the friend's program does it (``keys.generate``, ``common.install_bridge``,
``common.bridge_command``, ``sshd.write_config``, run as that user), and asks for everything
it can: ``-L``, ``-R``, ``-D``, ``-A``, ``-X``, ``-s sftp``, ``-W``, ``-w``, an exec request,
a second session over ControlMaster, ``SendEnv``, a pty. Each is refused, nothing it asked
for happens, and the app end of the bridge sees at most the one session.

T11: a permissive, hostile ``sshd`` serves the friend's ``ssh``, argv exactly as
``ssh.command`` builds it and run with a tempting environment (an agent, a display, a planted
``~/.ssh``): the client asks the server for nothing but its one session and reads no ``~/.ssh``.

The server side is lockdown_server.py (an inetd for ``sshd -i`` that also plays the app on
session.sock); the hostile server's command is lockdown_record.py.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from remote_help.tunnel import common, keys, ssh
from tests import support

HERE = Path(__file__).resolve().parent
SERVER = HERE / "lockdown_server.py"
RECORDER = HERE / "lockdown_record.py"
SSH = keys.find_tool("ssh", "openssh-client")
MARKER = b"REMOTE-HELP-SESSION"
TARGET_DATA = b"TARGET-DATA"
SFTP_INIT = b"\x00\x00\x00\x05\x01\x00\x00\x00\x03"  # SSH_FXP_INIT, version 3
SFTP_VERSION = b"\x02\x00\x00\x00\x03"  # what a real sftp server answers: SSH_FXP_VERSION 3
PROHIBITED = "open failed: administratively prohibited"
ME = pwd.getpwuid(os.geteuid()).pw_name
BASE_ENV = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "LANG": "C.UTF-8"}
SETTLE = 0.2  # how long a late, unwanted session gets to show up before we count


# -- processes and small servers ----------------------------------------------------------

def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def descendants(root: int) -> dict[int, str]:
    """Live descendants of ``root`` (and itself): pid -> start time, to kill them safely."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
            starts[int(entry)] = fields[19]
    found, todo = {}, [root]
    while todo:
        pid = todo.pop()
        if pid in starts:
            found[pid] = starts[pid]
        todo.extend(children.get(pid, []))
    return found


def kill_leftovers(snapshot: dict[int, str]) -> None:
    """SIGKILL the processes of a snapshot still alive (same pid and start time), by pid."""
    for pid, start in snapshot.items():
        fields = _stat_fields(pid)
        if fields is not None and fields[19] == start and fields[0] != "Z":
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class Proc:
    """A process of the test whose output is collected in the background."""

    def __init__(self, argv: list[str], env: dict[str, str], stdin: int | None = None) -> None:
        self.argv = argv
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL if stdin is None else stdin,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd="/",
            start_new_session=True,
        )  # fmt: skip
        self.out = bytearray()
        self.err = bytearray()
        self._readers = [
            threading.Thread(target=self._drain, args=(stream, sink), daemon=True)
            for stream, sink in ((self.popen.stdout, self.out), (self.popen.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _drain(stream: Any, sink: bytearray) -> None:
        with contextlib.suppress(OSError, ValueError):  # ValueError: closed by stop()
            for chunk in iter(lambda: stream.read1(65536), b""):
                sink.extend(chunk)

    @property
    def stderr(self) -> str:
        return self.err.decode(errors="replace")

    def describe(self) -> str:
        return (f"argv: {self.argv}\nrc: {self.popen.returncode}\nstdout: {bytes(self.out)!r}\n"
                f"stderr:\n{self.stderr[-4000:]}")

    def wait_for(self, needle: bytes | str, timeout: float = 10, count: int = 1) -> bool:
        """Whether ``needle`` (bytes: stdout, str: stderr) showed up ``count`` times."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = (self.out.count(needle) if isinstance(needle, bytes)
                     else self.stderr.count(needle))
            if found >= count:
                return True
            if self.popen.poll() is not None:
                for reader in self._readers:
                    reader.join(2)
                found = (self.out.count(needle) if isinstance(needle, bytes)
                         else self.stderr.count(needle))
                return found >= count
            time.sleep(0.02)
        return False

    def finish(self, timeout: float = 15) -> int:
        """Wait for the process to end by itself (killed after ``timeout``)."""
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
        for reader in self._readers:
            reader.join(2)
        return self.popen.returncode

    def stop(self) -> None:
        if self.popen.poll() is None:
            snapshot = descendants(self.popen.pid)
            self.popen.terminate()
            try:
                self.popen.wait(3)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
            kill_leftovers(snapshot)
        for reader in self._readers:
            reader.join(2)
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


class Target:
    """A TCP server on loopback that no forward may ever reach; it greets whoever comes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.hits += 1
            with conn, contextlib.suppress(OSError):
                conn.sendall(TARGET_DATA + b"\n")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class UnixTrap:
    """A unix socket anyone may connect to; counts who does (a fake agent, say)."""

    def __init__(self, path: Path, on_accept: Callable[[socket.socket], None] | None = None,
                 mode: int = 0o777) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        path.chmod(mode)
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.hits = 0
        self.errors: list[str] = []
        self._on_accept = on_accept
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.hits += 1
            with conn:
                try:
                    if self._on_accept is not None:
                        self._on_accept(conn)
                except OSError as exc:
                    self.errors.append(str(exc))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def fd_proxy(path: Path, port: int) -> UnixTrap:
    """The app's half of ``bridge.py proxy``: hand each caller a new connection to ``port``."""

    def hand_over(conn: socket.socket) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as tcp:
            conn.sendmsg([b"C"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                   array.array("i", [tcp.fileno()]))])

    return UnixTrap(path, hand_over, mode=0o600)


def tcp_listeners(uid: int | None = None) -> set[int]:
    """Ports listening on this machine (only those of ``uid`` if given)."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A" and (uid is None or int(fields[7]) == uid):
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def agent_dirs() -> dict[str, int]:
    """sshd's forwarded-agent directories (/tmp/ssh-XXXX) and their owners."""
    found = {}
    for path in Path("/tmp").glob("ssh-*"):
        with contextlib.suppress(OSError):
            found[str(path)] = path.stat().st_uid
    return found


def give(path: Path, user: str) -> None:
    """chown ``path`` (and what is in it) to ``user``."""
    info = pwd.getpwnam(user)
    for item in [path, *path.rglob("*")]:
        os.chown(item, info.pw_uid, info.pw_gid)


def private_dir(parent: Path, name: str, user: str) -> Path:
    path = parent / name
    path.mkdir(mode=0o700)
    give(path, user)
    return path


# -- the harness server ------------------------------------------------------------------

@dataclass
class Server:
    """One run of lockdown_server.py as ``user``: sshd -i per connection, plus the app."""

    user: str
    directory: Path
    proc: subprocess.Popen[bytes]
    lines: list[str] = field(default_factory=list)
    port: int = 0
    pid: int = 0
    host_key: str = ""
    privsep: Path | None = None

    @classmethod
    def start(cls, mode: str, user: str, directory: Path, peer_key: str) -> Server:
        (directory / "peer.pub").write_text(peer_key + "\n")
        give(directory, user)
        home = pwd.getpwnam(user).pw_dir
        env = {**BASE_ENV, "HOME": home, "USER": user, "LOGNAME": user,
               "PYTHONPATH": str(support.SRC), "PYTHONDONTWRITEBYTECODE": "1"}
        argv = [support.SYSTEM_PYTHON, "-s", str(SERVER), mode, str(directory),
                str(directory / "peer.pub"), str(RECORDER)]
        if user != ME:
            argv = ["runuser", "-u", user, "--", "env", "-i",
                    *(f"{k}={v}" for k, v in env.items()), *argv]
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd="/",
                                start_new_session=True)
        server = cls(user, directory, proc)
        threading.Thread(target=server._read, daemon=True).start()
        deadline = time.monotonic() + 20
        while not server.port:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                assert proc.stderr is not None
                pytest.fail(f"the harness server did not start: {server.lines} "
                            f"{proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.02)
        return server

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode().strip()
            self.lines.append(line)
            word, _, rest = line.partition(" ")
            if word == "HOSTKEY":
                self.host_key = rest
            elif word == "PRIVSEP":
                self.privsep = Path(rest)
            elif word == "PID":
                self.pid = int(rest)
            elif word == "PORT":
                self.port = int(rest)

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.user).pw_uid

    def events(self) -> list[dict[str, Any]]:
        path = self.directory / "events.jsonl"
        text = path.read_text() if path.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.endswith("}")]

    def sessions(self, settle: float = SETTLE) -> list[dict[str, Any]]:
        """The channels the app was handed (every connection to session.sock, in fact)."""
        time.sleep(settle)
        return [e for e in self.events() if e["event"] == "accept"]

    def wait_sessions(self, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sessions(0)) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.sessions()

    def connections(self) -> int:
        return sum(1 for e in self.events() if e["event"] == "connection")

    def log(self) -> str:
        path = self.directory / "sshd.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def holds_tun(self) -> list[int]:
        """Processes on the server's side that have a tunnel device open."""
        holders = []
        for pid in descendants(self.proc.pid):
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):
                        if os.readlink(f"/proc/{pid}/fd/{fd}") == "/dev/net/tun":
                            holders.append(pid)
        return holders

    def stop(self) -> None:
        snapshot = descendants(self.proc.pid)
        if self.proc.poll() is None:
            # The server itself, not runuser (which would wait 2 s before passing it on);
            # the server ends all it started.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid or self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        time.sleep(0.05)
        kill_leftovers(snapshot)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        if self.privsep is not None:
            with contextlib.suppress(OSError):
                self.privsep.rmdir()


class Users:
    """Throwaway accounts for the module, made on first use and removed at the end."""

    def __init__(self) -> None:
        self.stack = contextlib.ExitStack()
        self.names: dict[str, str] = {}

    def get(self, role: str) -> str:
        if role not in self.names:
            self.names[role] = self.stack.enter_context(support.throwaway_user("rhl"))
        return self.names[role]


@pytest.fixture(scope="module")
def users() -> Iterator[Users]:
    accounts = Users()
    with accounts.stack:
        yield accounts


@pytest.fixture
def target() -> Iterator[Target]:
    server = Target()
    yield server
    server.close()


@dataclass
class Locked:
    """The friend's locked-down sshd (as the friend's program sets it up) and a helper."""

    server: Server
    helper_dir: Path
    helper_key: keys.KeyPair
    known_hosts: Path
    clients: list[Proc] = field(default_factory=list)

    @property
    def user(self) -> str:
        return self.server.user

    @property
    def session_dir(self) -> Path:
        return self.server.directory

    def argv(self, *options: str, command: tuple[str, ...] = (), port: int | None = None,
             identity: Path | None = None) -> list[str]:
        """A real ssh client with the right pins and key, asking for more than it may."""
        return [
            SSH, "-F", "none", "-p", str(port or self.server.port),
            "-o", "BatchMode=yes",
            "-o", f"UserKnownHostsFile={self.known_hosts}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", f"HostKeyAlias={common.PEER_ALIAS}",
            "-o", f"IdentityFile={identity or self.helper_key.private_path}",
            "-o", "IdentitiesOnly=yes",
            "-o", "ConnectTimeout=10",
            "-o", "LogLevel=DEBUG1",
            "-l", self.user, *options, "127.0.0.1", *command,
        ]  # fmt: skip

    def run(self, argv: list[str], env: dict[str, str] | None = None,
            stdin: int | None = None) -> Proc:
        client = Proc(argv, {**BASE_ENV, "HOME": str(self.helper_dir), **(env or {})}, stdin)
        self.clients.append(client)
        return client

    def helper(self, *options: str, command: tuple[str, ...] = (),
               env: dict[str, str] | None = None, stdin: int | None = None) -> Proc:
        return self.run(self.argv(*options, command=command), env, stdin)


@pytest.fixture(params=[pytest.param("user", marks=pytest.mark.root), "self"])
def locked(request: pytest.FixtureRequest) -> Iterator[Locked]:
    """``user``: sshd as a throwaway non-root account (the usual friend); ``self``: as the
    invoking user (root in CI, so the root sshd is covered too)."""
    user = request.getfixturevalue("users").get("friend") if request.param == "user" else ME
    base = Path(tempfile.mkdtemp(prefix="rhl", dir="/tmp"))  # short: socket paths live here
    base.chmod(0o755)
    locked = None
    try:
        helper_dir = private_dir(base, "h", ME)
        session_dir = private_dir(base, "f", user)
        helper_key = keys.generate(helper_dir)
        server = Server.start("locked", user, session_dir, helper_key.public_key)
        locked = Locked(server, helper_dir, helper_key,
                        ssh.write_known_hosts(helper_dir, server.host_key))
        yield locked
    finally:
        if locked is not None:
            for client in locked.clients:
                client.stop()
            locked.server.stop()
        shutil.rmtree(base, ignore_errors=True)


def assert_no_session(locked: Locked) -> None:
    sessions = locked.server.sessions()
    assert sessions == [], f"the app was handed a channel: {sessions}"


def assert_one_plain_session(locked: Locked, client: Proc) -> dict[str, Any]:
    """The client got the bridge's stream and the app exactly one channel, no terminal."""
    assert client.wait_for(MARKER), client.describe()
    sessions = locked.server.wait_sessions(1)
    assert len(sessions) == 1, f"the app saw {len(sessions)} sessions: {sessions}"
    session = sessions[0]
    assert session["fds"] == 2
    assert session["tty"] is False
    assert session["cmdline"][-2:] == ["serve", str(locked.session_dir / "session.sock")]
    return session


def assert_no_new_listener(locked: Locked, before: set[int], *ports: int) -> None:
    """Nothing listens on ``ports``; and sshd's own user opened no listener at all."""
    now = tcp_listeners()
    assert not [p for p in ports if p in now], f"listening: {sorted(set(ports) & now)}"
    if locked.server.uid != 0:
        assert tcp_listeners(locked.server.uid) - before == set()


# -- T10: a hostile helper against the friend's sshd --------------------------------------

def test_baseline_plain_client_gets_exactly_the_one_session(locked: Locked) -> None:
    """Control for everything below: the harness works and a plain session is the bridge."""
    client = locked.helper()
    session = assert_one_plain_session(locked, client)
    assert "SSH_ORIGINAL_COMMAND" not in session["environ"]
    log = locked.server.log()
    assert f"Accepted publickey for {locked.user}" in log
    assert "Starting session: forced-command (config)" in log


def test_program_client_reaches_the_one_session(locked: Locked) -> None:
    """``ssh.command`` as the program builds it (ProxyCommand = bridge.py proxy, fd passing)."""
    bridge = common.install_bridge(locked.helper_dir)
    sock = locked.helper_dir / "proxy.sock"
    proxy = fd_proxy(sock, locked.server.port)
    try:
        argv = ssh.command(SSH, locked.helper_key, locked.known_hosts, locked.user,
                           common.bridge_command(bridge, "proxy", sock))
        client = locked.run(argv)
        assert_one_plain_session(locked, client)
        assert proxy.hits == 1 and not proxy.errors
    finally:
        proxy.close()


def test_local_forwards_refused(locked: Locked, target: Target) -> None:
    """-L to a TCP port and -L to the app's own unix socket: both channel opens refused."""
    tcp_port, unix_port = support.free_port(), support.free_port()
    client = locked.helper(
        "-N",
        "-L", f"127.0.0.1:{tcp_port}:127.0.0.1:{target.port}",
        "-L", f"127.0.0.1:{unix_port}:{locked.session_dir}/session.sock",
    )  # fmt: skip
    assert client.wait_for("Entering interactive session"), client.describe()
    for port in (tcp_port, unix_port):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
            conn.settimeout(5)
            assert conn.recv(100) == b""  # the helper's local end is closed, nothing came
    assert client.wait_for("open failed", count=2), client.describe()
    assert PROHIBITED in client.stderr  # the TCP one; the unix one says "connect failed"
    assert target.hits == 0
    log = locked.server.log()
    assert f"target 127.0.0.1 port {target.port}" in log and "refused local port forward" in log
    assert "refused streamlocal port forward" in log
    events = {e["event"] for e in locked.server.events()}
    assert events == {"connection"}, "something reached the app's session.sock"
    assert_no_session(locked)


def test_remote_forwards_refused(locked: Locked, target: Target) -> None:
    """-R of a port, of a unix path and of a SOCKS proxy: no listener on the friend's side."""
    before = tcp_listeners(locked.server.uid)
    port, socks_port = support.free_port(), support.free_port()
    path = locked.session_dir / "fwd.sock"
    client = locked.helper(
        "-N",
        "-R", f"127.0.0.1:{port}:127.0.0.1:{target.port}",
        "-R", f"{path}:127.0.0.1:{target.port}",
        "-R", f"127.0.0.1:{socks_port}",
    )  # fmt: skip
    assert client.wait_for("remote port forwarding failed", count=3), client.describe()
    assert f"remote port forwarding failed for listen port {port}" in client.stderr
    assert f"remote port forwarding failed for listen path {path}" in client.stderr
    assert f"remote port forwarding failed for listen port {socks_port}" in client.stderr
    assert not path.exists()
    assert_no_new_listener(locked, before, port, socks_port)
    assert target.hits == 0
    assert_no_session(locked)


def test_dynamic_forward_refused(locked: Locked, target: Target) -> None:
    """-D: a SOCKS5 connect through the helper's proxy never reaches anything."""
    socks = support.free_port()
    client = locked.helper("-N", "-D", f"127.0.0.1:{socks}")
    assert client.wait_for("Entering interactive session"), client.describe()
    with socket.create_connection(("127.0.0.1", socks), timeout=5) as conn:
        conn.settimeout(5)
        conn.sendall(b"\x05\x01\x00")
        assert conn.recv(2) == b"\x05\x00"
        conn.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("127.0.0.1")
                     + target.port.to_bytes(2, "big"))
        received = b""
        with contextlib.suppress(OSError):
            while chunk := conn.recv(100):
                received += chunk
    assert TARGET_DATA not in received
    assert client.wait_for(PROHIBITED), client.describe()
    assert target.hits == 0
    assert "refused local port forward" in locked.server.log()
    assert_no_session(locked)


def test_stdio_forward_refused(locked: Locked, target: Target) -> None:
    """-W host:port: the direct-tcpip channel is refused; no byte of the target comes back."""
    client = locked.helper("-W", f"127.0.0.1:{target.port}")
    assert client.finish() == 255, client.describe()
    assert "stdio forwarding failed" in client.stderr
    assert PROHIBITED in client.stderr
    assert TARGET_DATA not in client.out
    assert target.hits == 0
    assert_no_session(locked)


def test_tunnel_device_refused(locked: Locked) -> None:
    """-w any: the server refuses tun@openssh.com; no server-side process opens a tun."""
    if not support.is_root():
        pytest.skip("the hostile client needs root to open its own tunnel device first")
    client = locked.helper("-N", "-w", "any")
    assert client.wait_for("Tunnel forwarding failed"), client.describe()
    assert "Server has rejected tunnel device forwarding" in client.stderr
    assert locked.server.holds_tun() == []
    assert_no_session(locked)


def test_agent_forwarding_refused(locked: Locked) -> None:
    """-A with a (fake) agent: the session gets no SSH_AUTH_SOCK and sshd makes no socket."""
    before = agent_dirs()
    agent_dir = locked.helper_dir / "agent"
    agent_dir.mkdir()
    agent = UnixTrap(agent_dir / "sock")
    try:
        client = locked.helper("-A", env={"SSH_AUTH_SOCK": str(agent.path)})
        session = assert_one_plain_session(locked, client)
        assert "Requesting authentication agent forwarding" in client.stderr  # it did ask
        assert "SSH_AUTH_SOCK" not in session["environ"]
        new = {path: uid for path, uid in agent_dirs().items() if path not in before}
        assert new == {}, f"sshd made agent sockets: {new}"
    finally:
        agent.close()


def test_x11_forwarding_refused(locked: Locked) -> None:
    """-X with a DISPLAY: refused; no DISPLAY in the session, no X11 listener."""
    before = tcp_listeners(locked.server.uid)
    x11_before = {p for p in tcp_listeners() if 6000 <= p < 6200}
    client = locked.helper("-X", env={"DISPLAY": "127.0.0.1:77"})
    session = assert_one_plain_session(locked, client)
    assert "Requesting X11 forwarding" in client.stderr  # it did ask
    assert client.wait_for("X11 forwarding request failed on channel 0"), client.describe()
    assert "DISPLAY" not in session["environ"]
    assert {p for p in tcp_listeners() if 6000 <= p < 6200} <= x11_before
    assert_no_new_listener(locked, before)


def test_sftp_subsystem_refused(locked: Locked) -> None:
    """-s sftp: no subsystem exists; the request fails and no sftp server answers."""
    client = locked.helper("-s", command=("sftp",), stdin=subprocess.PIPE)
    assert client.popen.stdin is not None
    with contextlib.suppress(OSError):
        client.popen.stdin.write(SFTP_INIT)
        client.popen.stdin.flush()
    assert client.wait_for("subsystem request failed on channel 0"), client.describe()
    client.finish(5)
    assert SFTP_VERSION not in client.out
    assert MARKER not in client.out
    assert (f"subsystem request for sftp by user {locked.user} failed, subsystem not found"
            in locked.server.log())
    assert_no_session(locked)


@pytest.mark.parametrize("command", [
    "id",
    "touch {dir}/pwned; id",
    "/usr/lib/openssh/sftp-server",
    "internal-sftp",
])  # fmt: skip
def test_exec_request_runs_only_the_bridge(locked: Locked, command: str) -> None:
    """``ssh host CMD``: ForceCommand runs the bridge instead; CMD never runs."""
    command = command.format(dir=locked.session_dir)
    client = locked.helper(command=(command,), stdin=subprocess.PIPE)
    assert client.popen.stdin is not None
    client.popen.stdin.write(SFTP_INIT)
    client.popen.stdin.flush()
    session = assert_one_plain_session(locked, client)
    assert session["environ"].get("SSH_ORIGINAL_COMMAND") == command  # seen, not run
    time.sleep(SETTLE)
    assert bytes(client.out) == MARKER + b"\n"  # the bridge's stream and nothing else
    assert b"uid=" not in client.out and SFTP_VERSION not in client.out
    assert not (locked.session_dir / "pwned").exists()


def test_second_session_over_control_master_refused(locked: Locked, target: Target) -> None:
    """ControlMaster: a second session (and a -R) over the master are refused by sshd."""
    before = tcp_listeners(locked.server.uid)
    ctl = locked.helper_dir / "ctl"
    master = locked.helper("-M", "-S", str(ctl))
    assert_one_plain_session(locked, master)
    deadline = time.monotonic() + 5
    while not ctl.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    # A dead port: if the mux refuses, ssh falls back to a direct connection, which the
    # real program never offers (sshd -i serves the one verified connection only).
    dead = support.free_port()
    second = locked.run(locked.argv("-S", str(ctl), "-o", "ControlMaster=no",
                                    command=("id",), port=dead))
    assert second.finish() != 0, second.describe()
    assert "Session open refused by peer" in second.stderr
    assert MARKER not in second.out and b"uid=" not in second.out
    assert master.wait_for("open failed"), master.describe()
    assert "no more sessions" in locked.server.log()

    port = support.free_port()
    forward = locked.run(locked.argv("-S", str(ctl), "-O", "forward",
                                     "-R", f"127.0.0.1:{port}:127.0.0.1:{target.port}"))
    assert forward.finish() != 0, forward.describe()
    assert "remote port forwarding failed" in forward.stderr
    assert_no_new_listener(locked, before, port)

    assert locked.server.connections() == 1
    assert len(locked.server.sessions()) == 1


def test_sendenv_refused(locked: Locked) -> None:
    """SendEnv LD_PRELOAD/FOO and SetEnv: sent, and none of it reaches the forced command."""
    client = locked.helper(
        "-o", "SendEnv=LD_PRELOAD", "-o", "SendEnv=FOO", "-o", "SetEnv=BAR=baz",
        env={"LD_PRELOAD": "/nonexistent/rh-evil.so", "FOO": "bar"},
    )  # fmt: skip
    session = assert_one_plain_session(locked, client)
    for name in ("LD_PRELOAD", "FOO", "BAR"):
        assert f"setting env {name} = " in client.stderr  # it did send them
        assert name not in session["environ"]


def test_pty_request_refused(locked: Locked) -> None:
    """A pty request (helper on a terminal): refused; the app is handed pipes, no terminal."""
    master, slave = os.openpty()
    try:
        client = locked.helper("-o", "RequestTTY=auto", stdin=slave)
        os.close(slave)
        slave = -1
        session = assert_one_plain_session(locked, client)
        assert "PTY allocation request failed on channel 0" in client.stderr
        assert "SSH_TTY" not in session["environ"]
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)


def test_forced_pty_request_refused(locked: Locked) -> None:
    """-tt: refused (the client then gives up by itself); no terminal reaches the app."""
    client = locked.helper("-tt", stdin=subprocess.PIPE)
    assert client.finish() == 255, client.describe()
    assert "PTY allocation request failed on channel 0" in client.stderr
    sessions = locked.server.sessions()
    assert len(sessions) <= 1
    assert all(s["tty"] is False and "SSH_TTY" not in s["environ"] for s in sessions)


# -- pinning --------------------------------------------------------------------------------

def test_program_client_rejects_a_different_host_key(locked: Locked) -> None:
    """``ssh.command`` pinned to another key than the server's: host key verification fails."""
    other_dir = locked.helper_dir / "other"
    other_dir.mkdir(mode=0o700)
    pinned = ssh.write_known_hosts(other_dir, keys.generate(other_dir).public_key)
    bridge = common.install_bridge(locked.helper_dir)
    sock = locked.helper_dir / "proxy.sock"
    proxy = fd_proxy(sock, locked.server.port)
    try:
        argv = ssh.command(SSH, locked.helper_key, pinned, locked.user,
                           common.bridge_command(bridge, "proxy", sock))
        client = locked.run(argv)
        assert client.finish() == 255, client.describe()
        assert "Host key verification failed" in client.stderr
        assert proxy.hits == 1
    finally:
        proxy.close()
    assert "Accepted publickey" not in locked.server.log()
    assert_no_session(locked)


def test_wrong_identity_refused(locked: Locked) -> None:
    """A client with any key but the verified one is refused before any session."""
    other_dir = locked.helper_dir / "other"
    other_dir.mkdir(mode=0o700)
    other = keys.generate(other_dir)
    client = locked.run(locked.argv(identity=other.private_path))
    assert client.finish() == 255, client.describe()
    assert "Permission denied (publickey)" in client.stderr
    assert "Accepted publickey" not in locked.server.log()
    assert_no_session(locked)


# -- T11: a hostile server against the friend's ssh ----------------------------------------

ESCAPES = b"\n~.\n~?\n~C\n~&\n~B\n~R\n~#\n~V\n~~\n~\x1a\n\r~.\r\n"

PLANTED_CONFIG = """\
Host *
    ForwardAgent yes
    ForwardX11 yes
    ForwardX11Trusted yes
    RequestTTY force
    RemoteForward 127.0.0.1:{port} 127.0.0.1:{target}
    DynamicForward 127.0.0.1:{socks}
    PermitLocalCommand yes
    LocalCommand touch {home}/local-command-ran
    ControlMaster auto
    ControlPath {home}/.ssh/ctl-%C
    SendEnv *
    SetEnv PLANTED=1
    EscapeChar ~
    IdentityAgent {agent}
    IdentitiesOnly no
    UserKnownHostsFile {home}/.ssh/known_hosts
    StrictHostKeyChecking no
"""


def hostile_log_requests(log: str) -> tuple[set[str], set[str]]:
    """The channel and global request types a DEBUG1 sshd saw from its client."""
    channel = set(re.findall(r"session_input_channel_req: session \d+ req (\S+)", log))
    global_ = set(re.findall(r"server_input_global_request: rtype (\S+)", log))
    return channel, global_


@pytest.mark.root
@pytest.mark.parametrize("home", ["fresh", "planted"])
def test_friend_client_asks_hostile_server_for_nothing(users: Users, target: Target,
                                                       home: str) -> None:
    """The friend's ssh (ssh.command) against a permissive sshd that would grant anything."""
    helper = users.get("helper")  # runs the hostile sshd
    base = Path(tempfile.mkdtemp(prefix="rhs", dir="/tmp"))
    base.chmod(0o755)
    clients: list[Proc] = []
    server = proxy = agent = None
    try:
        with support.throwaway_user("rhl") as friend:
            friend_home = Path(pwd.getpwnam(friend).pw_dir)
            friend_dir = private_dir(base, "f", friend)
            friend_key = keys.generate(friend_dir)
            agent_dir = base / "a"
            agent_dir.mkdir(mode=0o755)
            agent = UnixTrap(agent_dir / "agent")  # the friend's "real" agent: never touched
            hostile_dir = private_dir(base, "s", helper)
            server = Server.start("hostile", helper, hostile_dir, friend_key.public_key)
            known_hosts = ssh.write_known_hosts(friend_dir, server.host_key)
            bridge = common.install_bridge(friend_dir)
            sock = friend_dir / "proxy.sock"
            proxy = fd_proxy(sock, server.port)
            give(friend_dir, friend)
            argv = ssh.command(SSH, friend_key, known_hosts, helper,
                               common.bridge_command(bridge, "proxy", sock))

            port, socks = support.free_port(), support.free_port()
            if home == "planted":
                dot_ssh = friend_home / ".ssh"
                dot_ssh.mkdir(mode=0o700)
                (dot_ssh / "config").write_text(PLANTED_CONFIG.format(
                    port=port, target=target.port, socks=socks, home=friend_home,
                    agent=agent.path))
                shutil.copy(friend_key.private_path, dot_ssh / "id_ed25519")
                give(dot_ssh, friend)
            ssh_before = support.ssh_dir_snapshot(friend_home)
            listeners_before = tcp_listeners(server.uid)
            agents_before = agent_dirs()
            known_hosts_before = known_hosts.read_text()

            env = {**BASE_ENV, "HOME": str(friend_home), "USER": friend, "LOGNAME": friend,
                   "SSH_AUTH_SOCK": str(agent.path), "DISPLAY": ":77",
                   "TERM": "xterm"}
            client = Proc(["runuser", "-u", friend, "--", "env", "-i",
                           *(f"{k}={v}" for k, v in env.items()), *argv],
                          env, stdin=subprocess.PIPE)
            clients.append(client)
            assert client.popen.stdin is not None
            client.popen.stdin.write(ESCAPES + b"END\n")
            client.popen.stdin.close()
            assert client.finish() == 0, client.describe()
            assert client.out == b"HOSTILE-SERVER\n", client.describe()

            record = json.loads((hostile_dir / "record.json").read_text())
            environ = record["environ"]
            assert record["received"].encode("latin-1") == ESCAPES + b"END\n"  # no escapes
            assert record["stdin_tty"] is False and record["stdout_tty"] is False
            assert record["agent_reached"] is False
            for name in ("SSH_AUTH_SOCK", "DISPLAY", "SSH_TTY", "PLANTED", "TERM"):
                assert name not in environ, f"{name} reached the hostile server"

            channel_reqs, global_reqs = hostile_log_requests(server.log())
            assert channel_reqs == {"shell"}, server.log()
            assert not {r for r in global_reqs if "forward" in r}, global_reqs
            assert "Starting session: forced-command" in server.log()  # the log is real

            assert agent.hits == 0, "the client touched the friend's agent"
            assert tcp_listeners(server.uid) - listeners_before == set()
            assert not {p for p, uid in agent_dirs().items()
                        if p not in agents_before and uid == server.uid}
            now = tcp_listeners()
            assert port not in now and socks not in now
            assert target.hits == 0
            assert known_hosts.read_text() == known_hosts_before
            assert support.ssh_dir_snapshot(friend_home) == ssh_before  # None when fresh
            assert not (friend_home / "local-command-ran").exists()
            assert proxy.hits == 1 and not proxy.errors
    finally:
        for client in clients:
            client.stop()
        for trap in (proxy, agent):
            if trap is not None:
                trap.close()
        if server is not None:
            server.stop()
        shutil.rmtree(base, ignore_errors=True)
