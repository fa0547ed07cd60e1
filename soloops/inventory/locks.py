"""The one place that changes stock rows, and the order it locks them in.

``apply_deltas`` changes many stock rows in one statement, only where the result keeps
``0 <= reserved <= on_hand``; rows that would break it are left alone and not returned.
It locks rows in primary-key order (PostgreSQL: a ``FOR UPDATE`` CTE ordered by id; MySQL and
MariaDB: ``SELECT … ORDER BY id FOR UPDATE`` first; SQLite has one writer at a time), so two
orders for the same SKUs in opposite line order never deadlock. Callers hold a transaction
and should call it late, just before commit, so the hot rows stay locked as briefly as
possible.
"""

from django.db import connection
from django.utils import timezone

from soloops.inventory.models import StockLevel

TABLE = StockLevel._meta.db_table


def apply_deltas(deltas: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """``{stock_id: (on_hand delta, reserved delta)}`` → ``{stock_id: (on_hand, reserved)}``
    for the rows changed. Precondition: the caller is inside ``transaction.atomic()``."""
    if not deltas:
        return {}
    if connection.vendor == "mysql":
        return _apply_deltas_mysql(deltas)
    ids = sorted(deltas)
    on_hand_case = "CASE id " + " ".join("WHEN %s THEN %s" for _ in ids) + " END"
    reserved_case = on_hand_case
    on_hand_params = [v for i in ids for v in (i, deltas[i][0])]
    reserved_params = [v for i in ids for v in (i, deltas[i][1])]
    id_list = ", ".join("%s" for _ in ids)
    if connection.vendor == "postgresql":
        prefix = (
            f"WITH locked AS (SELECT id FROM {TABLE} WHERE id IN ({id_list}) "  # noqa: S608
            "ORDER BY id FOR UPDATE) "
        )
        prefix_params, target, target_params = ids, "id IN (SELECT id FROM locked)", []
    else:
        prefix, prefix_params, target, target_params = "", [], f"id IN ({id_list})", ids
    # Only placeholders and our own table name are formatted in; values go in ``params``.
    sql = (
        f"{prefix}UPDATE {TABLE} SET "  # noqa: S608
        f"on_hand = on_hand + {on_hand_case}, "
        f"reserved = reserved + {reserved_case}, "
        "updated_at = %s "
        f"WHERE {target} "
        f"AND reserved + {reserved_case} >= 0 "
        f"AND on_hand + {on_hand_case} >= reserved + {reserved_case} "
        "RETURNING id, on_hand, reserved"
    )
    params = [
        *prefix_params,
        *on_hand_params,
        *reserved_params,
        timezone.now(),
        *target_params,
        *reserved_params,
        *on_hand_params,
        *reserved_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def _apply_deltas_mysql(deltas: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """MySQL and MariaDB have no ``UPDATE … RETURNING``: lock the rows in id order
    (``SELECT … FOR UPDATE``), decide which keep ``0 <= reserved <= on_hand``, and update just
    those, in one statement. The rows stay locked, so what is returned is what is stored."""
    ids = sorted(deltas)
    id_list = ", ".join("%s" for _ in ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, on_hand, reserved FROM {TABLE} WHERE id IN ({id_list}) "  # noqa: S608
            "ORDER BY id FOR UPDATE",
            ids,
        )
        changed = {}
        for pk, on_hand, reserved in cursor.fetchall():
            new_on_hand, new_reserved = on_hand + deltas[pk][0], reserved + deltas[pk][1]
            if 0 <= new_reserved <= new_on_hand:
                changed[pk] = (new_on_hand, new_reserved)
        if changed:
            rows = sorted(changed)
            case = "CASE id " + " ".join("WHEN %s THEN %s" for _ in rows) + " END"
            marks = ", ".join("%s" for _ in rows)
            cursor.execute(
                f"UPDATE {TABLE} SET on_hand = {case}, reserved = {case}, "  # noqa: S608
                f"updated_at = %s WHERE id IN ({marks})",
                [
                    *(v for pk in rows for v in (pk, changed[pk][0])),
                    *(v for pk in rows for v in (pk, changed[pk][1])),
                    timezone.now(),
                    *rows,
                ],
            )
    return changed
