"""Reads of the marketing app. Recommendations: what to suggest to a customer or next to a
product, from the association counts the nightly job keeps (soloops.marketing.associations),
falling back to what sells most. Never what the customer already bought, never an inactive or
out-of-stock SKU, never one priced in another currency than the shop's."""

from dataclasses import dataclass
from decimal import Decimal

from soloops.catalog.selectors import variants_list
from soloops.inventory.selectors import available_by_variant
from soloops.marketing.associations import Rule, Scored, min_pair_baskets, rule_make, rules_rank
from soloops.marketing.models import AssociationRun, BasketKind, ItemCount, PairCount
from soloops.orders.selectors import variant_ids_bought
from soloops.shop.selectors import shop_currency

# Why an item is suggested: the codes callers switch on (and translate).
BOUGHT_TOGETHER = "bought_together"  # in the same order as something the customer has
ALSO_BOUGHT = "also_bought"  # customers who bought what they have also bought this
POPULAR = "popular"  # no association to go by: what sells most lately
REASONS = {BasketKind.ORDER: BOUGHT_TOGETHER, BasketKind.CUSTOMER: ALSO_BOUGHT}
CANDIDATES_MAX = 200  # ranked candidates checked for stock and activity, per call


@dataclass(frozen=True)
class Recommendation:
    variant_id: int
    sku: str
    name: str  # the product's name, with the variant's when it has one
    price: Decimal
    reason: str  # "bought_together" | "also_bought" | "popular"
    score: float  # 0..1 for associations (the chance a rule holds); popularity below them
    currency: str = ""
    product_slug: str = ""  # for a link to the product's page


def recommendations_for_customer(customer_id: int, limit: int = 4) -> list[Recommendation]:
    """Up to ``limit`` variants for this customer, best first: what goes with what they
    bought (same order, or same customers), then the most popular. A bounded number of
    queries, whatever the customer's history."""
    owned = variant_ids_bought(customer_id=customer_id)
    ranked = rules_rank(_rules_from(owned), exclude=owned)
    return _finish(ranked, exclude=owned, limit=limit)


def bought_together(variant_id: int, limit: int = 4) -> list[Recommendation]:
    """Up to ``limit`` variants that go with this one: same order first, then same
    customers, then the most popular."""
    return bought_with_any({variant_id}, limit=limit)


def bought_with_any(variant_ids: set[int], limit: int = 4) -> list[Recommendation]:
    """Up to ``limit`` variants that go with any of these (the product page's "Often bought
    together", for all of a product's variants), none of them; as ``bought_together``."""
    exclude = set(variant_ids)
    rules = _rules_from(exclude)
    together = rules_rank([r for r in rules if r.kind == BasketKind.ORDER], exclude=exclude)
    also = rules_rank([r for r in rules if r.kind == BasketKind.CUSTOMER], exclude=exclude)
    seen = {s.variant_id for s in together}
    return _finish(together + [s for s in also if s.variant_id not in seen], exclude, limit)


# --- the parts ---------------------------------------------------------------------------------


def _rules_from(antecedents: set[int]) -> list[Rule]:
    """Every kept rule from these variants, both kinds (three queries; none without a run)."""
    if not antecedents:
        return []
    run = AssociationRun.objects.order_by("-computed_at", "-id").first()
    if run is None:
        return []
    pairs = list(
        PairCount.objects.filter(antecedent_id__in=antecedents)
        .order_by()
        .values_list("kind", "antecedent_id", "consequent_id", "baskets")
    )
    ids = set(antecedents) | {c for _, _, c, _ in pairs}
    items = {
        (kind, v): n
        for kind, v, n in ItemCount.objects.filter(variant_id__in=ids)
        .order_by()
        .values_list("kind", "variant_id", "baskets")
    }
    totals = {BasketKind.ORDER: run.orders, BasketKind.CUSTOMER: run.customers}
    # An order counted since the nightly run may have added a pair below the minimum support.
    floors = {kind: min_pair_baskets(total) for kind, total in totals.items()}
    rules = []
    for kind, a, b, both in pairs:
        if both >= floors[kind] and items.get((kind, a)) and items.get((kind, b)):
            rules.append(
                rule_make(
                    antecedent=a,
                    consequent=b,
                    kind=kind,
                    both=both,
                    a=items[(kind, a)],
                    b=items[(kind, b)],
                    total=totals[kind],
                )
            )
    return rules


def _popular(*, exclude: set[int], limit: int) -> list[Scored]:
    """The most ordered variants lately (then of all time), scored below any association."""
    rows = list(
        ItemCount.objects.filter(kind=BasketKind.ORDER)
        .exclude(variant_id__in=exclude)
        .order_by("-recent", "-baskets", "variant_id")
        .values_list("variant_id", "recent", "baskets")[:limit]
    )
    top = max((r[1] + r[2] for r in rows), default=0) or 1
    # Scores in (0, 0.001]: a popular item never outranks an association that fired.
    return [Scored(v, 0.001 * (recent + n) / (2 * top), POPULAR) for v, recent, n in rows]


def _for_sale(ids: list[int]) -> dict[int, tuple]:
    """{variant id: (sku, title, price, currency, product slug)} of those on sale: active
    (with their product), in the shop's currency and with stock available at the default
    location. Two queries, no model instances."""
    if not ids:
        return {}
    rows = (
        variants_list(active=True)
        .filter(pk__in=ids, currency=shop_currency())
        .values_list("pk", "sku", "name", "product__name", "price", "currency", "product__slug")
    )
    rows = list(rows)
    available = available_by_variant([row[0] for row in rows])
    sale = {}
    for pk, sku, name, product_name, price, currency, slug in rows:
        if available.get(pk, 0) > 0:
            title = f"{product_name} — {name}" if name else product_name
            sale[pk] = (sku, title, price, currency, slug)
    return sale


def _finish(ranked: list[Scored], exclude: set[int], limit: int) -> list[Recommendation]:
    if limit <= 0:
        return []
    ranked = ranked[:CANDIDATES_MAX]
    seen = exclude | {s.variant_id for s in ranked}
    candidates = ranked + _popular(exclude=seen, limit=limit + CANDIDATES_MAX // 4)
    sale = _for_sale([s.variant_id for s in candidates])
    found = []
    for s in candidates:
        if s.variant_id in sale:
            sku, name, price, currency, slug = sale[s.variant_id]
            reason = REASONS.get(s.kind, POPULAR)
            found.append(
                Recommendation(s.variant_id, sku, name, price, reason, s.score, currency, slug)
            )
            if len(found) == limit:
                break
    return found
