"""Row locks that say which rows (``SELECT … FOR UPDATE OF`` where the database has it), and
telling a transaction the database rolled back to break a deadlock."""

from django.db import OperationalError, connections, router
from django.db.models import QuerySet

# MySQL/MariaDB ER_LOCK_DEADLOCK; PostgreSQL's SQLSTATE deadlock_detected.
_MYSQL_DEADLOCK = 1213
_POSTGRES_DEADLOCK = "40P01"


def is_deadlock(error: Exception) -> bool:
    """Whether ``error`` says the database chose this transaction as a deadlock's victim and
    rolled it back: the caller may run the whole transaction again (MySQL's manual asks
    callers to expect this; its gap locks make it possible where PostgreSQL has none)."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == _POSTGRES_DEADLOCK or (
        bool(error.args) and error.args[0] == _MYSQL_DEADLOCK
    )


def lock_own_rows(queryset: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    """``select_for_update`` of the queryset's own rows only, not the rows ``select_related``
    joins in (PostgreSQL, MySQL 8: ``FOR UPDATE OF``). MariaDB has no ``OF``: there the joined
    rows are locked too, which costs concurrency, never correctness. SQLite ignores it (one
    writer at a time). ``skip_locked``: rows another transaction holds are left out."""
    connection = connections[router.db_for_write(queryset.model)]
    if connection.features.has_select_for_update_of:
        return queryset.select_for_update(skip_locked=skip_locked, of=("self",))
    return queryset.select_for_update(skip_locked=skip_locked)
