"""Event types the customers app emits (subject: the ``customers.customer``)."""

from soloops.events.catalogue import EventType, Payload, declare


class CustomerCreated(Payload):
    email: str
    name: str


class CustomerUpdated(Payload):
    """The email, and each changed field's new value (name, language, shipping_address)."""

    email: str


class Tagged(Payload):
    email: str
    tag: str
    tags: list[str]


EVENTS = declare(
    EventType("customer.created", CustomerCreated, "a new customer", "customers.customer"),
    EventType(
        "customer.updated",
        CustomerUpdated,
        "a customer's name, language or address changed (an import)",
        "customers.customer",
    ),
    EventType("customer.tagged", Tagged, "a tag was added to a customer", "customers.customer"),
    EventType(
        "customer.untagged", Tagged, "a tag was removed from a customer", "customers.customer"
    ),
)
