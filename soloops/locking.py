"""Row locks that say which rows: ``SELECT … FOR UPDATE OF`` where the database has it."""

from django.db import connections, router
from django.db.models import QuerySet


def lock_own_rows(queryset: QuerySet, *, skip_locked: bool = False) -> QuerySet:
    """``select_for_update`` of the queryset's own rows only, not the rows ``select_related``
    joins in (PostgreSQL, MySQL 8: ``FOR UPDATE OF``). MariaDB has no ``OF``: there the joined
    rows are locked too, which costs concurrency, never correctness. SQLite ignores it (one
    writer at a time). ``skip_locked``: rows another transaction holds are left out."""
    connection = connections[router.db_for_write(queryset.model)]
    if connection.features.has_select_for_update_of:
        return queryset.select_for_update(skip_locked=skip_locked, of=("self",))
    return queryset.select_for_update(skip_locked=skip_locked)
