"""Flow actions on purchasing; the default flow "Reorder low stock"
(``soloops/automation/default_flows/reorder-low-stock.yaml``) calls the first on ``stock.low``.

Both are safe to repeat: a draft run counts open orders as incoming, and a purchase order is
sent only once (from draft), with an e-mail idempotency key derived from the order.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.purchasing import selectors, services


class DraftIn(BaseModel):
    send_when_policy_allows: bool = Field(
        True, description=gettext_noop("send each draft whose every SKU's policy says auto_send")
    )


class PurchaseOrderIn(BaseModel):
    purchase_order: str = Field(
        description=gettext_noop("the purchase order number, e.g. PO-2026-7K3QXM")
    )


def _trigger(call: ActionCall) -> dict:
    """What each drafted line's reason records as its cause: the run, and the event that
    started it (``stock.low`` names its SKU)."""
    trigger = {"kind": "flow", "run_id": call.run_id}
    flow, event = call.context.get("flow") or {}, call.context.get("event") or {}
    if flow.get("key"):
        trigger["flow"] = flow["key"]
    if event.get("id"):
        trigger.update(event=event["type"], event_id=event["id"])
        sku = (event.get("payload") or {}).get("sku")
        if sku:
            trigger["sku"] = sku
    return trigger


def _draft(data: DraftIn, call: ActionCall) -> dict:
    run = services.purchase_orders_draft_for_low_stock(actor=call.actor, trigger=_trigger(call))
    sent = []
    if data.send_when_policy_allows:
        for po in run.purchase_orders:
            if selectors.purchase_order_auto_send(po):
                services.purchase_order_send(po=po, actor=call.actor)
                sent.append(po.number)
    return {
        "created": [po.number for po in run.created],
        "extended": [po.number for po in run.extended],
        "sent": sent,
    }


def _send(data: PurchaseOrderIn, call: ActionCall) -> dict:
    po = selectors.purchase_order_get_for(actor=call.actor, number=data.purchase_order)
    po = services.purchase_order_send(po=po, actor=call.actor)
    return {"number": po.number, "status": po.status}


ACTIONS = [
    Action(
        "purchase_order.draft_for_low_stock",
        _(
            "Draft purchase orders for every SKU below its reorder point, one per supplier "
            "(and send those the owner's policies allow)."
        ),
        DraftIn,
        _draft,
        lambda d, c: (
            "draft purchase orders for low stock"
            + (" and send those allowed" if d.send_when_policy_allows else "")
        ),
    ),
    Action(
        "purchase_order.send",
        _("E-mail a draft purchase order to its supplier, PDF and CSV attached."),
        PurchaseOrderIn,
        _send,
        lambda d, c: f"send purchase order {d.purchase_order} to its supplier",
    ),
]
