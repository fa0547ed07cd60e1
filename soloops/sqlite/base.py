"""Django's SQLite backend, with the threads of one process queued for the write lock.

SQLite has one writer at a time. A transaction that finds the lock taken waits in SQLite's
busy handler, which sleeps and retries (sleeps growing to 100 ms): under eight threads of one
gunicorn worker, an order waited up to seconds for a lock that was free most of that time.
Here every transaction (they all start ``BEGIN IMMEDIATE``, settings.py) first takes a lock
of this process, so the threads of a process queue in order and only the few processes of a
machine meet in the busy handler. A thread that cannot get it within the busy timeout goes on
to SQLite's own wait, as before: the lock only ever shortens waits.
"""

import threading
import time
from functools import cache

from django.db.backends.sqlite3 import base

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(name: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(name), threading.Lock())


@cache
def _wait_counters():
    """Seconds write transactions waited for the lock, by where: ``process`` (queued behind
    this process's other threads) and ``sqlite`` (in SQLite's busy handler, behind another
    process: the BEGIN IMMEDIATE). On ``/metrics`` with the transactions counted, so the
    owner sees what waiting on one writer costs; ``bench/orders.py`` prints them. Made on
    first use, in the web worker: prometheus-client picks its multiprocess mode when first
    imported, after ``soloops web`` has set its directory."""
    from prometheus_client import Counter

    waited = Counter(
        "soloops_sqlite_write_lock_wait_seconds",
        "Seconds SQLite write transactions waited for the write lock, by where they waited.",
        ["where"],
    )
    started = Counter(
        "soloops_sqlite_write_transactions", "SQLite write transactions started (BEGIN)."
    )
    return waited.labels(where="process"), waited.labels(where="sqlite"), started


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        lock = _lock_for(self.settings_dict["NAME"])
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        queued = time.perf_counter()
        self._holds_write_lock = lock.acquire(timeout=timeout)
        begun = time.perf_counter()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise
        in_process, in_sqlite, transactions = _wait_counters()
        in_process.inc(begun - queued)
        in_sqlite.inc(time.perf_counter() - begun)
        transactions.inc()

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            _lock_for(self.settings_dict["NAME"]).release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
