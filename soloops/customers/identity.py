"""Who a row of an import file is: a customer is known by email, by another platform's customer
id (``external_id``), or both. One rule, used by the customer and the order-history imports:

1. an email the shop has → that customer (an external id in the row is recorded on it, if it
   has none; another one is a conflict);
2. otherwise an external id the shop has → that customer (an email in the row replaces its
   placeholder address; another real address is a conflict);
3. otherwise a new customer. Without an email it gets a placeholder in ``customers.invalid``,
   which the emails app refuses to send to: a customer known only by an external id is never
   emailed.

A file's rows are matched in one query, new customers made in one INSERT.
"""

import hashlib
from dataclasses import dataclass

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.customers.models import PLACEHOLDER_DOMAIN, Customer
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import EventSpec, event_emit, events_emit

EXTERNAL_ID_MAX = 100


@dataclass(frozen=True)
class Person:
    """A customer as a file names them: an email, an external id, or both."""

    email: str = ""
    external_id: str = ""
    name: str = ""


def placeholder_email(external_id: str) -> str:
    """The reserved address of a customer known only by ``external_id``: the same for the same
    id (a hash, so any characters in the id make a valid address), and never a real mailbox."""
    digest = hashlib.sha256(external_id.encode()).hexdigest()[:24]
    return f"id-{digest}@{PLACEHOLDER_DOMAIN}"


def is_placeholder(email: str) -> bool:
    return email.endswith("@" + PLACEHOLDER_DOMAIN)


def external_id_clean(value: str | None) -> str:
    """Trimmed, "" for none; too long or a placeholder-looking email is refused."""
    value = (value or "").strip()
    if len(value) > EXTERNAL_ID_MAX:
        raise InvalidInput(
            "invalid_external_id",
            f"an external customer id has at most {EXTERNAL_ID_MAX} characters",
            field="external_id",
        )
    return value


def _normal(person: Person) -> Person:
    email = person.email.strip().lower()
    if is_placeholder(email):
        email = ""  # an export's placeholder read back: the id says who it is
    return Person(email, (person.external_id or "").strip(), person.name)


def identity_conflict(person: Person, customer: Customer | None) -> tuple[str, str] | None:
    """(field, message) when the row's email and external id name two different people."""
    if customer is None:
        return None
    person = _normal(person)
    if person.email and customer.email == person.email:
        if person.external_id and customer.external_id not in (None, person.external_id):
            return (
                "external_id",
                f"{person.email} already has the external id {customer.external_id}",
            )
        return None
    if person.email and not is_placeholder(customer.email):
        return ("email", f"external id {person.external_id} belongs to {customer.email}")
    return None


def customer_match(person: Person, by_email: dict, by_id: dict) -> Customer | None:
    """The customer this person is, from customers found by email and by external id."""
    person = _normal(person)
    return by_email.get(person.email) if person.email in by_email else by_id.get(person.external_id)


def customers_matching(people: list[Person]) -> tuple[dict, dict]:
    """({email: customer}, {external id: customer}) of these people, in one query."""
    from django.db.models import Q

    people = [_normal(p) for p in people]
    emails = {p.email for p in people if p.email}
    ids = {p.external_id for p in people if p.external_id}
    if not emails and not ids:
        return {}, {}
    found = list(Customer.objects.filter(Q(email__in=emails) | Q(external_id__in=ids)))
    by_email = {c.email: c for c in found if c.email in emails}
    by_id = {c.external_id: c for c in found if c.external_id}
    return by_email, by_id


def _link(customer: Customer, person: Person, known: tuple[dict, dict], actor: Actor) -> None:
    """Record what the row adds to a customer found: its external id, or its real email."""
    by_email, by_id = known
    conflict = identity_conflict(person, customer)
    if conflict is None and by_id.get(person.external_id, customer) is not customer:
        conflict = ("external_id", f"external id {person.external_id} belongs to another customer")
    if conflict is None and by_email.get(person.email, customer) is not customer:
        conflict = ("email", f"{person.email} belongs to another customer")
    if conflict:
        raise Conflict("identity_conflict", conflict[1], field=conflict[0])
    diff = {}
    if person.external_id and customer.external_id is None:
        diff["external_id"] = {"from": None, "to": person.external_id}
        customer.external_id = person.external_id
    if person.email and customer.email != person.email:  # a placeholder, see identity_conflict
        diff["email"] = {"from": customer.email, "to": person.email}
        customer.email = person.email
    if diff and customer.pk is not None:
        customer.save(update_fields=[*diff, "updated_at"])
        event_emit(
            type="customer.updated",
            subject=customer,
            payload={"email": customer.email, "changes": diff},
            actor=actor,
        )


def customers_resolve(*, people: list[Person], actor: Actor) -> list[Customer]:
    """The customer of each person, in order: found by email, then by external id, else
    created (one INSERT for the new ones, with their ``customer.created`` events)."""
    with transaction.atomic():
        return _resolve_people([_normal(p) for p in people], actor)


def _resolve_people(people: list[Person], actor: Actor) -> list[Customer]:
    from soloops.bulk_insert import insert_rows

    for person in people:
        external_id_clean(person.external_id)  # refuses one too long
        if not person.email and not person.external_id:
            raise InvalidInput(
                "no_identity", "a customer needs an email or an external id", field="email"
            )
    by_email, by_id = customers_matching(people)
    new: list[Customer] = []
    out: list[Customer] = []
    for person in people:
        customer = customer_match(person, by_email, by_id)
        if customer is None:
            customer = Customer(
                email=person.email or placeholder_email(person.external_id),
                external_id=person.external_id or None,
                name=person.name,
            )
            new.append(customer)
        else:
            _link(customer, person, (by_email, by_id), actor)
        by_email[customer.email] = customer
        if customer.external_id:
            by_id[customer.external_id] = customer
        out.append(customer)
    if new:
        fields = ("email", "external_id", "name")
        rows = [tuple(getattr(c, f) for f in fields) for c in new]
        for customer, pk in zip(new, insert_rows(Customer, fields, rows, return_ids=True),
                                strict=True):  # fmt: skip
            customer.pk = customer.id = pk
        events_emit(
            specs=[
                EventSpec(
                    "customer.created",
                    ("customers.customer", c.pk),
                    {"email": c.email, "name": c.name, "external_id": c.external_id},
                )
                for c in new
            ],
            actor=actor,
        )
    return [_resolved(c) for c in out]


def _resolved(customer: Customer) -> Customer:
    from soloops.customers.services import _resolve

    return _resolve(customer)
