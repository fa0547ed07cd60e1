"""Price suggestions: estimated nightly per SKU, decided by the owner.

A suggestion never changes a price by itself. ``price_suggestions_refresh`` keeps one open
row per SKU — ``waiting`` (a price the owner is asked about, with an
``analytics.price_suggested`` event) or ``none`` (why not: too little price history, no
supplier cost, the price is already about the best) — and withdraws a waiting one a later run
no longer supports. ``price_suggestion_decide`` is the owner's answer: accepting changes the
variant's price through catalog's service (its ``variant.updated`` event) and records
``analytics.price_suggestion_accepted``; rejecting records ``..._rejected``, and the same
suggestion is not asked again for ``REJECTED_QUIET`` days.
"""

from datetime import timedelta
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.analytics import pricing, selectors
from soloops.analytics.models import PriceSuggestion, SuggestionStatus
from soloops.analytics.services.facts import shop_today
from soloops.catalog.selectors import variant_get
from soloops.catalog.services import variant_update
from soloops.errors import InvalidInput
from soloops.events.services import event_emit
from soloops.purchasing.selectors import positions
from soloops.shop.selectors import shop_zone

HISTORY_DAYS = 365
REJECTED_QUIET = timedelta(days=30)
OPEN = (SuggestionStatus.WAITING, SuggestionStatus.NONE)


def _histories(skus: list[str], since, days: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    found = {sku: (np.zeros(days), np.zeros(days)) for sku in skus}
    until = since + timedelta(days=days - 1)
    for sku, day, units, revenue in selectors.sku_price_rows(skus=skus, since=since, until=until):
        found[sku][0][(day - since).days] = units
        found[sku][1][(day - since).days] = float(revenue)
    return found


def _fields(position, estimate: pricing.Elasticity, rejected: set) -> dict:
    variant, offer = position.variant, position.policy.offer
    cost = offer.unit_cost if offer else None
    fields = {
        "current_price": variant.price,
        "unit_cost": cost,
        "suggested_price": None,
        "elasticity": estimate.value,
        "elasticity_low": estimate.low,
        "elasticity_high": estimate.high,
        "effect": None,
        "effect_low": None,
        "effect_high": None,
        "days_used": estimate.days,
        "status": SuggestionStatus.NONE,
        "reason": estimate.reason,
    }
    if estimate.value is None:
        return fields
    if cost is None:
        return fields | {"reason": "no supplier cost: the margin cannot be estimated"}
    found = pricing.suggest(estimate=estimate, price=variant.price, cost=cost)
    if found is None:
        reason = "the current price is about the best within ±10 % (or the estimate is unsure)"
        return fields | {"reason": reason}
    if (variant.sku, variant.price, found.price) in rejected:
        return fields | {"reason": "you rejected this price recently"}
    return fields | {
        "status": SuggestionStatus.WAITING,
        "reason": f"elasticity {estimate.value:.2f} from {estimate.days} days with sales",
        "suggested_price": found.price,
        "effect": found.effect,
        "effect_low": found.effect_low,
        "effect_high": found.effect_high,
    }


def _payload(row: PriceSuggestion) -> dict:
    return {
        "sku": row.sku,
        "current_price": str(row.current_price),
        "suggested_price": str(row.suggested_price),
        "elasticity": row.elasticity,
        "effect": row.effect,
        "effect_low": row.effect_low,
        "effect_high": row.effect_high,
    }


def _store(sku: str, fields: dict, row: PriceSuggestion | None, actor: Actor) -> bool:
    """Write the SKU's open row; True when a new price is asked about. Caller holds a
    transaction."""
    asking = fields["status"] == SuggestionStatus.WAITING
    same_question = (
        row is not None
        and row.status == SuggestionStatus.WAITING
        and (row.current_price, row.suggested_price)
        == (fields["current_price"], fields["suggested_price"])
    )
    if row is not None and row.status == SuggestionStatus.WAITING and not same_question:
        row.status = SuggestionStatus.WITHDRAWN
        row.save(update_fields=["status", "updated_at"])
        row = None
    if row is None:
        row = PriceSuggestion.objects.create(sku=sku, **fields)
    else:
        for name, value in fields.items():
            setattr(row, name, value)
        row.save(update_fields=[*fields, "updated_at"])
    if asking and not same_question:
        event_emit(
            type="analytics.price_suggested", subject=row, payload=_payload(row), actor=actor
        )
        return True
    return False


def price_suggestions_refresh(*, actor: Actor) -> int:
    """Estimate every supplied active SKU's elasticity from its last year of sales and keep its
    open suggestion current. Returns how many new prices wait for the owner. Idempotent: a
    second run the same day asks nothing new."""
    until = shop_today(shop_zone()) - timedelta(days=1)
    since = until - timedelta(days=HISTORY_DAYS - 1)
    supplied = {p.variant.sku: p for p in positions()}
    histories = _histories(list(supplied), since, HISTORY_DAYS)
    rejected = set(
        PriceSuggestion.objects.filter(
            status=SuggestionStatus.REJECTED, decided_at__gte=timezone.now() - REJECTED_QUIET
        ).values_list("sku", "current_price", "suggested_price")
    )
    asked = 0
    with transaction.atomic():
        open_rows = {
            row.sku: row
            for row in PriceSuggestion.objects.select_for_update().filter(status__in=OPEN)
        }
        for sku, position in supplied.items():
            estimate = pricing.elasticity(*histories[sku])
            fields = _fields(position, estimate, rejected)
            asked += _store(sku, fields, open_rows.get(sku), actor)
    return asked


def price_suggestion_decide(
    *, suggestion_id: int, accept: bool, actor: Actor, note: str = ""
) -> PriceSuggestion:
    """The owner's answer to a waiting suggestion. Accepting sets the SKU's price to the
    suggested one — refused (naming ``price``) when the price was changed since the
    suggestion, which then no longer fits."""
    with transaction.atomic():
        row = PriceSuggestion.objects.select_for_update().filter(pk=suggestion_id).first()
        if row is None:
            row = selectors.price_suggestion_get(suggestion_id=suggestion_id)  # raises NotFound
        if row.status != SuggestionStatus.WAITING:
            raise InvalidInput(
                "suggestion_not_waiting", f"this suggestion is {row.status}", field="status"
            )
        variant = variant_get(sku=row.sku)
        if accept and variant.price != row.current_price:
            raise InvalidInput(
                "price_changed",
                f"the price of {row.sku} is {variant.price} now, not {row.current_price}",
                field="price",
            )
        if accept:
            variant_update(variant=variant, actor=actor, price=Decimal(row.suggested_price))
        row.status = SuggestionStatus.ACCEPTED if accept else SuggestionStatus.REJECTED
        row.decided_by, row.decided_at, row.note = str(actor)[:150], timezone.now(), note[:500]
        row.save(update_fields=["status", "decided_by", "decided_at", "note", "updated_at"])
        event_emit(
            type=f"analytics.price_suggestion_{row.status}",
            subject=row,
            payload={**_payload(row), "note": row.note},
            actor=actor,
        )
    return row
