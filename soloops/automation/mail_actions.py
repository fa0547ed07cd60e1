"""Flow actions that email about what the apps below keep: ``email.order`` (a customer email
about an order, what the default flows "order confirmation", "payment received", "shipped",
"delivered", "cancelled" and "refunded" call) and ``notify.owner_daily_summary`` (orders,
stock and failed runs of yesterday). They read orders, stock and runs and queue through the
emails app, so they live here, above all of those; ``notify.owner`` stays the emails app's.
Each queues with the step's idempotency key, so a retried or resumed step never sends twice;
``email.order`` may name a wider key (``once_per``) so that an email goes out once per order
however many runs ask for it."""

from datetime import timedelta

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import BaseModel, Field, field_validator

from soloops.actions import Action, ActionCall
from soloops.automation.selectors import runs_list
from soloops.emails.selectors import KINDS, language_for
from soloops.emails.services import email_enqueue, owner_notice_enqueue
from soloops.formatting import date_display, money_display
from soloops.inventory.selectors import stock_levels
from soloops.marketing.selectors import recommendations_for_customer
from soloops.orders.selectors import day_figures, order_get_for, orders_on_hold_count
from soloops.shop.selectors import shop_profile


def _order_url(order) -> str:
    try:
        path = reverse("storefront:confirmation", kwargs={"token": order.public_token})
    except NoReverseMatch:
        return ""
    return f"{settings.SITE_URL}{path}"


def order_context(order) -> dict:
    """What an order email may show: JSON only, money as strings."""
    return {
        "order": {
            "number": order.number,
            "placed_on": timezone.localdate(order.placed_at).isoformat(),
            "currency": order.currency,
            "subtotal": str(order.subtotal),
            "shipping": str(order.shipping),
            "shipping_method": order.shipping_method,
            "shipping_days_min": order.shipping_days_min,
            "shipping_days_max": order.shipping_days_max,
            "tax": str(order.tax),
            "total": str(order.total),
            "url": _order_url(order),
            "lines": [
                {
                    "sku": line.sku,
                    "title": line.title,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "line_total": str(line.line_total),
                }
                for line in order.lines.all()
            ],
            "shipping_address": order.shipping_address,
        },
        "customer": {"name": order.customer.name, "email": order.email},
    }


# The order emails that suggest a few products the customer does not have yet.
SUGGESTING = frozenset({"order_shipped", "order_follow_up"})
SUGGESTIONS_MAX = 3


def suggestions_context(order) -> dict:
    """``recommendations``: up to three products for the order's customer (never one they
    bought, one sold out or off sale), with a link to each product's page."""
    found = recommendations_for_customer(order.customer_id, limit=SUGGESTIONS_MAX)
    items = []
    for item in found:
        try:
            path = reverse("storefront:product", kwargs={"slug": item.product_slug})
        except NoReverseMatch:
            path = ""
        items.append(
            {
                "sku": item.sku,
                "name": item.name,
                "price": str(item.price),
                "currency": item.currency,
                "reason": item.reason,
                "url": f"{settings.SITE_URL}{path}" if path else "",
            }
        )
    return {"recommendations": items}


def _web_links_only(value):
    """``value`` with every ``...url`` text that is not an http(s) address blanked. The
    templates make links of them, and autoescaping does not stop a ``javascript:`` URL; a
    tracking URL comes from a carrier or whoever created the shipment."""
    if isinstance(value, list):
        return [_web_links_only(item) for item in value]
    if not isinstance(value, dict):
        return value
    safe = {}
    for key, item in value.items():
        web = isinstance(item, str) and item.startswith(("https://", "http://"))
        if str(key).endswith("url") and isinstance(item, str) and not web:
            item = ""
        safe[key] = _web_links_only(item)
    return safe


class OrderEmailIn(BaseModel):
    template: str = Field(
        description=gettext_noop("order_confirmation, order_paid, order_shipped, ...")
    )
    order: str = Field(description=gettext_noop("the order number, e.g. {{ order.number }}"))
    extra: dict = Field({}, description=gettext_noop("more template data, e.g. shipment or refund"))
    once_per: str = Field(
        "",
        max_length=150,
        description=gettext_noop(
            "send this template at most once per this value, across all runs (e.g. "
            "{{ order.number }}: one confirmation per order even if it is accepted twice); "
            "empty: once per run step"
        ),
    )

    @field_validator("template")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KINDS or value in ("owner_notification", "purchase_order", "test_email"):
            raise ValueError(f"unknown order template {value!r}")
        return value


def _order_email(data: OrderEmailIn, call: ActionCall) -> dict:
    order = order_get_for(actor=call.actor, number=data.order)
    # "<template>:<value>" (order_confirmation:SO-...) is also the key the emails app's event
    # handlers used before these emails became default flows: what they sent is not resent.
    key = f"{data.template}:{data.once_per}" if data.once_per else call.idempotency_key
    send = email_enqueue(
        to=order.email,
        template=data.template,
        context={
            **order_context(order),
            **(suggestions_context(order) if data.template in SUGGESTING else {}),
            **_web_links_only(data.extra),
        },
        language=language_for(order.customer.language, language_for(shop_profile().language)),
        idempotency_key=key,
        subject=("orders.order", str(order.pk)),
        actor=call.actor,
    )
    return {"email": send.pk, "to": send.to, "template": data.template}


class DailySummaryIn(BaseModel):
    pass


def _summary_text() -> tuple[str, str]:
    """Yesterday in the shop's time zone (tasks run in it), in the shop's language."""
    profile = shop_profile()
    with translation.override(language_for(profile.language)):
        today = timezone.localdate()
        yesterday = today - timedelta(days=1)
        day = day_figures(day=yesterday)
        week_before = day_figures(day=yesterday - timedelta(days=7))
        low = stock_levels(low=True).count()
        failed = runs_list(status="failed").count()
        held = orders_on_hold_count()
        subject = _("%(shop)s on %(day)s: %(orders)d orders, %(revenue)s") % {
            "shop": profile.name,
            "day": date_display(yesterday),
            "orders": day["orders"],
            "revenue": money_display(day["revenue"], profile.currency),
        }
        lines = [
            _("Orders: %(n)d (same day last week: %(m)d)")
            % {"n": day["orders"], "m": week_before["orders"]},
            _("Revenue: %(a)s (same day last week: %(b)s)")
            % {
                "a": money_display(day["revenue"], profile.currency),
                "b": money_display(week_before["revenue"], profile.currency),
            },
            _("Orders waiting for your decision: %(n)d") % {"n": held},
            _("SKUs low on stock: %(n)d") % {"n": low},
            _("Failed automation runs: %(n)d") % {"n": failed},
        ]
        return str(subject), "\n".join(str(line) for line in lines)


def _daily_summary(data: DailySummaryIn, call: ActionCall) -> dict:
    subject, body = _summary_text()
    sent = owner_notice_enqueue(
        subject=subject,
        body=body,
        url="",
        idempotency_key=call.idempotency_key,
        about=("automation.flowrun", str(call.run_id or "")),
        actor=call.actor,
    )
    return {"to": sent}


ACTIONS = [
    Action(
        "email.order",
        gettext_lazy(
            "Email the order's customer with one of the shop's templates, in their language."
        ),
        OrderEmailIn,
        _order_email,
        lambda d, c: (
            f"email {d.template} about order {d.order} to its customer"
            + (f" (once per {d.once_per})" if d.once_per else "")
        ),
    ),
    Action(
        "notify.owner_daily_summary",
        gettext_lazy(
            "Email the owner yesterday's orders and revenue (against the same day last week), "
            "orders on hold, low-stock SKUs and failed runs."
        ),
        DailySummaryIn,
        _daily_summary,
        lambda d, c: "email the owner: " + _summary_text()[0],
    ),
]
