"""The cache never fails a request (DESIGN §5: no request waits on or fails for the broker/cache).

Two layers, so a cache backend we did not foresee is covered too:

- ``ResilientRedisCache``: the Redis cache backend with short socket timeouts and no retries
  (a Redis that hangs costs one short timeout, the same as one that refuses), and every
  connection error or timeout answered from a per-process local cache instead. After a failure
  Redis is left alone for a few seconds (a breaker), so a hanging Redis does not cost every
  request a timeout. Rate limits (DRF throttles, django-ratelimit) then count per process: a
  local limit, never a 500 and never a refusal of everyone.
- ``FailOpenAnonRateThrottle`` / ``FailOpenUserRateThrottle``: DRF throttles that allow the
  request (and log a warning) when the cache raises anyway.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

log = logging.getLogger(__name__)

# How long Redis is left alone after it failed, in seconds.
BREAKER_SECONDS = 5.0


class ResilientRedisCache(RedisCache):
    """RedisCache that answers from a local cache while Redis is unreachable or hanging."""

    _wrapped = (
        "add",
        "get",
        "set",
        "touch",
        "delete",
        "get_many",
        "has_key",
        "incr",
        "set_many",
        "delete_many",
        "clear",
    )

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        # redis-py retries a failed command by default, multiplying the wait: once is enough.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        options.setdefault("retry_on_error", [])
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._errors = (redis.exceptions.RedisError, OSError)
        self._local = LocMemCache(f"resilient-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return getattr(self._local, name)(*args, **kwargs)
        try:
            return getattr(super(), name)(*args, **kwargs)
        except self._errors as exc:
            # A missing key for incr is a ValueError and passes through, as Django promises.
            with self._lock:
                first = time.monotonic() >= self._down_until
                self._down_until = time.monotonic() + BREAKER_SECONDS
            if first:
                log.warning("Cache unreachable (%s); using a local cache for a while", exc)
            return getattr(self._local, name)(*args, **kwargs)

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        return self._call("clear")


class _FailOpen:
    """Mixin: a throttle whose cache raises lets the request through."""

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except Exception as exc:  # noqa: BLE001 - any cache failure: fail open
            log.warning("Throttle %s could not read the cache (%s); allowing", type(self), exc)
            return True

    def wait(self) -> float | None:
        try:
            return super().wait()  # type: ignore[misc]
        except Exception:  # noqa: BLE001
            return None


class FailOpenAnonRateThrottle(_FailOpen, AnonRateThrottle):
    pass


class FailOpenUserRateThrottle(_FailOpen, UserRateThrottle):
    pass
