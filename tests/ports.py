"""A free TCP port on 127.0.0.1 for a server a test starts, chosen where the kernel never hands out ports.

Binding port 0 returns a port from the ephemeral range, the same range the kernel draws from for every
outgoing connection. Between the moment a test learns the port and the moment its server binds it, a
process that opens two dozen database connections can take that very port for one of them, and the server
fails with "address already in use". A port below the ephemeral range is only ever taken by a listener.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 10_000  # well above the ports that well-known services listen on


def _ephemeral_start() -> int:
    try:
        return int(_RANGE_FILE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default when the range cannot be read


def free_port() -> int:
    """A port nothing listens on now, outside the ephemeral range when the system leaves room below it."""
    start = _ephemeral_start()
    candidates = random.sample(range(_LOWEST, start), k=min(200, start - _LOWEST)) if start > _LOWEST else []
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:  # no room below the ephemeral range: the kernel's pick, racy as it is
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
