"""Every write about a customer: created at the first order, edited, tagged, noted, consent
given or withdrawn, merged into another record, erased. Each is one transaction with its event.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.bulk_insert import insert_instances
from soloops.customers.identity import Person as Person
from soloops.customers.identity import customer_match as customer_match
from soloops.customers.identity import customers_matching as customers_matching
from soloops.customers.identity import customers_resolve as customers_resolve
from soloops.customers.identity import external_id_clean as external_id_clean
from soloops.customers.identity import identity_conflict as identity_conflict
from soloops.customers.identity import is_placeholder as is_placeholder
from soloops.customers.identity import placeholder_email as placeholder_email
from soloops.customers.imports import NewCustomer as NewCustomer
from soloops.customers.imports import customers_import_many as customers_import_many
from soloops.customers.lifetime import customer_ltv_refresh as customer_ltv_refresh
from soloops.customers.models import ConsentSource, Customer, CustomerNote
from soloops.customers.registry import OrderFacts, customer_data_sources
from soloops.customers.segments import customer_segments_recompute as customer_segments_recompute
from soloops.customers.segments import customer_segments_refresh as customer_segments_refresh
from soloops.customers.segments import segment_delete as segment_delete
from soloops.customers.segments import segment_save as segment_save
from soloops.customers.selectors import customer_export_data
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import EventSpec, event_emit, events_redact

TAG = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
EDITABLE = ("name", "phone", "language")
LANGUAGES = ("en", "zh-hans")
STATS_BATCH = 1000
ERASED_DOMAIN = "erased.invalid"  # RFC 2606: can never be a real mailbox


def _resolve(customer: Customer) -> Customer:
    """The record that stands for this person now (a merged-away one points at its keeper)."""
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def customer_for_order(
    *,
    email: str,
    name: str,
    language: str,
    shipping_address: dict,
    billing_address: dict,
    actor: Actor,
) -> Customer:
    """The customer with this email, created (with its event) on their first order; an email
    merged into another record orders as that record.

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
        return _resolve(customer)
    event_emit(
        type="customer.created",
        subject=customer,
        payload={"email": email, "name": name},
        actor=actor,
    )
    return customer


@dataclass(frozen=True)
class FirstOrderCustomer:
    customer: Customer
    event: EventSpec  # its customer.created, for the caller to emit with its own events


def customer_new_for_order(
    *, email: str, name: str, language: str, shipping_address: dict, billing_address: dict
) -> FirstOrderCustomer:
    """A first order's customer, new: one INSERT, no savepoint (intake's hot path). Its
    ``customer.created`` event is handed back for the order to emit with its own.

    Precondition: inside the intake transaction, which found no customer with this email. A
    concurrent first order from the same email makes the insert fail (IntegrityError, unique
    email); the caller runs its transaction again and then finds that customer.
    """
    email = email.strip().lower()
    (customer,) = insert_instances(
        [
            Customer(
                email=email,
                name=name,
                language=language,
                shipping_address=shipping_address,
                billing_address=billing_address,
            )
        ]
    )
    event = EventSpec("customer.created", customer, {"email": email, "name": name})
    return FirstOrderCustomer(customer, event)


def customer_create(
    *,
    email: str,
    actor: Actor,
    name: str = "",
    phone: str = "",
    language: str = "en",
    marketing_consent: bool = False,
    consent_source: str = ConsentSource.API,
) -> Customer:
    """A customer added by hand or by an outside system, before any order."""
    email = email.strip().lower()
    _check_language(language)
    with transaction.atomic():
        if Customer.objects.filter(email=email).exists():
            raise Conflict(
                "customer_exists", f"a customer with email {email} exists", field="email"
            )
        now = timezone.now()
        customer = Customer.objects.create(
            email=email,
            name=name.strip(),
            phone=phone.strip(),
            language=language,
            marketing_consent=marketing_consent,
            consent_at=now if marketing_consent else None,
            consent_source=consent_source if marketing_consent else "",
        )
        event_emit(
            type="customer.created",
            subject=customer,
            payload={"email": email, "name": customer.name},
            actor=actor,
        )
        if marketing_consent:
            _consent_event(customer, actor)
    return customer


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidInput("invalid_language", "language is en or zh-hans", field="language")


def _check_live(customer: Customer) -> None:
    if customer.merged_into_id is not None:
        raise Conflict(
            "customer_merged",
            "this customer was merged into another record; change that one",
            field="customer",
            extra={"merged_into": customer.merged_into_id},
        )
    if customer.erased_at is not None:
        raise Conflict("customer_erased", "this customer was erased", field="customer")


def customer_update(*, customer: Customer, actor: Actor, changes: dict) -> Customer:
    """Change contact data (name, phone, language); records {field: {from, to}}; nothing to
    change emits nothing."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        field = sorted(unknown)[0]
        raise InvalidInput("not_editable", f"{field} cannot be changed here", field=field)
    if "language" in changes:
        _check_language(changes["language"])
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _check_live(customer)
        diff = {}
        for field, value in changes.items():
            value = value.strip() if isinstance(value, str) else value
            if getattr(customer, field) != value:
                diff[field] = {"from": getattr(customer, field), "to": value}
                setattr(customer, field, value)
        if not diff:
            return customer
        customer.save(update_fields=[*diff, "updated_at"])
        event_emit(
            type="customer.updated",
            subject=customer,
            payload={"email": customer.email, "changes": diff},
            actor=actor,
        )
    return customer


def _consent_event(customer: Customer, actor: Actor) -> None:
    event_emit(
        type="customer.consent_changed",
        subject=customer,
        payload={
            "email": customer.email,
            "consent": customer.marketing_consent,
            "source": customer.consent_source,
        },
        actor=actor,
    )


def customer_consent_set(
    *, customer: Customer, consent: bool, source: str, actor: Actor, at: datetime | None = None
) -> bool:
    """Record that the customer gave (or withdrew) marketing consent, when and how; returns
    whether it changed (the same answer again keeps the first time and emits nothing)."""
    if source not in ConsentSource.values:
        raise InvalidInput(
            "invalid_consent_source",
            f"source is one of {', '.join(ConsentSource.values)}",
            field="consent_source",
        )
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _check_live(customer)
        if customer.marketing_consent == consent:
            return False
        customer.marketing_consent = consent
        customer.consent_at = at or timezone.now()
        customer.consent_source = source
        customer.save(
            update_fields=["marketing_consent", "consent_at", "consent_source", "updated_at"]
        )
        _consent_event(customer, actor)
    return True


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
    (``customer.updated`` with each field's from and to); returns it and the fields that changed
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
            diff = {k: {"from": getattr(customer, k), "to": fields[k]} for k in changed}
            for k in changed:
                setattr(customer, k, fields[k])
            customer.save(update_fields=[*changed, "updated_at"])
            event_emit(
                type="customer.updated",
                subject=customer,
                payload={"email": email, "changes": diff},
                actor=actor,
            )
    return customer, changed


def customer_note_add(*, customer: Customer, text: str, actor: Actor) -> CustomerNote:
    text = text.strip()
    if not text:
        raise InvalidInput("blank_note", "the note is empty", field="text")
    if len(text) > 5000:
        raise InvalidInput("note_too_long", "a note is at most 5000 characters", field="text")
    with transaction.atomic():
        _check_live(customer)
        note = CustomerNote.objects.create(customer=customer, text=text, author=actor.label)
        event_emit(
            type="customer.note_added",
            subject=customer,
            payload={"email": customer.email, "note_id": note.pk},
            actor=actor,
        )
    return note


# --- order totals ---------------------------------------------------------------------------


def customer_stats_refresh(*, customer_ids: Iterable[int] | None = None) -> int:
    """Recompute orders count, total spent and first/last order of these customers (all when
    None) from the apps that hold orders. A derived cache, not a business fact: no event.
    Returns how many customers were looked at."""
    if customer_ids is None:
        ids = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(customer_ids))
    for start in range(0, len(ids), STATS_BATCH):
        _refresh_batch(ids[start : start + STATS_BATCH])
    return len(ids)


def _refresh_batch(ids: list[int]) -> None:
    facts: dict[int, OrderFacts] = {}
    for source in customer_data_sources():
        if source.facts is not None:
            facts.update(source.facts(ids))
    empty = OrderFacts(0, 0, None, None)
    with transaction.atomic():
        rows = list(Customer.objects.filter(pk__in=ids).order_by("pk"))
        for row in rows:
            f = facts.get(row.pk, empty)
            row.orders_count = f.orders_count
            row.total_spent = f.total_spent
            row.first_order_at = f.first_order_at
            row.last_order_at = f.last_order_at
        Customer.objects.bulk_update(
            rows, ["orders_count", "total_spent", "first_order_at", "last_order_at"]
        )


# --- merge and erase -------------------------------------------------------------------------


def _confirmed(customer: Customer, confirm: str) -> None:
    """The owner confirms a merge or an erasure by typing the customer's email (or, for one
    known only by an external id, that id)."""
    if confirm.strip().lower() != customer.email and (
        customer.external_id is None or confirm.strip() != customer.external_id
    ):
        what = "email" if customer.has_address else f"id ({customer.external_id})"
        raise InvalidInput(
            "not_confirmed", f"type the customer's {what} to confirm", field="confirm"
        )


def customer_merge(*, source: Customer, target: Customer, actor: Actor, confirm: str) -> Customer:
    """The same person under two records: the target keeps everything — orders, notes, tags,
    history — and the source becomes a pointer to it (its pages redirect). ``confirm`` is the
    source's email, typed by the owner."""
    if source.pk == target.pk:
        raise InvalidInput("same_customer", "a customer cannot merge into itself", field="into")
    _confirmed(source, confirm)
    with transaction.atomic():
        # Both rows locked in primary-key order, so two merges never deadlock.
        locked = {
            c.pk: c
            for c in Customer.objects.select_for_update()
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")
        }
        source, target = locked[source.pk], locked[target.pk]
        _check_live(source)
        _check_live(target)
        moved = {"notes": CustomerNote.objects.filter(customer=source).update(customer=target)}
        for data in customer_data_sources():
            if data.move is not None:
                moved[data.name] = data.move(source.pk, target.pk)
        Customer.objects.filter(merged_into=source).update(merged_into=target)
        target.tags = sorted(set(target.tags) | set(source.tags))
        target.name = target.name or source.name
        target.phone = target.phone or source.phone
        target.shipping_address = target.shipping_address or source.shipping_address
        target.billing_address = target.billing_address or source.billing_address
        target.save(
            update_fields=[
                "tags",
                "name",
                "phone",
                "shipping_address",
                "billing_address",
                "updated_at",
            ]
        )
        source.merged_into = target
        source.marketing_consent = False  # one record speaks for the person: the target's
        source.save(update_fields=["merged_into", "marketing_consent", "updated_at"])
        event_emit(
            type="customer.merged",
            subject=target,
            payload={
                "email": target.email,
                "merged_id": source.pk,
                "merged_email": source.email,
                "moved": moved,
            },
            actor=actor,
        )
        customer_stats_refresh(customer_ids=[source.pk, target.pk])
    target.refresh_from_db()
    return target


def customer_erase(*, customer: Customer, actor: Actor, confirm: str) -> Customer:
    """A customer's request to be forgotten: every personal field here and in the apps above
    is blanked (their orders keep number, lines and money, for the books), notes deleted,
    consent withdrawn — for this record and every record merged into it (the same person).
    The record stays, as "erased customer #id". ``confirm`` is their email."""
    _confirmed(customer, confirm)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        _check_live(customer)
        erased: dict[str, int] = {}
        merged = list(Customer.objects.select_for_update().filter(merged_into=customer))
        for record in [customer, *merged]:
            for name, count in _erase_record(record).items():
                erased[name] = erased.get(name, 0) + count
        customer.erased_at = timezone.now()
        customer.save(update_fields=["erased_at", "updated_at"])
        # The payload names no one: the event outlives the person's data.
        event_emit(
            type="customer.erased",
            subject=customer,
            payload={"customer_id": customer.pk, "erased": erased},
            actor=actor,
        )
    return customer


def _erase_record(customer: Customer) -> dict[str, int]:
    """Blank one record's personal data everywhere it is kept. Precondition: the caller holds
    the erasure transaction and the row lock."""
    email = customer.email
    placeholder = f"erased-{customer.pk}@{ERASED_DOMAIN}"
    erased = {"notes": CustomerNote.objects.filter(customer=customer).delete()[0]}
    for data in customer_data_sources():
        if data.erase is not None:
            erased[data.name] = data.erase(customer.pk, email)
    erased["events"] = events_redact(
        match=email,
        texts=[email, customer.external_id or "", customer.name, customer.phone],
        replacement=placeholder,
        subjects={"customers.customer": [customer.pk]},
    )
    customer.email = placeholder
    customer.external_id = None  # another platform's id for the person is personal data too
    customer.name = ""
    customer.phone = ""
    customer.shipping_address = {}
    customer.billing_address = {}
    customer.tags = []
    customer.marketing_consent = False
    customer.consent_at = timezone.now()
    customer.consent_source = ""
    customer.save()
    return erased


def customer_export(*, customer: Customer, actor: Actor, confirm: str) -> dict:
    """Everything about the customer for their access request, with an event saying who took
    it out and when (personal data leaving the system is itself a fact to keep)."""
    _confirmed(customer, confirm)
    with transaction.atomic():
        data = customer_export_data(customer=customer)
        event_emit(
            type="customer.exported",
            subject=customer,
            payload={"customer_id": customer.pk, "sections": sorted(data)},
            actor=actor,
        )
    return data
