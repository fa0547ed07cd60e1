"""What waits for the owner: held orders, ``approve`` steps of flow runs, purchase order drafts,
price suggestions.

Today lists the first of them and Decisions all of them, oldest first, one item per decision:
a flow's question about a held order joins that order's item. Each kind is one query (its
app's selector, with a limit), so the queue costs four queries however long it is.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext as _

from soloops.analytics.selectors import price_suggestions_waiting
from soloops.automation.selectors import runs_awaiting_approval
from soloops.orders.selectors import orders_on_hold, review_reasons
from soloops.purchasing.selectors import PurchaseOrderFilters, purchase_orders_list

ORDER, APPROVAL, PURCHASE_ORDER, PRICE = "order", "approval", "purchase_order", "price"
KINDS = (ORDER, APPROVAL, PURCHASE_ORDER, PRICE)
# The event subject type of an order: a flow's question about one has this subject.
ORDER_SUBJECT = "orders.order"
# SKUs named in a draft's reason before "and N more".
REASON_SKUS = 5


@dataclass
class WaitingItem:
    kind: str  # ORDER, APPROVAL or PURCHASE_ORDER
    ref: str  # what the decision form names: order number, run id, purchase order number
    since: datetime  # since when it waits
    reasons: list[str]  # why it waits, most telling first
    subject: object  # the order, run or purchase order, for the template
    form: object = None  # the decision form, set by the Decisions view
    extra: dict = field(default_factory=dict)


@dataclass
class Queue:
    items: list[WaitingItem]
    # Kinds with more waiting than were fetched: the page says where to see the rest.
    more: set[str]

    def __bool__(self) -> bool:
        return bool(self.items)


def order_reasons(order) -> list[str]:
    """The review's risk reasons of a held order (biggest first), or the reason it was held
    by hand."""
    reasons = review_reasons(order.review)
    if order.review_outcome == "hold" and reasons:
        return [r["text"] for r in reasons]
    return [order.status_reason] if order.status_reason else []


def _held(limit: int) -> list[WaitingItem]:
    return [
        WaitingItem(
            kind=ORDER,
            ref=order.number,
            # Held by the review at intake, or by hand later (its last change).
            since=order.placed_at if order.review_outcome == "hold" else order.updated_at,
            reasons=order_reasons(order) or [_("Held for your decision")],
            subject=order,
        )
        for order in orders_on_hold(limit=limit)
    ]


def _approvals(limit: int) -> list[WaitingItem]:
    return [
        WaitingItem(
            kind=APPROVAL,
            ref=str(run.pk),
            since=run.asked_at,
            reasons=[],
            subject=run,
            # The step's own question, in full: the card's heading.
            extra={"question": run.approval_message or _("The flow asks for your approval")},
        )
        for run in runs_awaiting_approval(limit=limit)
    ]


def draft_reasons(po) -> list[str]:
    """Why a draft was written: per SKU, the stock position that made the reorder run order
    it (its latest reorder decision), or the edits made by hand."""
    lines = (po.reason or {}).get("lines") or {}
    reasons = []
    for sku, decisions in sorted(lines.items()):
        if not isinstance(decisions, list) or not decisions:
            continue
        latest = decisions[-1] if isinstance(decisions[-1], dict) else {}
        if latest.get("kind") == "reorder":
            reasons.append(
                _(
                    "%(sku)s: %(available)s available and %(incoming)s on order, below the "
                    "reorder point %(point)s; ordering %(quantity)s"
                )
                % {
                    "sku": sku,
                    "available": latest.get("available", "?"),
                    "incoming": latest.get("incoming", "?"),
                    "point": latest.get("reorder_point", "?"),
                    "quantity": latest.get("quantity", "?"),
                }
            )
        elif latest.get("kind") == "edit":
            reasons.append(
                _("%(sku)s: changed by %(by)s from %(before)s to %(after)s")
                % {
                    "sku": sku,
                    "by": latest.get("by", "?"),
                    "before": latest.get("from", "?"),
                    "after": latest.get("to", "?"),
                }
            )
    if len(reasons) > REASON_SKUS:
        rest = len(reasons) - REASON_SKUS
        reasons = [*reasons[:REASON_SKUS], _("and %(n)d more SKUs") % {"n": rest}]
    return reasons or [_("A draft waiting to be sent to the supplier")]


def _drafts(limit: int) -> list[WaitingItem]:
    drafts = purchase_orders_list(PurchaseOrderFilters(status="draft")).order_by(
        "created_at", "id"
    )[:limit]
    return [
        WaitingItem(
            kind=PURCHASE_ORDER,
            ref=po.number,
            since=po.created_at,
            reasons=draft_reasons(po),
            subject=po,
        )
        for po in drafts
    ]


def price_reasons(suggestion) -> list[str]:
    """Why a price is suggested: the elasticity with its interval, and the expected effect."""
    values = {
        "e": f"{suggestion.elasticity:.2f}",
        "low": f"{suggestion.elasticity_low:.2f}",
        "high": f"{suggestion.elasticity_high:.2f}",
        "days": suggestion.days_used,
        "effect": f"{suggestion.effect:+.1%}",
        "effect_low": f"{suggestion.effect_low:+.1%}",
        "effect_high": f"{suggestion.effect_high:+.1%}",
    }
    return [
        _(
            "Price elasticity %(e)s (95 %% interval %(low)s to %(high)s), from %(days)s days "
            "with sales"
        )
        % values,
        _("Expected gross margin per day %(effect)s (%(effect_low)s to %(effect_high)s)") % values,
    ]


def _prices(limit: int) -> list[WaitingItem]:
    return [
        WaitingItem(
            kind=PRICE,
            ref=str(suggestion.pk),
            since=suggestion.created_at,
            reasons=price_reasons(suggestion),
            subject=suggestion,
        )
        for suggestion in price_suggestions_waiting(limit=limit)
    ]


FETCH = {ORDER: _held, APPROVAL: _approvals, PURCHASE_ORDER: _drafts, PRICE: _prices}


def waiting_queue(*, per_kind: int = 50, kinds: tuple[str, ...] = KINDS) -> Queue:
    """Up to ``per_kind`` items of each kind, merged oldest first: one item per decision."""
    items, more = [], set()
    for kind in kinds:
        found = FETCH[kind](per_kind + 1)
        if len(found) > per_kind:
            more.add(kind)
        items.extend(found[:per_kind])
    items = _one_per_order(items)
    items.sort(key=lambda item: item.since)
    return Queue(items=items, more=more)


def _one_per_order(items: list[WaitingItem]) -> list[WaitingItem]:
    """A flow's question about a held order (``review-held-orders`` asks about each one) is
    the same decision as the order itself: it goes onto the order's item, listed in
    ``extra["approvals"]``, instead of being a second item. Deciding the order settles the
    question (automation.services.approvals)."""
    held = {str(item.subject.pk): item for item in items if item.kind == ORDER}
    kept = []
    for item in items:
        run = item.subject
        order = held.get(run.subject_id) if item.kind == APPROVAL else None
        if order is not None and run.subject_type == ORDER_SUBJECT:
            order.extra.setdefault("approvals", []).append(run)
        else:
            kept.append(item)
    return kept
