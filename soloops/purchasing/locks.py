"""Serializing reorder decisions per supplier and per SKU.

A draft run reads "available + incoming" and then writes a line that changes "incoming". Two
runs doing that at once for the same SKU would each see the other's order missing and both
order the same need. So, before a run reads the figures it acts on, it takes a lock per
supplier it will write to (one draft per supplier: the second run extends the first's draft
instead of starting another) and per SKU it will order (one decision per need, whichever
supplier each run believes is the right one).

There is no row to lock for "this supplier's next draft" or "this SKU's need" (the policy
row is optional), so on PostgreSQL these are transaction-level advisory locks, released at
commit or rollback. Every caller takes all its keys at once, in ascending key order, so two
runs never deadlock. MySQL and MariaDB have
advisory locks only per session (``GET_LOCK``), which a rollback does not release; there the
rows themselves are locked (``SELECT … FOR UPDATE``: the suppliers, then the SKUs, each in id
order), released at commit or rollback like the rest. SQLite needs nothing: SoloOps opens
every SQLite transaction ``IMMEDIATE``, so writers already run one at a time and a run's reads
inside its transaction see every committed order.
"""

import hashlib
from collections.abc import Iterable

from django.db import connection


def _key(namespace: str, pk: int) -> int:
    digest = hashlib.blake2b(f"soloops.purchasing:{namespace}:{pk}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def lock_reorder(*, supplier_ids: Iterable[int], variant_ids: Iterable[int]) -> None:
    """Hold the reorder locks of these suppliers and SKUs until the transaction ends.

    Precondition: inside ``transaction.atomic()``; take every key in one call (a second call
    in the same transaction could wait on a run that waits on us)."""
    if not connection.in_atomic_block:
        raise RuntimeError("reorder locks are held until commit: call inside transaction.atomic")
    if connection.vendor == "mysql":
        _lock_rows_mysql(supplier_ids, variant_ids)
        return
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        {_key("supplier", pk) for pk in supplier_ids} | {_key("variant", pk) for pk in variant_ids}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _lock_rows_mysql(supplier_ids: Iterable[int], variant_ids: Iterable[int]) -> None:
    from soloops.purchasing.models import PurchaseOrder, PurchaseOrderLine

    # The catalog's tables, named through our foreign keys to them.
    supplier_table = PurchaseOrder._meta.get_field("supplier").related_model._meta.db_table
    variant_table = PurchaseOrderLine._meta.get_field("variant").related_model._meta.db_table
    with connection.cursor() as cursor:
        for table, ids in (
            (supplier_table, sorted(set(supplier_ids))),
            (variant_table, sorted(set(variant_ids))),
        ):
            if ids:
                marks = ", ".join(["%s"] * len(ids))
                cursor.execute(
                    f"SELECT id FROM {table} WHERE id IN ({marks}) ORDER BY id FOR UPDATE",  # noqa: S608
                    ids,
                )
