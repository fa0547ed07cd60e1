"""The SQLite backend queues a process's writers on a lock it always gives back, and the
processes of a machine on a file lock beside the database."""

import fcntl
import os
import threading

import pytest
from django.db import connection, transaction

from soloops.sqlite.base import _lock_for

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


def file_lock_is_free() -> bool:
    """Asked through a descriptor of its own, as another process would ask."""
    fd = os.open(f"{connection.settings_dict['NAME']}-writelock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing gives back a lock taken through it
    return True


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_machine_write_lock_until_commit_or_rollback():
    # when a transaction runs, then commits
    with transaction.atomic():
        held_inside = not file_lock_is_free()
    after_commit = file_lock_is_free()

    # and another one fails and rolls back
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        1 / 0  # noqa: B018
    after_rollback = file_lock_is_free()

    # then another process could not have taken it inside either, only after
    assert held_inside
    assert after_commit
    assert after_rollback


@pytest.mark.django_db(transaction=True)
def test_a_file_lock_held_past_the_busy_timeout_leaves_the_wait_to_sqlite(monkeypatch):
    # given another process holding the file lock (and not SQLite's), and a short timeout
    from soloops.accounts.models import User

    other = os.open(f"{connection.settings_dict['NAME']}-writelock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: no test left it taken
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)
    try:
        # when this process writes
        with transaction.atomic():
            User.objects.create(username="past", email="past@example.com")
    finally:
        os.close(other)

    # then it went on to SQLite's own lock, which was free, and committed
    assert User.objects.filter(username="past").exists()
    assert lock_is_free() and file_lock_is_free()
