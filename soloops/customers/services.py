from soloops.accounts.actors import Actor
from soloops.automation.services import event_emit
from soloops.customers.models import Customer


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
