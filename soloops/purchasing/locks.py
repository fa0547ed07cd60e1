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
runs never deadlock. SQLite needs nothing: SoloOps opens every SQLite transaction
``IMMEDIATE``, so writers already run one at a time and a run's reads inside its transaction
see every committed order.
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
    if connection.vendor != "postgresql":
        return
    keys = sorted(
        {_key("supplier", pk) for pk in supplier_ids} | {_key("variant", pk) for pk in variant_ids}
    )
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
