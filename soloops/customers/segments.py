"""RFM segments: each buyer's recency, frequency and monetary scores (1-5, quintiles of the
shop's buyers) and the named segment they fall in, recomputed nightly for everyone (recency
moves with the calendar) and at once for a customer who just ordered, against the cuts the
last nightly run drew. A change of segment is a ``customer.segment_changed`` event, so a flow
can start a win-back when a good customer becomes "at risk".

The named segments, from R and FM = (F + M) / 2, first match wins:
champions R>=4, FM>=4 · new: one order, R>=4 · loyal R>=3, FM>=3 · potential loyalists R>=3 ·
can't lose R=1, FM>=4 · at risk R<=2, FM>=3 · hibernating R=2 · lost R=1.
With fewer than ``MIN_BUYERS`` buyers quintiles mean little: every buyer scores 3 on F and M
and 5 on R within ``RECENT_DAYS`` (else 2), which gives new, loyal, at risk or hibernating.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.customers.models import Customer, RfmCuts, RfmSegment, Segment
from soloops.customers.selectors import RULES
from soloops.errors import InvalidInput
from soloops.events.services import EventSpec, event_emit, events_emit

MIN_BUYERS = 20
RECENT_DAYS = 90
BATCH = 1000
FIELDS = ("rfm_recency", "rfm_frequency", "rfm_monetary", "segment", "segment_since")


@dataclass(frozen=True)
class Cuts:
    recency: list[float]  # minus days since the last order: higher is better
    frequency: list[float]
    monetary: list[Decimal]
    buyers: int


def _quintile_cuts(values: list) -> list:
    """The four values a score must exceed to reach 2, 3, 4 and 5 (values sorted ascending).
    Ties stay together: most customers have one order, so one order scores 1 and two may
    already score 4."""
    n = len(values)
    return [values[max(0, (k * n) // 5 - 1)] for k in range(1, 5)]


def score(value, cuts: list) -> int:
    return 1 + sum(1 for cut in cuts if value > cut)


def segment_for(r: int, f: int, m: int, orders_count: int) -> str:
    fm = (f + m) / 2
    if r >= 4 and fm >= 4:
        return RfmSegment.CHAMPIONS
    if orders_count == 1 and r >= 4:
        return RfmSegment.NEW
    if r >= 3 and fm >= 3:
        return RfmSegment.LOYAL
    if r >= 3:
        return RfmSegment.POTENTIAL_LOYALISTS
    if r == 1 and fm >= 4:
        return RfmSegment.CANT_LOSE
    if fm >= 3:
        return RfmSegment.AT_RISK
    if r == 2:
        return RfmSegment.HIBERNATING
    return RfmSegment.LOST


def _days(customer, now: datetime) -> float:
    return -float((now - customer.last_order_at).days)


def _scores(customer, cuts: Cuts | None, now: datetime) -> tuple[int, int, int, str]:
    if not customer.orders_count or customer.last_order_at is None:
        return 0, 0, 0, ""
    if cuts is None or cuts.buyers < MIN_BUYERS:
        r = 5 if -_days(customer, now) <= RECENT_DAYS else 2
        f = m = 4 if customer.orders_count > 1 else 3
    else:
        r = score(_days(customer, now), cuts.recency)
        f = score(customer.orders_count, cuts.frequency)
        m = score(customer.total_spent, cuts.monetary)
    return r, f, m, segment_for(r, f, m, customer.orders_count)


def _buyers():
    return Customer.objects.filter(
        merged_into__isnull=True, orders_count__gt=0, last_order_at__isnull=False
    ).only("pk", "email", "orders_count", "total_spent", "last_order_at", *FIELDS)


def _cuts_draw(now: datetime) -> Cuts:
    rows = list(_buyers().values_list("orders_count", "total_spent", "last_order_at"))
    recency = sorted(-float((now - last).days) for _n, _m, last in rows)
    frequency = sorted(float(n) for n, _m, _l in rows)
    monetary = sorted(m for _n, m, _l in rows)
    return Cuts(
        _quintile_cuts(recency) if rows else [],
        _quintile_cuts(frequency) if rows else [],
        _quintile_cuts(monetary) if rows else [],
        len(rows),
    )


def _cuts_stored() -> Cuts | None:
    row = RfmCuts.objects.first()
    if row is None:
        return None
    monetary = [Decimal(v) for v in row.monetary]
    return Cuts(row.recency, row.frequency, monetary, row.buyers)


def _apply(customers: list, cuts: Cuts | None, now: datetime, actor: Actor, announce: bool):
    """Score these customers, save the changed ones and emit their segment changes."""
    changed, specs = [], []
    for customer in customers:
        r, f, m, segment = _scores(customer, cuts, now)
        before = (customer.rfm_recency, customer.rfm_frequency, customer.rfm_monetary)
        if (r, f, m) == before and segment == customer.segment:
            continue
        previous = customer.segment
        customer.rfm_recency, customer.rfm_frequency, customer.rfm_monetary = r, f, m
        if segment != previous:
            customer.segment = segment
            customer.segment_since = now
            if announce:
                payload = {"email": customer.email, "from": previous, "to": segment}
                payload |= {"recency": r, "frequency": f, "monetary": m}
                specs.append(EventSpec("customer.segment_changed", customer, payload))
        changed.append(customer)
    with transaction.atomic():
        Customer.objects.bulk_update(changed, FIELDS)
        if specs:
            events_emit(specs=specs, actor=actor)
    return len(changed), len(specs)


def customer_segments_recompute(*, actor: Actor, now: datetime | None = None) -> dict:
    """Every buyer's scores and segment, against freshly drawn quintiles (the nightly run).
    The first run ever sets the baseline without events (else every customer would "change"
    at once); later runs announce each change."""
    now = now or timezone.now()
    announce = RfmCuts.objects.exists()
    cuts = _cuts_draw(now)
    with transaction.atomic():
        RfmCuts.objects.all().delete()
        RfmCuts.objects.create(
            recency=cuts.recency,
            frequency=cuts.frequency,
            monetary=[str(v) for v in cuts.monetary],
            buyers=cuts.buyers,
            computed_at=now,
        )
    ids = list(_buyers().order_by("pk").values_list("pk", flat=True))
    # Those who were in a segment and no longer buy (merged away, all orders cancelled).
    ids += list(
        Customer.objects.exclude(pk__in=_buyers().values("pk"))
        .exclude(segment="")
        .values_list("pk", flat=True)
    )
    updated = announced = 0
    for start in range(0, len(ids), BATCH):
        rows = list(
            Customer.objects.filter(pk__in=ids[start : start + BATCH])
            .only(
                "pk",
                "email",
                "orders_count",
                "total_spent",
                "last_order_at",
                "merged_into",
                *FIELDS,
            )
            .order_by("pk")
        )
        for row in rows:
            if row.merged_into_id is not None:
                row.orders_count = 0
        u, a = _apply(rows, cuts, now, actor, announce)
        updated, announced = updated + u, announced + a
    return {"buyers": cuts.buyers, "updated": updated, "announced": announced}


def customer_segments_refresh(*, customer_ids, actor: Actor, now: datetime | None = None) -> int:
    """These customers' scores and segment against the stored cuts (after their order);
    returns how many segment changes were announced. Precondition: totals are fresh."""
    now = now or timezone.now()
    cuts = _cuts_stored()
    rows = list(_buyers().filter(pk__in=list(customer_ids)).order_by("pk"))
    return _apply(rows, cuts, now, actor, announce=True)[1]


# --- saved segments ---------------------------------------------------------------------------

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
LANGUAGES = ("en", "zh-hans")


def _bad(rule: str, message: str) -> InvalidInput:
    return InvalidInput("invalid_rule", message, field=f"rules.{rule}")


def _clean_rules(rules: dict) -> dict:
    """The rules as stored: known keys only, each checked and normalised."""
    unknown = set(rules) - set(RULES)
    if unknown:
        rule = sorted(unknown)[0]
        raise _bad(rule, f"unknown rule {rule}; rules are {', '.join(RULES)}")
    clean: dict = {}
    for rule in ("min_spent", "max_spent"):
        if rules.get(rule) is not None:
            try:
                value = Decimal(str(rules[rule]))
            except InvalidOperation:
                raise _bad(rule, "an amount, e.g. 200 or 49.90") from None
            if isinstance(rules[rule], bool) or not value.is_finite() or value < 0:
                raise _bad(rule, "an amount of 0 or more")
            clean[rule] = str(value.quantize(Decimal("0.01")))
    if rules.get("tag") is not None:
        clean["tag"] = str(rules["tag"]).strip().lower()
        if not KEY.fullmatch(clean["tag"]):
            raise _bad("tag", "a tag is letters, digits, '-' or '_'")
    if rules.get("rfm_segment") is not None:
        if rules["rfm_segment"] not in RfmSegment.values:
            raise _bad("rfm_segment", f"one of {', '.join(RfmSegment.values)}")
        clean["rfm_segment"] = rules["rfm_segment"]
    if rules.get("not_ordered_days") is not None:
        days = rules["not_ordered_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            raise _bad("not_ordered_days", "a whole number of days, 1 to 3650")
        clean["not_ordered_days"] = days
    if rules.get("language") is not None:
        if rules["language"] not in LANGUAGES:
            raise _bad("language", "en or zh-hans")
        clean["language"] = rules["language"]
    if rules.get("country") is not None:
        country = str(rules["country"]).strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise _bad("country", "a two-letter ISO country code")
        clean["country"] = country
    if rules.get("bought_sku") is not None:
        sku = str(rules["bought_sku"]).strip()
        if not 1 <= len(sku) <= 64 or "\x00" in sku:
            raise _bad("bought_sku", "a SKU, 1 to 64 characters")
        clean["bought_sku"] = sku
    low, high = clean.get("min_spent"), clean.get("max_spent")
    if low is not None and high is not None and Decimal(high) < Decimal(low):
        raise _bad("max_spent", "the most is below the least")
    return clean


def segment_save(*, key: str, name: str, rules: dict, actor: Actor) -> tuple[Segment, bool]:
    """Create the saved segment ``key`` or change its name and rules; returns (it, created).
    The same name and rules again change nothing and emit nothing."""
    key = key.strip().lower()
    if not KEY.fullmatch(key) or key in RfmSegment.values:
        raise InvalidInput(
            "invalid_key",
            "a key is 1 to 40 lower-case letters, digits, '-' or '_', and not a named segment",
            field="key",
        )
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("invalid_name", "a name is 1 to 120 characters", field="name")
    clean = _clean_rules(rules)
    with transaction.atomic():
        segment = Segment.objects.select_for_update().filter(key=key).first()
        created = segment is None
        if not created and (segment.name, segment.rules) == (name, clean):
            return segment, False
        if created:
            segment = Segment.objects.create(key=key, name=name, rules=clean)
        else:
            segment.name, segment.rules = name, clean
            segment.save(update_fields=["name", "rules", "updated_at"])
        event_emit(
            type="segment.saved",
            subject=segment,
            payload={"key": key, "name": name, "rules": clean, "created": created},
            actor=actor,
        )
    return segment, created


def segment_delete(*, segment: Segment, actor: Actor) -> None:
    with transaction.atomic():
        event_emit(
            type="segment.deleted", subject=segment, payload={"key": segment.key}, actor=actor
        )
        segment.delete()
