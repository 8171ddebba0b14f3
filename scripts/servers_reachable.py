"""Exit 0 when both the PostgreSQL and the AMQP URL given as arguments accept a TCP connection."""
import socket
import sys
from urllib.parse import urlparse

DEFAULT_PORTS = {"postgres": 5432, "postgresql": 5432, "amqp": 5672}


def reachable(url: str) -> bool:
    parts = urlparse(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(0 if all(reachable(url) for url in sys.argv[1:]) else 1)
