"""``Idempotency-Key``: a caller that retries a request (a lost answer, a timeout) sends the same
key, and gets what the first request created instead of a second order, shipment, payment or
refund. The same key with a different request is refused, naming the header.

A model that takes part has two columns: ``idempotency_key`` (unique; null when no key was sent)
and ``request_hash`` (``hash_request`` of what the request asked for). Its service hashes the
request, answers a ``replay`` if there is one, and otherwise creates the row with both columns;
a concurrent copy of the request loses on the unique key (IntegrityError) and answers the
``replay`` of the winner.
"""

import hashlib
import json

from django.db.models import Model, QuerySet

from soloops.errors import InvalidInput

KEY_REUSED = "idempotency_key_reused"


def hash_request(body: dict) -> str:
    """The SHA-256 of ``body`` as JSON with sorted keys; values JSON has no type for (dates,
    decimals) are written as their ``str``."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay[M: Model](queryset: QuerySet[M], *, key: str, request_hash: str) -> M | None:
    """The row of ``queryset`` that an earlier request with ``key`` created, or None.

    Raises InvalidInput (``idempotency_key_reused``, field ``Idempotency-Key``) when that
    request asked for something else. ``queryset`` carries the caller's select_related/defer.
    """
    existing = queryset.filter(idempotency_key=key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise InvalidInput(
            KEY_REUSED,
            "this Idempotency-Key was already used with a different request",
            field="Idempotency-Key",
        )
    return existing
