"""The shared session: the stream between the two programs, the friend's pty, the mux."""
