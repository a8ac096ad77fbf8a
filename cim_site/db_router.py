"""Reads of reports and exports may go to a read replica (``DATABASE_REPLICA_URL``).

Only code that asks for it reads from the replica, inside ``with use_replica():``; everything
else — and every write — stays on the primary, so a request never reads its own write from a copy
that lags. Without a replica configured, ``use_replica()`` changes nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("cim_use_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def use_replica() -> Iterator[str]:
    """Inside the block, reads go to the replica if there is one. Yields the alias used."""
    token = _reading_replica.set(True)
    try:
        yield REPLICA if replica_configured() else "default"
    finally:
        _reading_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading_replica.get() and replica_configured():
            return REPLICA
        return "default"

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: objects from either may be related.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica receives the schema by replication, never by migrate.
        return db != REPLICA


def reads_replica(func: Any) -> Any:
    """Decorator for report/export selectors that return evaluated data (lists, dicts): the whole
    call reads from the replica when there is one."""
    from functools import wraps

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with use_replica():
            return func(*args, **kwargs)

    return wrapper
