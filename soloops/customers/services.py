import re

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.customers.models import Customer
from soloops.errors import InvalidInput
from soloops.events.services import event_emit

TAG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")


def customer_for_order(
    *,
    email: str,
    name: str,
    language: str,
    shipping_address: dict,
    billing_address: dict,
    actor: Actor,
) -> Customer:
    """The customer with this email, created (with its event) on their first order.

    Precondition: the caller holds the intake transaction.
    """
    email = email.strip().lower()
    # get_or_create inserts in a savepoint and, when a concurrent first order from the same
    # email commits the row first (unique email), reads that row instead of failing the order.
    customer, created = Customer.objects.get_or_create(
        email=email,
        defaults={
            "name": name,
            "language": language,
            "shipping_address": shipping_address,
            "billing_address": billing_address,
        },
    )
    if not created:
        return customer
    event_emit(
        type="customer.created",
        subject=customer,
        payload={"email": email, "name": name},
        actor=actor,
    )
    return customer


def customer_tag(*, customer: Customer, tag: str, actor: Actor, remove: bool = False) -> bool:
    """Give the customer ``tag`` (or take it away with ``remove``), with its event; returns
    whether anything changed (asking for what is already so changes nothing, emits nothing)."""
    tag = tag.strip().lower()
    if not TAG.fullmatch(tag):
        raise InvalidInput(
            "invalid_tag",
            "a tag is 1 to 40 letters, digits, '-' or '_', starting with a letter or digit",
            field="tag",
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if (tag in customer.tags) != remove:
            return False
        tags = [t for t in customer.tags if t != tag] if remove else sorted([*customer.tags, tag])
        customer.tags = tags
        customer.save(update_fields=["tags", "updated_at"])
        event_emit(
            type="customer.untagged" if remove else "customer.tagged",
            subject=customer,
            payload={"email": customer.email, "tag": tag, "tags": tags},
            actor=actor,
        )
    return True


CUSTOMER_FIELDS = {"name", "language", "shipping_address"}


def customer_upsert(*, email: str, actor: Actor, **fields) -> tuple[Customer, list[str]]:
    """The customer with this email created (``customer.created``) or its given fields changed
    (``customer.updated`` with the new values); returns it and the fields that changed
    ("email" when it was created). Asking for what is already so changes nothing and emits
    nothing, so importing the same customer list twice is a no-op."""
    unknown = set(fields) - CUSTOMER_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidInput("invalid_input", f"{name} cannot be set here", field=name)
    email = email.strip().lower()
    if not email:
        raise InvalidInput("invalid_email", "a customer needs an email", field="email")
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(email=email).first()
        if customer is None:
            customer = Customer.objects.create(email=email, **fields)
            event_emit(
                type="customer.created",
                subject=customer,
                payload={"email": email, "name": customer.name},
                actor=actor,
            )
            return customer, ["email"]
        changed = [k for k, v in fields.items() if getattr(customer, k) != v]
        if changed:
            for k in changed:
                setattr(customer, k, fields[k])
            customer.save(update_fields=[*changed, "updated_at"])
            event_emit(
                type="customer.updated",
                subject=customer,
                payload={"email": email, **{k: fields[k] for k in changed}},
                actor=actor,
            )
    return customer, changed


def customers_create_many(*, people: dict[str, str], actor: Actor) -> dict[str, Customer]:
    """Customers for these emails (→ name), the existing ones found and the others created
    in one INSERT with their ``customer.created`` events: a chunk of an order-history import.
    Precondition: the caller holds a transaction (the import's)."""
    from soloops.bulk_insert import insert_rows
    from soloops.events.services import EventSpec, events_emit

    people = {email.strip().lower(): name for email, name in people.items()}
    found = {c.email: c for c in Customer.objects.filter(email__in=list(people))}
    new = [email for email in people if email not in found]
    if new:
        ids = insert_rows(
            Customer, ("email", "name"), [(e, people[e]) for e in new], return_ids=True
        )
        events_emit(
            specs=[
                EventSpec(
                    "customer.created", ("customers.customer", pk), {"email": e, "name": people[e]}
                )
                for e, pk in zip(new, ids, strict=True)
            ],
            actor=actor,
        )
        found |= {c.email: c for c in Customer.objects.filter(pk__in=ids)}
    return found
