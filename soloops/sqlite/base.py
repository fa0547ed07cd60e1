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

from django.db.backends.sqlite3 import base

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(name: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(name), threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        lock = _lock_for(self.settings_dict["NAME"])
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        self._holds_write_lock = lock.acquire(timeout=timeout)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

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
