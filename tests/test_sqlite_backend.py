"""The SQLite backend queues a process's writers on a lock it always gives back."""

import sqlite3
import sys
import threading
import time

import pytest
from django.db import connection, transaction
from prometheus_client import REGISTRY

from soloops.sqlite.base import _lock_for
from tests.conftest import wait_until

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite backend's own lock"
)


def lock_is_free() -> bool:
    lock = _lock_for(connection.settings_dict["NAME"])
    if lock.acquire(blocking=False):
        lock.release()
        return True
    return False


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_process_write_lock_until_commit_or_rollback():
    # when a transaction runs, then commits
    with transaction.atomic():
        held_inside = not lock_is_free()
    after_commit = lock_is_free()

    # and another one fails and rolls back
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        1 / 0  # noqa: B018
    after_rollback = lock_is_free()

    # then the lock was held only inside each
    assert held_inside
    assert after_commit
    assert after_rollback


@pytest.mark.django_db(transaction=True)
def test_writers_in_threads_queue_and_all_commit():
    # given eight threads, each writing ten rows in their own transactions
    from soloops.accounts.models import User

    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    User.objects.create(username=f"t{n}-{i}", email=f"t{n}-{i}@example.com")
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    # when they run at once
    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then every transaction committed, and the lock is free again
    assert errors == []
    assert User.objects.filter(username__startswith="t").count() == 80
    assert lock_is_free()


# --- the time writers wait for the lock, on /metrics ----------------------------------------


def waited(where: str) -> float:
    return (
        REGISTRY.get_sample_value("soloops_sqlite_write_lock_wait_seconds_total", {"where": where})
        or 0.0
    )


def transactions() -> float:
    return REGISTRY.get_sample_value("soloops_sqlite_write_transactions_total") or 0.0


def blocked_at(thread: threading.Thread, filename: str, *, on_top: bool) -> bool:
    """Whether ``thread`` is inside ``_start_transaction_under_autocommit`` of ``filename``:
    ours on top of its stack is the wait for the process lock (a C call); Django's anywhere
    is its BEGIN IMMEDIATE, SQLite's busy wait."""
    frame = sys._current_frames().get(thread.ident)
    stack = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    return any(
        f.f_code.co_name == "_start_transaction_under_autocommit"
        and f.f_code.co_filename.endswith(filename)
        for f in (stack[:1] if on_top else stack)
    )


def write_in_thread() -> threading.Thread:
    from soloops.accounts.models import User

    def write() -> None:
        try:
            with transaction.atomic():
                User.objects.create(username="waiter", email="waiter@example.com")
        finally:
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_wait_behind_a_thread_of_this_process_counts_as_queued_in_the_process():
    # given a transaction of this thread holding the write lock
    before = waited("process"), waited("sqlite"), transactions()
    with transaction.atomic():
        # when another thread's transaction starts and waits for it
        thread = write_in_thread()
        wait_until(lambda: blocked_at(thread, "soloops/sqlite/base.py", on_top=True), what="queued")
        blocked = time.perf_counter()
    released = time.perf_counter()
    thread.join(timeout=60)

    # then that thread's wait (at least as long as this one held on after seeing it wait) is
    # counted as queued in the process, and both transactions are counted
    assert waited("process") - before[0] >= released - blocked
    assert transactions() - before[2] == 2


@pytest.mark.django_db(transaction=True)
def test_a_wait_behind_another_process_counts_as_waiting_in_sqlite():
    # given another connection to the file (another process, as far as SQLite can tell)
    # holding the write lock
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    before = waited("sqlite")
    try:
        other.execute("BEGIN IMMEDIATE")
        # when a transaction here starts: it gets the process lock, then waits in SQLite
        thread = write_in_thread()
        wait_until(
            lambda: blocked_at(thread, "django/db/backends/sqlite3/base.py", on_top=False),
            what="in BEGIN",
        )
        blocked = time.perf_counter()
        other.execute("COMMIT")
        released = time.perf_counter()
    finally:
        other.close()
    thread.join(timeout=60)

    # then its wait is counted as spent in SQLite's busy handler
    assert waited("sqlite") - before >= released - blocked
    from soloops.accounts.models import User

    assert User.objects.filter(username="waiter").exists()
