"""Test harness for test_lockdown.py: an inetd for ``sshd -i`` that also plays the app.

Run as the user sshd should run as, with the system Python and PYTHONPATH set to the
program's source:

    lockdown_server.py locked SESSION_DIR PEER_PUBLIC_KEY_FILE
    lockdown_server.py hostile SESSION_DIR PEER_PUBLIC_KEY_FILE RECORDER

``locked`` sets SESSION_DIR up as the friend's program does (its own host key, the bridge,
``sshd.write_config``); ``hostile`` writes a permissive sshd_config (forwarding, agent, X11,
tty, tunnels, any environment) whose command is RECORDER instead of our bridge. Both print
``HOSTKEY <public key>``, ``PID <own pid>`` and ``PORT <port>``; SIGTERM ends the server and
all it started.

It listens on 127.0.0.1 (a free port) and runs
``sshd -i -e -f SSHD_CONFIG`` for each TCP connection, its stdin and stdout the socket
itself, its stderr appended to SESSION_DIR/sshd.log -- as the real program does. Like the
real program it listens on SESSION_DIR/session.sock, where the ForceCommand bridge hands
over the session channel's stdin and stdout; unlike the real program it keeps listening and
accepts any number of bridges, so a second session that sshd let through would be seen.

Every event is one JSON line in SESSION_DIR/events.jsonl:
    {"event": "connection", "sshd_pid": N}
    {"event": "accept", "pid": N, "uid": N, "fds": K, "tty": bool, "environ": {...}, ...}
For each handed-over channel it writes ``REMOTE-HELP-SESSION`` into the channel, so the
client can tell which stream it got, and holds the descriptors until it is terminated.
"""

import array
import contextlib
import ctypes
import json
import os
import pwd
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

MARKER = b"REMOTE-HELP-SESSION\n"


def _environ(pid: int) -> dict[str, str]:
    try:
        raw = open(f"/proc/{pid}/environ", "rb").read()  # noqa: SIM115
    except OSError as exc:
        return {"__error__": str(exc)}
    env = {}
    for item in raw.split(b"\0"):
        if item:
            key, _, value = item.decode(errors="replace").partition("=")
            env[key] = value
    return env


def _cmdline(pid: int) -> list[str]:
    try:
        raw = open(f"/proc/{pid}/cmdline", "rb").read()  # noqa: SIM115
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _ancestors(pid: int) -> list[int]:
    chain = []
    while pid > 1 and len(chain) < 20:
        try:
            stat = open(f"/proc/{pid}/stat").read()  # noqa: SIM115
        except OSError:
            break
        pid = int(stat[stat.rfind(")") + 2 :].split()[1])
        chain.append(pid)
    return chain


HOSTILE_CONFIG = """\
HostKey {dir}/key
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers {user}
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin yes
StrictModes no
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
AllowAgentForwarding yes
X11Forwarding yes
X11UseLocalhost yes
PermitTunnel yes
GatewayPorts yes
PermitOpen any
PermitListen any
PermitTTY yes
PermitUserRC yes
PermitUserEnvironment yes
AcceptEnv *
MaxSessions 10
PidFile none
LogLevel DEBUG1
ForceCommand /usr/bin/python3 -I {recorder} {dir}/record.json
"""


def setup(mode: str, session_dir: str, peer_key_file: str, recorder: str) -> str:
    """Write the session directory as the friend's program would (or a hostile one)."""
    from pathlib import Path

    from remote_help.tunnel import common, keys, sshd

    directory = Path(session_dir)
    peer_key = Path(peer_key_file).read_text().strip()
    user = pwd.getpwuid(os.geteuid()).pw_name
    host = keys.generate(directory)
    sys.stdout.write(f"HOSTKEY {host.public_key}\n")
    if mode == "locked":
        bridge = common.install_bridge(directory)
        forced = common.bridge_command(bridge, "serve", directory / "session.sock")
        config = sshd.write_config(directory, host, peer_key, user, forced)
        created = sshd.ensure_privsep_dir()
        if created is not None:
            sys.stdout.write(f"PRIVSEP {created}\n")
    else:
        (directory / "authorized_keys").write_text(f"{peer_key}\n")
        config = directory / "sshd_config"
        config.write_text(HOSTILE_CONFIG.format(dir=directory, user=user, recorder=recorder))
    sshd.check_config(sshd.DEFAULT_SSHD, config)
    return str(config)


def _become_subreaper() -> None:
    """Orphaned session processes (the bridge outlives its sshd) come to us to be reaped."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _children() -> list[int]:
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()  # noqa: SIM115
            except OSError:
                continue
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == me:
                found.append(int(entry))
    return found


def main(argv: list[str]) -> int:
    session_dir = argv[2]
    config = setup(argv[1], session_dir, argv[3], argv[4] if len(argv) > 4 else "")
    sshd = "/usr/sbin/sshd"
    events = open(os.path.join(session_dir, "events.jsonl"), "a", buffering=1)  # noqa: SIM115
    log_path = os.path.join(session_dir, "sshd.log")
    # The real config logs errors only; the tests read the refusals it logs at VERBOSE.
    verbose = ["-o", "LogLevel=VERBOSE"] if argv[1] == "locked" else []
    procs: list[subprocess.Popen[bytes]] = []
    held: list[tuple[socket.socket, list[int]]] = []

    def record(**fields: object) -> None:
        fields["t"] = time.time()
        events.write(json.dumps(fields) + "\n")

    def reap() -> None:
        by_pid = {proc.pid: proc for proc in procs}
        with contextlib.suppress(ChildProcessError):
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                if pid in by_pid:  # so that Popen never signals a reaped (reusable) pid
                    by_pid[pid].returncode = os.waitstatus_to_exitcode(status)

    def stop(*_: object) -> None:
        # Stop listening (a late bridge must not wait in the backlog), let go of the
        # channels (the bridges end), end every sshd, then reap all that ended up as our
        # children (we are their subreaper), killing stragglers by pid.
        for listener in (tcp, app):
            listener.close()
        with contextlib.suppress(OSError):
            os.unlink(sock_path)
        for conn, fds in held:
            conn.close()
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        reap()
        for proc in procs:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        deadline = time.monotonic() + 3
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                if time.monotonic() > deadline + 3:
                    break
                if time.monotonic() > deadline:
                    for child in _children():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(child, signal.SIGKILL)
                time.sleep(0.02)
        os._exit(0)

    tcp = socket.create_server(("127.0.0.1", 0))
    sock_path = os.path.join(session_dir, "session.sock")
    app = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    app.bind(sock_path)
    os.chmod(sock_path, 0o600)
    app.listen(8)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _become_subreaper()

    sel = selectors.DefaultSelector()
    sel.register(tcp, selectors.EVENT_READ, "tcp")
    sel.register(app, selectors.EVENT_READ, "app")
    sys.stdout.write(f"PID {os.getpid()}\nPORT {tcp.getsockname()[1]}\n")
    sys.stdout.flush()

    while True:
        for key, _ in sel.select(timeout=1.0):
            if key.data == "tcp":
                conn, _ = tcp.accept()
                with open(log_path, "ab") as log:
                    proc = subprocess.Popen(
                        [sshd, "-i", "-e", *verbose, "-f", config],
                        stdin=conn.fileno(), stdout=conn.fileno(), stderr=log,
                        env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin",
                             "HOME": os.path.expanduser("~")},
                    )
                conn.close()
                procs.append(proc)
                record(event="connection", sshd_pid=proc.pid)
            elif key.data == "app":
                conn, _ = app.accept()
                creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                        struct.calcsize("3i"))
                pid, uid, _ = struct.unpack("3i", creds)
                environ, cmdline, ancestors = _environ(pid), _cmdline(pid), _ancestors(pid)
                conn.settimeout(5)
                fds = array.array("i")
                try:
                    _, anc, _, _ = conn.recvmsg(1, socket.CMSG_SPACE(4 * fds.itemsize))
                except OSError:
                    anc = []
                for level, kind, data in anc:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                        fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
                tty = bool(fds) and os.isatty(fds[0])
                if len(fds) == 2:
                    with contextlib.suppress(OSError):
                        os.write(fds[1], MARKER)
                record(event="accept", pid=pid, uid=uid, fds=len(fds), tty=tty,
                       environ=environ, cmdline=cmdline, ancestors=ancestors,
                       sshd_pids=[p.pid for p in procs])
                held.append((conn, list(fds)))  # hold the channel, as the app does
        reap()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
