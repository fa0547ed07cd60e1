"""Reads of customers: the searchable, filterable list, one customer, the privacy export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from soloops.customers.models import ConsentSource, Customer, CustomerNote
from soloops.customers.registry import customer_data_sources
from soloops.errors import NotFound
from soloops.events.selectors import timeline_for

NAME_MATCHES_MAX = 200
# How consent was given or withdrawn, with labels in the reader's language.
CONSENT_SOURCES = ConsentSource.choices


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


def customer_get(*, customer_id: int) -> Customer:
    """One customer, merged-away records included (their callers redirect)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("not_found", f"no customer {customer_id}", field="customer_id")
    return customer


@dataclass(frozen=True)
class CustomerFilters:
    q: str | None = None  # a name, an email (or its start), a phone number, an order number
    tag: str | None = None
    min_spent: Decimal | None = None
    max_spent: Decimal | None = None
    last_order_from: date | None = None  # days in the shop's time zone, both included
    last_order_to: date | None = None
    consent: bool | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def customer_search(text: str) -> Q:
    """What the search box matches: an email (exact or its start) when the text has an @, else
    a name (contains), a phone number (contains, digits as typed) or an order number (the
    apps above say whose order it is)."""
    text = text.strip()
    if not text:
        return Q()
    if "@" in text:
        return Q(email__startswith=text.lower())
    match = Q(name__icontains=text) | Q(email__startswith=text.lower())
    if any(ch.isdigit() for ch in text):
        match |= Q(phone__contains=text)
    for source in customer_data_sources():
        if source.find is not None:
            ids = source.find(text)
            if ids:
                match |= Q(pk__in=ids)
    return match


def customers_list(filters: CustomerFilters) -> QuerySet[Customer]:
    """Customers who are still their own record (merged-away ones are left out), the latest
    buyer first, those who never ordered last."""
    rows = Customer.objects.filter(merged_into__isnull=True).defer(
        "shipping_address", "billing_address"
    )
    if filters.q:
        rows = rows.filter(customer_search(filters.q))
    if filters.tag:
        # Tags are [a-z0-9_-] words stored as a sorted JSON list: '"vip"' matches one whole tag
        # on SQLite and PostgreSQL alike (SQLite has no JSON containment lookup).
        tag = filters.tag.strip().lower()
        rows = rows.alias(tags_text=Cast("tags", TextField())).filter(
            tags_text__contains=f'"{tag}"'
        )
    if filters.min_spent is not None:
        rows = rows.filter(total_spent__gte=filters.min_spent)
    if filters.max_spent is not None:
        rows = rows.filter(total_spent__lte=filters.max_spent)
    if filters.last_order_from is not None:
        rows = rows.filter(last_order_at__gte=_day_start(filters.last_order_from))
    if filters.last_order_to is not None:
        rows = rows.filter(last_order_at__lt=_day_start(filters.last_order_to) + timedelta(days=1))
    if filters.consent is not None:
        rows = rows.filter(marketing_consent=filters.consent)
    return rows.order_by(F("last_order_at").desc(nulls_last=True), "-id")


def customer_notes(*, customer: Customer) -> list[CustomerNote]:
    return list(CustomerNote.objects.filter(customer=customer))


def customer_export_data(*, customer: Customer) -> dict:
    """Everything SoloOps keeps about a customer, for their access request: the profile, notes,
    what each app above holds (orders, emails), and the events about them."""
    profile = {
        field: getattr(customer, field)
        for field in (
            "email",
            "name",
            "phone",
            "language",
            "shipping_address",
            "billing_address",
            "tags",
            "marketing_consent",
            "consent_source",
        )
    }
    profile["consent_at"] = customer.consent_at.isoformat() if customer.consent_at else None
    profile["created_at"] = customer.created_at.isoformat()
    data = {
        "exported_at": timezone.now().isoformat(),
        "customer": profile,
        "notes": [
            {"text": n.text, "author": n.author, "created_at": n.created_at.isoformat()}
            for n in customer_notes(customer=customer)
        ],
        "events": [
            {"type": e.type, "payload": e.payload, "at": e.created_at.isoformat()}
            for e in timeline_for(subject_type="customers.customer", subject_id=str(customer.pk))
        ],
    }
    for source in customer_data_sources():
        if source.export is not None:
            data[source.name] = source.export(customer.pk, customer.email)
    return data
