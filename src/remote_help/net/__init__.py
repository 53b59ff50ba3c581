"""The network: TCP listen/connect and the handshake over it, addresses to tell the friend."""
