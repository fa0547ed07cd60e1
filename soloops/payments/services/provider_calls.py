"""The rules every provider call follows: outside a transaction, with a key derived from
(payment or refund, action), so repeating it never moves money twice."""

import uuid

from django.db import transaction

from soloops.payments.errors import PaymentErrorCode as Code
from soloops.payments.errors import ProviderUnavailableError
from soloops.payments.providers import ProviderUnavailable


def provider_key(uid: uuid.UUID, action: str) -> str:
    """The idempotency key of one action on one payment or refund, e.g.
    ``soloops:1b4e…:authorize``; the same on every retry of that action."""
    return f"soloops:{uid}:{action}"


def require_no_transaction(what: str) -> None:
    """Refuse to call a provider while a database transaction is open: a rollback after the
    call would forget money that moved, and the call would hold row locks for its whole
    round trip. The test case's own wrapping transaction does not count."""
    blocks = transaction.get_connection().atomic_blocks
    # Django marks the atomic blocks of its TestCase wrapper (the same exception it makes
    # for durable blocks).
    if any(not getattr(block, "_from_testcase", False) for block in blocks):
        raise RuntimeError(f"{what} calls a payment provider and must run outside a transaction")


def unavailable(e: ProviderUnavailable, *, retry: str, extra: dict) -> ProviderUnavailableError:
    return ProviderUnavailableError(
        Code.PROVIDER_UNAVAILABLE,
        f"{e}: the payment provider did not answer, so the outcome is unknown. {retry} "
        "It is safe: the provider sees the same idempotency key and acts at most once.",
        extra=extra,
    )
