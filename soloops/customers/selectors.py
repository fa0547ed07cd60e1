"""Reads of customers: the searchable, filterable list, one customer, the privacy export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import F, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from soloops.customers.models import ConsentSource, Customer, CustomerNote, RfmSegment, Segment
from soloops.customers.registry import customer_data_sources
from soloops.errors import NotFound
from soloops.events.selectors import timeline_for

NAME_MATCHES_MAX = 200
# How consent was given or withdrawn, with labels in the reader's language.
CONSENT_SOURCES = ConsentSource.choices
# The named RFM segments, best first, with labels in the reader's language.
RFM_SEGMENTS = RfmSegment.choices


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


def customers_by_ids(ids: list[int]) -> dict[int, Customer]:
    """The customers with these ids, by id, in one query (a campaign's batch)."""
    return {c.pk: c for c in Customer.objects.filter(pk__in=ids)}


def customers_all():
    """Every customer by email (an export)."""
    return Customer.objects.order_by("email")


def customer_get(*, customer_id: int) -> Customer:
    """One customer, merged-away records included (their callers redirect)."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("not_found", f"no customer {customer_id}", field="customer_id")
    return customer


@dataclass(frozen=True)
class CustomerFilters:
    q: str | None = None  # a name, an email (or its start), an external id, a phone, an order
    segment: str | None = None  # a named RFM segment ("at_risk") or a saved segment's key
    tag: str | None = None
    min_spent: Decimal | None = None
    max_spent: Decimal | None = None
    last_order_from: date | None = None  # days in the shop's time zone, both included
    last_order_to: date | None = None
    consent: bool | None = None
    not_ordered_days: int | None = None  # no order in this many days (or never)
    language: str | None = None
    country: str | None = None  # of the shipping address, ISO code
    bought_sku: str | None = None


RULES = ("min_spent", "max_spent", "tag", "rfm_segment", "not_ordered_days", "language",
         "country", "bought_sku")  # fmt: skip


def filters_from_rules(rules: dict) -> CustomerFilters:
    """A saved segment's rules as list filters (the service validated them)."""
    money = {k: Decimal(str(rules[k])) for k in ("min_spent", "max_spent") if k in rules}
    return CustomerFilters(
        segment=rules.get("rfm_segment"),
        tag=rules.get("tag"),
        not_ordered_days=rules.get("not_ordered_days"),
        language=rules.get("language"),
        country=rules.get("country"),
        bought_sku=rules.get("bought_sku"),
        **money,
    )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def customer_search(text: str) -> Q:
    """What the search box matches: an email (exact or its start) when the text has an @, else
    a name (contains), an external customer id (exact), a phone number (contains, digits as
    typed) or an order number (the apps above say whose order it is)."""
    text = text.strip()
    if not text:
        return Q()
    if "@" in text:
        return Q(email__startswith=text.lower())
    match = Q(name__icontains=text) | Q(email__startswith=text.lower()) | Q(external_id=text)
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
    if filters.last_order_to is not None and filters.last_order_to < date.max:
        rows = rows.filter(last_order_at__lt=_day_start(filters.last_order_to) + timedelta(days=1))
    if filters.consent is not None:
        rows = rows.filter(marketing_consent=filters.consent)
    return _segment_filters(rows, filters).order_by(F("last_order_at").desc(nulls_last=True), "-id")


def _segment_filters(rows, filters: CustomerFilters):
    if filters.segment:
        if filters.segment in RfmSegment.values:
            rows = rows.filter(segment=filters.segment)
        else:
            saved = Segment.objects.filter(key=filters.segment).first()
            if saved is None:
                return rows.none()  # no such segment: no one is in it
            rows = rows.filter(pk__in=customers_list(filters_from_rules(saved.rules)).values("pk"))
    if filters.not_ordered_days is not None:
        since = timezone.now() - timedelta(days=filters.not_ordered_days)
        rows = rows.filter(Q(last_order_at__lt=since) | Q(last_order_at__isnull=True))
    if filters.language:
        rows = rows.filter(language=filters.language)
    if filters.country:
        rows = rows.filter(shipping_address__country=filters.country.upper())
    if filters.bought_sku:
        ids: set[int] = set()
        for source in customer_data_sources():
            if source.buyers_of is not None:
                ids.update(source.buyers_of(filters.bought_sku))
        rows = rows.filter(pk__in=ids)
    return rows


def segments_list():
    return Segment.objects.all()


def segment_get(*, key: str) -> Segment:
    segment = Segment.objects.filter(key=key).first()
    if segment is None:
        raise NotFound("not_found", f"no segment {key}", field="key")
    return segment


def segment_members(*, segment: Segment) -> QuerySet[Customer]:
    """The customers a saved segment holds now (merged-away records left out)."""
    return customers_list(filters_from_rules(segment.rules))


def segment_counts() -> dict[str, int]:
    """How many customers each named RFM segment holds (one GROUP BY)."""
    from django.db.models import Count

    rows = (
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(segment="")
        .values("segment")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["segment"]: r["n"] for r in rows}


def customer_segments(*, customer: Customer) -> list[str]:
    """The segments a customer is in: the named RFM one, then each saved segment's key (one
    query per saved segment; an owner keeps a handful). Flows ask 'at_risk' in
    customer.segments."""
    found = [customer.segment] if customer.segment else []
    for segment in Segment.objects.all():
        if segment_members(segment=segment).filter(pk=customer.pk).exists():
            found.append(segment.key)
    return found


def customer_notes(*, customer: Customer) -> list[CustomerNote]:
    return list(CustomerNote.objects.filter(customer=customer))


def customer_export_data(*, customer: Customer) -> dict:
    """Everything SoloOps keeps about a customer, for their access request: the profile, notes,
    what each app above holds (orders, emails), and the events about them."""
    profile = {
        field: getattr(customer, field)
        for field in (
            "email",
            "external_id",
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


def customer_ltv_calibrate(*, until: datetime, now: datetime | None = None):
    """The owner's calibration check (soloops customers calibrate): see lifetime.calibrate."""
    from soloops.customers.lifetime import calibrate

    return calibrate(until=until, now=now)
