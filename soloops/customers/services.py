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
    customer = Customer.objects.filter(email=email).first()
    if customer is not None:
        return customer
    customer = Customer.objects.create(
        email=email,
        name=name,
        language=language,
        shipping_address=shipping_address,
        billing_address=billing_address,
    )
    event_emit(
        type="customer.created",
        subject=customer,
        payload={"email": email, "name": name},
        actor=actor,
    )
    return customer
