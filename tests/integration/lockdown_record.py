"""Test harness for test_lockdown.py: the command of the hostile server in the T11 tests.

Run by a permissive sshd on the friend's ``ssh`` session: records what the session got
(environment, whether it has a terminal, the bytes the client sent until ``END``) as JSON in
the file named by its argument, tries the agent socket it may have been given, then says
``HOSTILE-SERVER`` and ends the session.
"""

import json
import os
import select
import socket
import sys
import time


def main(argv: list[str]) -> int:
    received = b""
    deadline = time.monotonic() + 5
    while b"END\n" not in received and time.monotonic() < deadline:
        ready, _, _ = select.select([0], [], [], 0.2)
        if ready:
            chunk = os.read(0, 4096)
            if not chunk:
                break
            received += chunk
    agent = os.environ.get("SSH_AUTH_SOCK")
    agent_reached = False
    if agent:
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.connect(agent)
                agent_reached = True
        except OSError:
            pass
    record = {
        "environ": dict(os.environ),
        "stdin_tty": os.isatty(0),
        "stdout_tty": os.isatty(1),
        "received": received.decode("latin-1"),
        "agent_reached": agent_reached,
    }
    with open(argv[1], "w") as out:
        json.dump(record, out)
    sys.stdout.write("HOSTILE-SERVER\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
