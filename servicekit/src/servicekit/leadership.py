"""Which replica of a service publishes its log: exactly one at a time.

Every replica runs the relay loop; only the holder of the service's lease
publishes, so the log goes out once and in order however many replicas run.
On PostgreSQL the lease is a session advisory lock: it is released by the
database itself when the holder's connection dies, and another replica takes
over at its next try. A SQLite store belongs to a single replica, which always
leads.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from typing import Protocol

import psycopg

log = logging.getLogger(__name__)


class Lease(Protocol):
    def hold(self) -> bool:
        """Keep or take the lease; True while this replica holds it."""

    def release(self) -> None: ...


class SoleReplica:
    """The only replica there can be (SQLite): it always holds the lease."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        pass


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from a name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresAdvisoryLease:
    """A session-level advisory lock on a dedicated connection."""

    def __init__(self, dsn: str, name: str, check_every: float = 1.0) -> None:
        self.dsn = dsn
        self.name = name
        self.key = lock_key(name)
        self.check_every = check_every
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._checked = 0.0

    def hold(self) -> bool:
        if self._connection is not None and not self._connection.closed:
            if time.monotonic() - self._checked < self.check_every:
                return True
            try:
                self._connection.execute("SELECT 1")
                self._checked = time.monotonic()
                return True
            except psycopg.Error:
                log.warning("lost the relay lease %s", self.name)
                self._close()
        return self._take()

    def _take(self) -> bool:
        try:
            connection = psycopg.connect(self.dsn, autocommit=True, connect_timeout=5)
        except psycopg.Error:
            return False
        row = connection.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        if not row or not row[0]:
            connection.close()
            return False
        log.info("took the relay lease %s", self.name)
        self._connection = connection
        self._checked = time.monotonic()
        return True

    def release(self) -> None:
        if self._connection is not None and not self._connection.closed:
            with contextlib.suppress(psycopg.Error):
                self._connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self._close()

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
