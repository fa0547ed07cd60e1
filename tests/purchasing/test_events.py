"""stock.low drafts a purchase order through purchasing's handler, dispatched by the real
worker; the owner's auto_send policy decides whether it also goes to the supplier."""

import base64

from django.core import mail

from soloops.automation.models import Delivery
from soloops.automation.services import events_dispatch
from soloops.emails.models import EmailSend
from soloops.inventory.services import stock_change
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from soloops.purchasing.services import reorder_policy_set
from tests.factories import SYSTEM
from tests.purchasing.conftest import events, make_supplier, sells, sku

HANDLER = "soloops.purchasing.events.reorder_on_stock_low"


def sell_down(variant, units: int) -> None:
    stock_change(variant=variant, quantity=-units, kind="adjustment", reason="sold", actor=SYSTEM)


def test_stock_low_drafts_a_purchase_order_through_the_handler(
    transactional_db, default_location, run_tasks
):
    # given: 10 on hand, threshold 5, a supplier
    supplier = make_supplier("Mug Maker", moq=6)
    mug = sku("MUG-1", stock=10, threshold=5)
    sells(supplier, mug)

    # when: stock falls to 4 (stock.low) and the worker dispatches the event
    sell_down(mug, 6)
    [low] = events("stock.low")
    run_tasks()

    # then: a draft for the shortfall (10 - 4 = 6), saying which event caused it; not sent
    [po] = PurchaseOrder.objects.all()
    assert po.status == PurchaseOrderStatus.DRAFT
    assert {ln.sku: ln.quantity_ordered for ln in po.lines.all()} == {"MUG-1": 6}
    trigger = {"kind": "event", "event": "stock.low", "event_id": low.pk, "sku": "MUG-1"}
    assert po.reason["trigger"] == trigger
    assert po.reason["lines"]["MUG-1"][0]["available"] == 4
    [drafted] = events("purchase_order.drafted")
    assert (drafted.actor_kind, drafted.actor_label) == ("system", "reorder")
    assert drafted.correlation_id == low.correlation_id
    assert Delivery.objects.get(event=low, handler=HANDLER).status == "done"
    assert EmailSend.objects.count() == 0

    # when: the event is handed out again, and another crossing follows a restock
    events_dispatch(event_ids=[low.pk])
    stock_change(variant=mug, quantity=1, kind="receipt", actor=SYSTEM)  # 5: not low
    sell_down(mug, 1)  # 4 again: a second stock.low
    run_tasks()

    # then: still one order — the open draft already covers the need
    assert len(events("stock.low")) == 2
    assert PurchaseOrder.objects.count() == 1
    assert {ln.sku: ln.quantity_ordered for ln in po.lines.all()} == {"MUG-1": 6}


def test_stock_low_sends_the_draft_when_the_policy_says_auto_send(
    transactional_db, default_location, run_tasks
):
    # given
    supplier = make_supplier("Mug Maker")
    mug = sku("MUG-1", stock=10, threshold=5)
    sells(supplier, mug)
    reorder_policy_set(variant=mug, auto_send=True, actor=SYSTEM)

    # when
    sell_down(mug, 7)
    run_tasks()

    # then: sent, and the worker e-mailed the supplier once, with the order attached
    [po] = PurchaseOrder.objects.all()
    assert po.status == PurchaseOrderStatus.SENT
    [send] = EmailSend.objects.all()
    assert (send.to, send.template, send.status) == (supplier.email, "purchase_order", "sent")
    assert [a["filename"] for a in send.attachments] == [f"{po.number}.pdf", f"{po.number}.csv"]
    assert base64.b64decode(send.attachments[0]["content"]).startswith(b"%PDF")
    [message] = mail.outbox
    assert message.to == [supplier.email]
    assert po.number in message.subject
    assert [name for name, _, _ in message.attachments] == [
        f"{po.number}.pdf",
        f"{po.number}.csv",
    ]
    assert [e.payload["number"] for e in events("purchase_order.sent")] == [po.number]


def test_one_line_the_owner_reviews_holds_the_whole_draft(
    transactional_db, default_location, run_tasks
):
    # given: two SKUs of one supplier, only one of them on auto_send
    supplier = make_supplier("Mug Maker")
    auto = sku("MUG-AUTO", stock=10, threshold=5)
    manual = sku("MUG-MANUAL", stock=3, threshold=5)
    sells(supplier, auto)
    sells(supplier, manual)
    reorder_policy_set(variant=auto, auto_send=True, actor=SYSTEM)

    # when: the auto SKU goes low; the run drafts for both
    sell_down(auto, 7)
    run_tasks()

    # then
    [po] = PurchaseOrder.objects.all()
    assert sorted(ln.sku for ln in po.lines.all()) == ["MUG-AUTO", "MUG-MANUAL"]
    assert po.status == PurchaseOrderStatus.DRAFT
    assert EmailSend.objects.count() == 0
