"""Bytes to and from real terminals: what their keys send, and what we let reach them."""
