"""stock.low drafts purchase orders through the default flow "Reorder low stock", run by the
real worker; the owner's auto_send policy decides whether a draft also goes to the supplier,
the owner is told, and switching the flow off stops it."""

import base64

import pytest
from django.core import mail

from soloops.automation.models import FlowRun, RunStatus
from soloops.automation.selectors import flow_get
from soloops.automation.services import flow_set_enabled
from soloops.emails.models import EmailSend
from soloops.events.services import events_dispatch
from soloops.inventory.services import stock_change
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from soloops.purchasing.services import reorder_policy_set
from tests.factories import SYSTEM
from tests.purchasing.conftest import events, make_supplier, make_token, sells, sku

FLOW = "reorder-low-stock"

pytestmark = pytest.mark.usefixtures("default_flows")


@pytest.fixture
def owner(db) -> str:
    """The owner's address, where notices go."""
    make_token("olivia")
    return "olivia@example.com"


def sell_down(variant, units: int) -> None:
    stock_change(variant=variant, quantity=-units, kind="adjustment", reason="sold", actor=SYSTEM)


def owner_emails(address: str) -> list[EmailSend]:
    return list(EmailSend.objects.filter(to=address, template="owner_notification").order_by("id"))


def test_stock_low_drafts_a_purchase_order_through_the_default_flow(
    transactional_db, default_location, run_tasks, owner
):
    # given: 10 on hand, threshold 5, a supplier
    supplier = make_supplier("Mug Maker", moq=6)
    mug = sku("MUG-1", stock=10, threshold=5)
    sells(supplier, mug)

    # when: stock falls to 4 (stock.low) and the worker dispatches the event
    sell_down(mug, 6)
    [low] = events("stock.low")
    run_tasks()

    # then: a draft for the shortfall (10 - 4 = 6), saying which run and event caused it
    [po] = PurchaseOrder.objects.all()
    assert po.status == PurchaseOrderStatus.DRAFT
    assert {ln.sku: ln.quantity_ordered for ln in po.lines.all()} == {"MUG-1": 6}
    [run] = FlowRun.objects.filter(flow__key=FLOW)
    assert run.status == RunStatus.COMPLETED
    assert po.reason["trigger"] == {
        "kind": "flow",
        "run_id": run.pk,
        "flow": FLOW,
        "event": "stock.low",
        "event_id": low.pk,
        "sku": "MUG-1",
    }
    assert po.reason["lines"]["MUG-1"][0]["available"] == 4
    [drafted] = events("purchase_order.drafted")
    assert (drafted.actor_kind, drafted.actor_id) == ("flow_run", str(run.pk))
    assert drafted.correlation_id == low.correlation_id
    # and the owner was told, once; nothing went to the supplier
    [notice] = owner_emails(owner)
    assert notice.subject_line.endswith("] Low stock: MUG-1, purchase orders to review")
    assert f"Drafted for your review: {po.number}." in notice.body_text
    assert "Already sent" not in notice.body_text
    assert EmailSend.objects.count() == 1

    # when: the event is handed out again, and another crossing follows a restock
    events_dispatch(event_ids=[low.pk])
    stock_change(variant=mug, quantity=1, kind="receipt", actor=SYSTEM)  # 5: not low
    sell_down(mug, 1)  # 4 again: a second stock.low
    run_tasks()

    # then: still one order — the open draft already covers the need — and no second notice
    assert len(events("stock.low")) == 2
    assert PurchaseOrder.objects.count() == 1
    assert {ln.sku: ln.quantity_ordered for ln in po.lines.all()} == {"MUG-1": 6}
    assert FlowRun.objects.filter(flow__key=FLOW).count() == 2
    assert len(owner_emails(owner)) == 1


def test_stock_low_sends_the_draft_when_the_policy_says_auto_send(
    transactional_db, default_location, run_tasks, owner
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
    [send] = EmailSend.objects.filter(template="purchase_order")
    assert (send.to, send.template, send.status) == (supplier.email, "purchase_order", "sent")
    assert [a["filename"] for a in send.attachments] == [f"{po.number}.pdf", f"{po.number}.csv"]
    assert base64.b64decode(send.attachments[0]["content"]).startswith(b"%PDF")
    [message] = [m for m in mail.outbox if m.to == [supplier.email]]
    assert po.number in message.subject
    assert [name for name, _, _ in message.attachments] == [
        f"{po.number}.pdf",
        f"{po.number}.csv",
    ]
    assert [e.payload["number"] for e in events("purchase_order.sent")] == [po.number]
    # and the owner read that it went out
    [notice] = owner_emails(owner)
    assert notice.subject_line.endswith("] Low stock: MUG-1 reordered")
    assert f"as your reorder policies allow: {po.number}." in notice.body_text
    assert sorted(m.to[0] for m in mail.outbox) == sorted([supplier.email, owner])


def test_one_line_the_owner_reviews_holds_the_whole_draft(
    transactional_db, default_location, run_tasks, owner
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
    assert not EmailSend.objects.filter(template="purchase_order").exists()
    [notice] = owner_emails(owner)
    assert notice.subject_line.endswith("] Low stock: MUG-AUTO, purchase orders to review")


def test_switched_off_the_flow_orders_nothing(transactional_db, default_location, run_tasks, owner):
    # given the owner reorders by hand
    flow_set_enabled(flow=flow_get(key=FLOW), enabled=False, actor=SYSTEM)
    supplier = make_supplier("Mug Maker")
    mug = sku("MUG-1", stock=10, threshold=5)
    sells(supplier, mug)

    # when
    sell_down(mug, 6)
    run_tasks()

    # then the event is there, and nothing acted on it
    assert len(events("stock.low")) == 1
    assert PurchaseOrder.objects.count() == 0
    assert FlowRun.objects.filter(flow__key=FLOW).count() == 0
    assert EmailSend.objects.count() == 0
