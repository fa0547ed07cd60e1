"""Event types the customers app emits (subject: the ``customers.customer``), and what it does
when an order comes in or stops counting: refresh the customer's totals. The handlers read only
the event's payload and the registry (soloops.customers.registry) — never the orders app."""

from django.db import transaction
from pydantic import Field

from soloops.accounts.actors import Actor
from soloops.customers.models import Customer
from soloops.customers.registry import customer_data_sources
from soloops.customers.selectors import customer_segments
from soloops.customers.services import customer_segments_refresh, customer_stats_refresh
from soloops.events.catalogue import EventType, Payload, declare


class CustomerCreated(Payload):
    email: str
    name: str
    external_id: str | None = None  # another platform's id for them, when an import gave one


class Tagged(Payload):
    email: str
    tag: str
    tags: list[str]


class Updated(Payload):
    email: str
    changes: dict


class ConsentChanged(Payload):
    email: str
    consent: bool
    source: str


class NoteAdded(Payload):
    email: str
    note_id: int


class Merged(Payload):
    email: str
    merged_id: int
    merged_email: str
    moved: dict


class Exported(Payload):
    customer_id: int
    sections: list[str]


class SegmentChanged(Payload):
    email: str
    from_: str = Field(alias="from")
    to: str
    recency: int
    frequency: int
    monetary: int


class LtvFitted(Payload):
    buyers: int
    repeat_buyers: int
    reason: str


class SegmentSaved(Payload):
    key: str
    name: str
    rules: dict
    created: bool


class SegmentDeleted(Payload):
    key: str


class Erased(Payload):
    customer_id: int
    erased: dict


EVENTS = declare(
    EventType(
        "customer.segment_changed",
        SegmentChanged,
        "a customer moved to another RFM segment (from, to: champions … lost)",
        "customers.customer",
    ),
    EventType(
        "customer.ltv_fitted",
        LtvFitted,
        "every customer's predicted value was fitted again (reason: why not, if not)",
        "customers.ltvfit",
    ),
    EventType(
        "segment.saved", SegmentSaved, "a saved segment was created or changed", "customers.segment"
    ),
    EventType(
        "segment.deleted", SegmentDeleted, "a saved segment was deleted", "customers.segment"
    ),
    EventType("customer.created", CustomerCreated, "a new customer", "customers.customer"),
    EventType("customer.tagged", Tagged, "a tag was added to a customer", "customers.customer"),
    EventType(
        "customer.untagged", Tagged, "a tag was removed from a customer", "customers.customer"
    ),
    EventType(
        "customer.updated",
        Updated,
        "a customer's contact data changed: {field: {from, to}}",
        "customers.customer",
    ),
    EventType(
        "customer.consent_changed",
        ConsentChanged,
        "a customer gave or withdrew marketing consent (source: how)",
        "customers.customer",
    ),
    EventType(
        "customer.note_added", NoteAdded, "a note was kept about a customer", "customers.customer"
    ),
    EventType(
        "customer.merged",
        Merged,
        "another record of the same person was merged into this customer",
        "customers.customer",
    ),
    EventType(
        "customer.exported",
        Exported,
        "everything about a customer was exported (an access request)",
        "customers.customer",
    ),
    EventType(
        "customer.erased",
        Erased,
        "a customer's personal data was erased on request (orders and money kept)",
        "customers.customer",
    ),
)


def _refresh_for_order(event) -> None:
    """An order came in, was cancelled or rejected: its customer's totals change."""
    payload = event.payload or {}
    ids: set[int] = set()
    email = (payload.get("email") or "").strip().lower()
    if email:
        ids.update(Customer.objects.filter(email=email).values_list("pk", flat=True))
    number = payload.get("number") or ""
    if number:
        for source in customer_data_sources():
            if source.find is not None:
                ids.update(source.find(number))
    # A merged-away email stands for its keeper.
    ids.update(
        Customer.objects.filter(pk__in=ids, merged_into__isnull=False).values_list(
            "merged_into", flat=True
        )
    )
    if ids:
        customer_stats_refresh(customer_ids=ids)
        customer_segments_refresh(customer_ids=ids, actor=SEGMENTS)


SEGMENTS = Actor.system("segments")


def _refresh_after_history(event) -> None:
    """A file of past orders came in: every customer's totals are recomputed on the worker, a
    batch per transaction, instead of in the import (which stays fast) or in this handler's
    one transaction (which would hold the database for the whole recount)."""
    if (event.payload or {}).get("entity") != "orders":
        return
    from soloops.customers.tasks import customer_stats_refresh_task

    transaction.on_commit(customer_stats_refresh_task.enqueue)


def customer_context(customer_id: str) -> dict:
    """What a flow sees of a customer (the subject of customer.* events)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return {}
    return {
        "customer": {
            "id": customer.pk,
            "email": customer.email,
            "name": customer.name,
            "language": customer.language,
            "orders_count": customer.orders_count,
            "total_spent": customer.total_spent,
            "tags": list(customer.tags),
            "segment": customer.segment,
            "segments": customer_segments(customer=customer),
            "marketing_consent": customer.marketing_consent,
        }
    }


CONTEXT = {"customers.customer": customer_context}


HANDLERS = {
    "order.placed": [_refresh_for_order],
    "order.cancelled": [_refresh_for_order],
    "order.rejected": [_refresh_for_order],
    "import.completed": [_refresh_after_history],
}
