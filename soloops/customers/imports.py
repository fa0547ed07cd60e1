"""Many new customers at once (a chunk of a customer import): one INSERT, and the events the
one-by-one path records — ``customer.created``, a ``customer.tagged`` per tag and
``customer.consent_changed`` when the file says they opted in — in one more.

Precondition: the caller holds a transaction (the import's); a broken row raises before
anything is written, so the caller's savepoint can fall back to row by row.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_rows
from soloops.customers.models import ConsentSource, Customer
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import EventSpec, events_emit


@dataclass
class NewCustomer:
    email: str
    name: str = ""
    language: str = "en"
    shipping_address: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    marketing_consent: bool = False


def customers_import_many(*, people: list[NewCustomer], actor: Actor) -> list[int]:
    """Create these customers (none may exist yet); returns their ids in order."""
    from soloops.customers.services import TAG

    emails = [p.email.strip().lower() for p in people]
    for person, email in zip(people, emails, strict=True):
        if not email:
            raise InvalidInput("invalid_email", "a customer needs an email", field="email")
        for tag in person.tags:
            if not TAG.fullmatch(tag):
                raise InvalidInput("invalid_tag", f"{tag!r} is not a tag", field="tags")
    taken = Customer.objects.filter(email__in=emails).values_list("email", flat=True).first()
    if taken or len(set(emails)) != len(emails):
        raise Conflict("duplicate_email", "a customer with this email exists", field="email")
    now = timezone.now()
    ids = insert_rows(
        Customer,
        ("email", "name", "language", "shipping_address", "tags", "marketing_consent",
         "consent_at", "consent_source"),
        [
            (email, p.name, p.language, p.shipping_address, sorted(p.tags), p.marketing_consent,
             now if p.marketing_consent else None,
             ConsentSource.IMPORT if p.marketing_consent else "")
            for p, email in zip(people, emails, strict=True)
        ],
        return_ids=True,
    )  # fmt: skip
    specs = []
    for person, email, pk in zip(people, emails, ids, strict=True):
        subject = ("customers.customer", pk)
        specs.append(EventSpec("customer.created", subject, {"email": email, "name": person.name}))
        so_far = []
        for tag in sorted(person.tags):
            so_far = [*so_far, tag]
            specs.append(
                EventSpec("customer.tagged", subject, {"email": email, "tag": tag, "tags": so_far})
            )
        if person.marketing_consent:
            payload = {"email": email, "consent": True, "source": ConsentSource.IMPORT.value}
            specs.append(EventSpec("customer.consent_changed", subject, payload))
    events_emit(specs=specs, actor=actor)
    return ids
