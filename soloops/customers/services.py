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
