"""Automatic review of a new order: a pure function of the facts and the owner's policy.

The result lists every check and every risk reason with its points, so the owner sees why an
order was accepted, held or rejected.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from soloops.formatting import money_display
from soloops.orders.models import ReviewOutcome, ReviewPolicy

# Each risk reason's sentence, by its code. A reason is stored with its code, its params and
# the sentence in English (what the API returns); the console shows it in the reader's
# language with ``reason_text``. Amounts are stored as plain numbers with the currency and
# written as money ("€667.59") only when the sentence is made, in the language it is made for.
REASON_TEXTS = {
    "first_order_high_total": _("First order with a total of %(total)s (over %(limit)s)"),
    "many_orders_from_email": _("%(n)d orders from this email in the last %(minutes)d minutes"),
    "many_orders_from_ip": _("%(n)d orders from this IP address in the last %(minutes)d minutes"),
    "country_mismatch": _("Billing country %(billing)s differs from shipping country %(shipping)s"),
}


# The params of a reason that are amounts in the params' ``currency``.
MONEY_PARAMS = {"first_order_high_total": ("total", "limit")}


def _sentence(code: str, params: dict) -> str:
    money = MONEY_PARAMS.get(code, ())
    shown = {
        key: money_display(value, params.get("currency", "")) if key in money else value
        for key, value in params.items()
    }
    return str(REASON_TEXTS[code]) % shown


def reason_text(reason: dict) -> str:
    """A stored reason in the active language (its stored sentence if it has no params)."""
    code, params = reason.get("code", ""), reason.get("params")
    if code not in REASON_TEXTS or not isinstance(params, dict):
        return str(reason.get("message", ""))
    try:
        return _sentence(code, params)
    except (KeyError, TypeError, ValueError):
        return str(reason.get("message", ""))


@dataclass(frozen=True)
class Facts:
    total: Decimal
    currency: str
    previous_orders: int  # orders this email placed before
    recent_orders_email: int  # within the policy window, before this one
    recent_orders_ip: int
    shipping_country: str
    billing_country: str


@dataclass
class Review:
    outcome: str
    score: int
    reasons: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"outcome": self.outcome, "score": self.score, "reasons": self.reasons}


def review_order(facts: Facts, policy: ReviewPolicy) -> Review:
    reasons = []

    def add(code: str, points: int, **params) -> None:
        with override("en"):
            message = _sentence(code, params)
        reasons.append({"code": code, "points": points, "message": message, "params": params})

    if facts.previous_orders == 0 and facts.total > policy.first_order_limit:
        add(
            "first_order_high_total",
            policy.first_order_score,
            total=str(facts.total),
            currency=facts.currency,
            limit=str(policy.first_order_limit),
        )
    if facts.recent_orders_email >= policy.max_orders_per_email:
        add(
            "many_orders_from_email",
            policy.velocity_score,
            n=facts.recent_orders_email,
            minutes=policy.velocity_window_minutes,
        )
    if facts.recent_orders_ip >= policy.max_orders_per_ip:
        add(
            "many_orders_from_ip",
            policy.velocity_score,
            n=facts.recent_orders_ip,
            minutes=policy.velocity_window_minutes,
        )
    if (
        facts.billing_country
        and facts.shipping_country
        and facts.billing_country.upper() != facts.shipping_country.upper()
    ):
        add(
            "country_mismatch",
            policy.country_mismatch_score,
            billing=facts.billing_country.upper(),
            shipping=facts.shipping_country.upper(),
        )
    score = sum(r["points"] for r in reasons)
    if score >= policy.reject_at_score:
        outcome = ReviewOutcome.REJECT
    elif score >= policy.hold_at_score:
        outcome = ReviewOutcome.HOLD
    else:
        outcome = ReviewOutcome.ACCEPT
    return Review(outcome=outcome, score=score, reasons=reasons)
