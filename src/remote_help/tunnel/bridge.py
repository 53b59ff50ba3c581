"""Tiny helpers that sshd and ssh start; standard library only, so they start fast.

This file is copied into the session directory and run as a script:

    bridge.py serve SOCKET   sshd's ForceCommand: hand our stdin and stdout (the one
                             SSH session channel) to the app over SOCKET, then wait
                             until the app is done with them.
    bridge.py proxy SOCKET   ssh's ProxyCommand with ProxyUseFdpass: fetch the verified
                             TCP connection from the app and pass it to ssh.

No byte of the session is copied by this process.
"""

import array
import os
import socket
import sys


def _connect(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return sock


def serve(path: str) -> int:
    sock = _connect(path)
    fds = array.array("i", [0, 1])
    sock.sendmsg([b"S"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    # The app holds the channel now; stay alive until it closes our socket.
    while sock.recv(64):
        pass
    return 0


def proxy(path: str) -> int:
    sock = _connect(path)
    fds = array.array("i")
    _, ancillary, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    if len(fds) != 1:
        sys.stderr.write("remote-help: the connection was not handed over\n")
        return 1
    out = socket.socket(fileno=os.dup(1))
    out.sendmsg([b"\0"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)])
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("serve", "proxy"):
        sys.stderr.write("remote-help bridge: this session allows nothing else\n")
        return 1
    try:
        return serve(argv[2]) if argv[1] == "serve" else proxy(argv[2])
    except OSError as exc:
        sys.stderr.write(f"remote-help bridge: {exc}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
