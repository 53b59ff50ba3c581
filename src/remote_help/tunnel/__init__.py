"""OpenSSH over the connection that is already open: keys, sshd, ssh, and their bridges."""
