"""Reads of customers."""

from soloops.customers.models import Customer
from soloops.errors import NotFound

NAME_MATCHES_MAX = 200


def customer_ids_named(text: str, *, limit: int = NAME_MATCHES_MAX) -> list[int]:
    """Customers whose name contains ``text`` (case-insensitive), newest first, at most
    ``limit`` (a search box, not an export). A scan of the customers table — a fifth of the
    orders table in the demo shop — that reads only the id and name."""
    text = text.strip()
    if not text:
        return []
    return list(
        Customer.objects.filter(name__icontains=text)
        .order_by("-id")
        .values_list("id", flat=True)[:limit]
    )


def customer_get_by_email(email: str) -> Customer:
    customer = Customer.objects.filter(email=email.strip().lower()).first()
    if customer is None:
        raise NotFound("not_found", f"no customer with email {email}", field="customer")
    return customer


def customers_by_email(emails: list[str]) -> dict[str, Customer]:
    """The customers with these (lower-cased) emails, by email: one query for a chunk of an
    import file."""
    return {c.email: c for c in Customer.objects.filter(email__in=emails)}


def customers_all():
    """Every customer by email (an export)."""
    return Customer.objects.order_by("email")
