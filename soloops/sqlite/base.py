"""Django's SQLite backend, with the threads and processes of a machine queued for the
write lock.

SQLite has one writer at a time. A transaction that finds the lock taken waits in SQLite's
busy handler, which sleeps and retries (sleeps growing to 100 ms): under eight threads of one
gunicorn worker, an order waited up to seconds for a lock that was free most of that time.
Here every transaction (they all start ``BEGIN IMMEDIATE``, settings.py) first takes a lock
of this process, so the threads of a process queue in order; then the process takes an
advisory lock on a file beside the database (``<database>-writelock``, ``flock``), so the
processes of a machine (two workers, web and worker) take turns too. Waiting for that file
lock polls every millisecond or two, where SQLite's busy handler sleeps up to 100 ms a try: a
worker waiting for another's few-millisecond transaction used to sleep through most of the
lock's free time. A transaction that cannot get either lock within the busy timeout goes on
to SQLite's own wait, as before: the locks only ever shorten waits, and SQLite's own lock
still decides who writes (a process that does not take the file lock is merely slower).
"""

import fcntl
import os
import threading
import time

from django.db.backends.sqlite3 import base

_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()
# (pid, database) → the lock file's descriptor: a forked child opens its own, since a flock
# held through a descriptor inherited across fork would be held by both processes.
_FILES: dict[tuple[int, str], int] = {}
_POLL_FIRST, _POLL_MAX = 0.0002, 0.002  # seconds between tries of a taken file lock


def _lock_for(name: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(str(name), threading.Lock())


def _lock_file_for(name: str) -> int | None:
    """The descriptor of the database's lock file, or None for a database in memory."""
    name = str(name)
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return None
    key = (os.getpid(), name)
    with _LOCKS_GUARD:
        fd = _FILES.get(key)
        if fd is None:
            fd = _FILES[key] = os.open(f"{name}-writelock", os.O_RDWR | os.O_CREAT, 0o600)
        return fd


def _take_file_lock(fd: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    pause = _POLL_FIRST
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
        time.sleep(pause)
        pause = min(pause * 2, _POLL_MAX)


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False
    _holds_file_lock: int | None = None

    def _start_transaction_under_autocommit(self):
        name = self.settings_dict["NAME"]
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        started = time.monotonic()
        self._holds_write_lock = _lock_for(name).acquire(timeout=timeout)
        try:
            fd = _lock_file_for(name) if self._holds_write_lock else None
            left = timeout - (time.monotonic() - started)
            if fd is not None and _take_file_lock(fd, left):
                self._holds_file_lock = fd
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        if self._holds_file_lock is not None:
            fd, self._holds_file_lock = self._holds_file_lock, None
            fcntl.flock(fd, fcntl.LOCK_UN)
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
