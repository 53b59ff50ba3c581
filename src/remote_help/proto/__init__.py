"""Sans-IO protocol cores: bytes in, events out. No sockets, no asyncio, no clocks."""
