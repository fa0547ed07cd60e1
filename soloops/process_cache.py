"""Rarely changing reads kept in each process's memory, correct across processes.

Every request needs the shop profile, every order the review policy and the rate tables, every
API call its token. Reading them from the database (or the file cache) each time was a third
of an order's time. A ``Stamped`` value lives in the process; a version stamp in the shared
cache (files under var/, or Redis) says when it changed:

- a read re-checks the stamp at most once a second (``SOLOOPS_PROCESS_CACHE_RECHECK``): one
  small cache read per second per process, not one per request (the tests set 0: every read
  checks, so a test that writes rows and clears the cache sees them at once);
- the service that changes the rows calls ``changed()`` in its transaction and again after
  commit: this process forgets at once, every other one within a second;
- a stamp that vanished (the cache was cleared or culled) counts as a change, and a copy
  older than ``MAX_AGE_SECONDS`` is reloaded anyway: rows written some other way (a restored
  backup, the shell, a transaction that changed and then rolled back) are the worst case, for
  a minute, as with the file cache before.
"""

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

MAX_AGE_SECONDS = 60.0

_ALL: list["Stamped"] = []


class Stamped[T]:
    """One value per process, loaded by ``load()`` and reloaded when its stamp moves."""

    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.key = f"soloops:stamp:{name}"
        self.load = load
        # (stamp, checked at, loaded at, value), replaced whole: threads read it without a lock
        self._state: tuple[str, float, float, T] | None = None
        _ALL.append(self)

    def get(self) -> T:
        state = self._state
        now = time.monotonic()
        if state is not None and now - state[1] < settings.PROCESS_CACHE_RECHECK_SECONDS:
            return state[3]
        stamp = self._stamp()
        if state is not None and state[0] == stamp and now - state[2] < MAX_AGE_SECONDS:
            self._state = (stamp, now, state[2], state[3])
            return state[3]
        value = self.load()  # after reading the stamp: a change committed meanwhile moves it
        self._state = (stamp, now, now, value)
        return value

    def _stamp(self) -> str:
        stamp = cache.get(self.key)
        if stamp is None:
            cache.add(self.key, uuid.uuid4().hex, timeout=None)
            stamp = cache.get(self.key) or ""
        return stamp

    def changed(self) -> None:
        """Call inside the writing transaction: forgets now (for reads later in it) and after
        commit (for any process that read the old rows meanwhile)."""
        self.forget_everywhere()
        transaction.on_commit(self.forget_everywhere)

    def forget_everywhere(self) -> None:
        self._state = None
        cache.set(self.key, uuid.uuid4().hex, timeout=None)

    def forget_here(self) -> None:
        self._state = None


def forget_all_here() -> None:
    """Drop every value this process holds (tests: the database rolled back under them)."""
    for stamped in _ALL:
        stamped.forget_here()
