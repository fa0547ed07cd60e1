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
from soloops.customers.identity import external_id_clean, placeholder_email
from soloops.customers.models import ConsentSource, Customer
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import EventSpec, events_emit


@dataclass
class NewCustomer:
    email: str  # "" for a customer known only by ``external_id``: a placeholder address is made
    name: str = ""
    external_id: str = ""
    language: str = "en"
    shipping_address: dict = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    marketing_consent: bool = False


def customers_import_many(*, people: list[NewCustomer], actor: Actor) -> list[int]:
    """Create these customers (none may exist yet); returns their ids in order."""
    from soloops.customers.services import TAG

    ids = [external_id_clean(p.external_id) for p in people]
    emails = [
        p.email.strip().lower() or (placeholder_email(i) if i else "")
        for p, i in zip(people, ids, strict=True)
    ]
    for person, email in zip(people, emails, strict=True):
        if not email:
            raise InvalidInput(
                "invalid_email", "a customer needs an email or an external id", field="email"
            )
        for tag in person.tags:
            if not TAG.fullmatch(tag):
                raise InvalidInput("invalid_tag", f"{tag!r} is not a tag", field="tags")
    taken = Customer.objects.filter(email__in=emails).values_list("email", flat=True).first()
    if taken or len(set(emails)) != len(emails):
        raise Conflict("duplicate_email", "a customer with this email exists", field="email")
    given = [i for i in ids if i]
    if len(set(given)) != len(given) or Customer.objects.filter(external_id__in=given).exists():
        raise Conflict(
            "duplicate_external_id", "a customer with this external id exists", field="external_id"
        )
    now = timezone.now()
    new_ids = insert_rows(
        Customer,
        ("email", "external_id", "name", "language", "shipping_address", "tags",
         "marketing_consent", "consent_at", "consent_source"),
        [
            (email, external_id or None, p.name, p.language, p.shipping_address, sorted(p.tags),
             p.marketing_consent, now if p.marketing_consent else None,
             ConsentSource.IMPORT if p.marketing_consent else "")
            for p, email, external_id in zip(people, emails, ids, strict=True)
        ],
        return_ids=True,
    )  # fmt: skip
    specs = []
    for person, email, external_id, pk in zip(people, emails, ids, new_ids, strict=True):
        subject = ("customers.customer", pk)
        created = {"email": email, "name": person.name, "external_id": external_id or None}
        specs.append(EventSpec("customer.created", subject, created))
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
    return new_ids
