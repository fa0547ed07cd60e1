"""The SQLite backend queues a process's writers on a lock it always gives back."""

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
