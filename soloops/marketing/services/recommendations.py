"""Writes of the marketing app. Recommendations: the nightly recount of the association
counts, and the cheap increment when an order comes in."""

from collections import Counter
from datetime import datetime, timedelta
from itertools import groupby

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.events.services import event_emit
from soloops.marketing.associations import baskets_count, kept_pairs
from soloops.marketing.models import AssociationRun, BasketKind, ItemCount, PairCount
from soloops.orders.selectors import basket_lines, order_basket, variant_ids_bought

RECENT_DAYS = 90  # "popular" means ordered most in this many days (then of all time)
BATCH = 2000


def recommendations_recompute(*, actor: Actor, now: datetime | None = None) -> AssociationRun:
    """Count every basket again (orders that count; a customer's orders together) and
    replace the association tables with the pairs at or above the minimum support: one pass
    over the order lines, the tables swapped in one transaction with the event."""
    now = now or timezone.now()
    recent_since = now - timedelta(days=RECENT_DAYS)
    orders: list[set[int]] = []
    by_customer: dict[int, set[int]] = {}
    recent: Counter = Counter()
    last_order_id = 0
    for order_id, rows in groupby(basket_lines(), key=lambda row: row[0]):
        last_order_id = max(last_order_id, order_id)
        rows = list(rows)
        basket = {variant for _, _, variant, _ in rows}
        orders.append(basket)
        by_customer.setdefault(rows[0][1], set()).update(basket)
        if rows[0][3] >= recent_since:
            recent.update(basket)
    counts = {
        BasketKind.ORDER: baskets_count(orders),
        BasketKind.CUSTOMER: baskets_count(by_customer.values()),
    }
    items, pairs = [], []
    for kind, c in counts.items():
        items += [
            ItemCount(
                kind=kind, variant_id=v, baskets=n, recent=recent[v] if kind == "order" else 0
            )
            for v, n in c.items.items()
        ]
        pairs += [
            PairCount(kind=kind, antecedent_id=a, consequent_id=b, baskets=n)
            for (a, b), n in kept_pairs(c).items()
        ]
    with transaction.atomic():
        PairCount.objects.all().delete()
        ItemCount.objects.all().delete()
        ItemCount.objects.bulk_create(items, batch_size=BATCH)
        PairCount.objects.bulk_create(pairs, batch_size=BATCH)
        AssociationRun.objects.all().delete()
        run = AssociationRun.objects.create(
            orders=counts[BasketKind.ORDER].total,
            customers=counts[BasketKind.CUSTOMER].total,
            pairs=len(pairs),
            last_order_id=last_order_id,
            computed_at=now,
        )
        event_emit(
            type="recommendations.recomputed",
            subject=run,
            payload={"orders": run.orders, "customers": run.customers, "pairs": run.pairs},
            actor=actor,
        )
    return run


def recommendations_count_order(*, order_id: int) -> bool:
    """Add one new order to the counts (the order.placed handler): its basket, and what it
    adds to its customer's. A few queries, whatever the shop's size; serialised on the run
    row, so two workers never lose an increment. Cancellations and merges wait for the
    nightly recount. Returns whether anything was counted (nothing before the first run, nor
    for an order the last recount already saw)."""
    found = order_basket(order_id=order_id)
    if found is None:
        return False
    customer_id, basket = found
    with transaction.atomic():
        run = AssociationRun.objects.select_for_update().order_by("-computed_at", "-id").first()
        if run is None or order_id <= run.last_order_id:
            return False
        before = variant_ids_bought(customer_id=customer_id, excluding_order=order_id)
        new = basket - before
        both = before | basket
        customer_pairs = {(a, b) for a in new for b in both if a != b}
        _counts_add(BasketKind.ORDER, basket, {(a, b) for a in basket for b in basket if a != b})
        _counts_add(BasketKind.CUSTOMER, new, customer_pairs | {(b, a) for a, b in customer_pairs})
        run.orders += 1
        run.customers += 0 if before else 1
        run.save(update_fields=["orders", "customers", "updated_at"])
    return True


def _counts_add(kind: str, items: set[int], pairs: set[tuple[int, int]]) -> None:
    """One more basket of ``kind`` holding ``items`` and every one of ``pairs`` (both ways
    round already). The caller holds the run row's lock."""
    recent = 1 if kind == BasketKind.ORDER else 0
    if items:
        ItemCount.objects.filter(kind=kind, variant_id__in=items).update(
            baskets=F("baskets") + 1, recent=F("recent") + recent
        )
        have = set(
            ItemCount.objects.filter(kind=kind, variant_id__in=items).values_list(
                "variant_id", flat=True
            )
        )
        ItemCount.objects.bulk_create(
            ItemCount(kind=kind, variant_id=v, baskets=1, recent=recent) for v in items - have
        )
    if pairs:
        sides = {a for a, _ in pairs}
        rows = PairCount.objects.filter(
            kind=kind, antecedent_id__in=sides, consequent_id__in=sides | {b for _, b in pairs}
        )
        have_pairs = {(r.antecedent_id, r.consequent_id): r for r in rows}
        hit = [r for key, r in have_pairs.items() if key in pairs]
        PairCount.objects.filter(pk__in=[r.pk for r in hit]).update(baskets=F("baskets") + 1)
        PairCount.objects.bulk_create(
            PairCount(kind=kind, antecedent_id=a, consequent_id=b, baskets=1)
            for a, b in pairs - have_pairs.keys()
        )
