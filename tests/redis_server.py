"""The local Redis server some tests use when it is running (CI machines start one)."""

from __future__ import annotations

import socket

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_running() -> bool:
    """Whether a Redis server answers on 127.0.0.1:6379."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(
    not redis_running(), reason="needs a Redis server on 127.0.0.1:6379"
)
