"""Tests of what the Debian package adds around the program: the terminal launcher behind
"Share my Desktop" and the recovery menu option. They run the real shell scripts with fake
programs on PATH; no root, no network, no display."""
