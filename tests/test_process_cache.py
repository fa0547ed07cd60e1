"""Per-process copies of rarely changing rows: kept between reads, dropped when the stamp in the
shared cache moves (another process changed the rows), and at once in the process that did."""

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from soloops.process_cache import Stamped


class Loads:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


@pytest.fixture
def stamped():
    loads = Loads()
    value = Stamped("test-value", loads)
    yield value, loads
    value.forget_here()


@override_settings(PROCESS_CACHE_RECHECK_SECONDS=3600)
def test_reads_within_the_recheck_interval_keep_the_copy(stamped):
    value, loads = stamped
    # given a first read
    assert value.get() == 1

    # when another process moves the stamp, inside this process's recheck interval
    cache.set(value.key, "moved by another process", timeout=None)

    # then the copy is kept (the stamp is not read again yet)
    assert value.get() == 1
    assert loads.count == 1


@override_settings(PROCESS_CACHE_RECHECK_SECONDS=0)
def test_a_moved_or_vanished_stamp_reloads(stamped):
    value, _ = stamped
    # given a copy read twice against the same stamp
    assert value.get() == 1
    assert value.get() == 1

    # when another process moves the stamp, then when the cache is emptied
    cache.set(value.key, "moved by another process", timeout=None)
    after_move = value.get()
    cache.clear()
    after_clear = value.get()

    # then each time the rows are read again
    assert (after_move, after_clear) == (2, 3)


@pytest.mark.django_db
@override_settings(PROCESS_CACHE_RECHECK_SECONDS=3600)
def test_the_writer_forgets_at_once_and_moves_the_stamp_after_commit(
    stamped, django_capture_on_commit_callbacks
):
    value, _ = stamped
    assert value.get() == 1
    before = cache.get(value.key)

    # when a service marks it changed in its transaction
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        value.changed()
        inside = value.get()  # a read later in the same transaction
        stamp_inside = cache.get(value.key)
        value.get()
    after_commit = value.get()

    # then this process read it again at once, and again after commit; other processes see
    # the stamp move twice (now and after commit)
    assert inside == 2
    assert after_commit == 3
    assert before != stamp_inside != cache.get(value.key)
