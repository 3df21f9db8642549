"""The Redis cache (core/cache.py) against a real Redis server: Django's behaviour, one client."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import pytest

from revmentor.core.cache import RedisCache, ReusingRedisCacheClient
from tests.redis_server import REDIS_URL, needs_redis

pytestmark = needs_redis


@pytest.fixture
def cache() -> Iterator[RedisCache]:
    prefix = f"revmentor-test-{secrets.token_hex(4)}"
    made = RedisCache(REDIS_URL, {"KEY_PREFIX": prefix})
    yield made
    client = made._cache.get_client(write=True)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_one_redis_client_serves_every_call(cache: RedisCache) -> None:
    inner = cache._cache
    assert isinstance(inner, ReusingRedisCacheClient)
    first = inner.get_client()
    assert inner.get_client("some key") is first
    assert inner.get_client(write=True) is first


def test_it_behaves_as_djangos_redis_cache(cache: RedisCache) -> None:
    assert cache.get("absent", "default") == "default"
    cache.set("a", {"kept": [1, 2]}, 30)
    assert cache.get("a") == {"kept": [1, 2]}
    assert cache.add("a", "other") is False
    assert cache.add("b", 5) is True
    assert cache.incr("b", 2) == 7
    cache.set_many({"c": "x", "d": "y"}, 30)
    assert cache.get_many(["a", "c", "d", "absent"]) == {"a": {"kept": [1, 2]}, "c": "x", "d": "y"}
    assert cache.has_key("c")
    cache.delete_many(["c", "d"])
    assert cache.get_many(["c", "d"]) == {}
    assert cache.delete("a") is True
    assert cache.get("a") is None


def test_threads_sharing_the_client_each_read_what_they_wrote(cache: RedisCache) -> None:
    errors: list[str] = []

    def work(n: int) -> None:
        for i in range(50):
            key = f"t{n}-{i}"
            cache.set(key, (n, i), 30)
            if cache.get(key) != (n, i):
                errors.append(key)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.get_many([f"t{n}-49" for n in range(8)]) == {f"t{n}-49": (n, 49) for n in range(8)}
