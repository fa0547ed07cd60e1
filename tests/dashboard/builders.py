"""Things that wait for the owner, made through the services as the shop makes them: held
orders (the review holds a first order over the limit), runs paused on an ``approve`` step,
purchase order drafts for low stock; and orders placed at a chosen time."""

from datetime import datetime
from itertools import count
from pathlib import Path

from django.db import transaction

from soloops.automation.models import FlowRun, RunStatus
from soloops.automation.services import flow_import
from soloops.automation.services.runs import flow_run_start_manual
from soloops.catalog.models import Variant
from soloops.orders.models import Order
from soloops.orders.services import order_place
from soloops.purchasing.services import purchase_orders_draft_for_low_stock
from tests.automation.conftest import APPROVE_FLOW
from tests.factories import SYSTEM, draft, make_variant
from tests.purchasing.conftest import make_supplier, sells

_emails = count(1)
DEFAULT_FLOWS = Path(__file__).parents[2] / "soloops/automation/default_flows"


def new_email() -> str:
    return f"customer{next(_emails)}@example.com"


def place(sku: str, quantity: int = 1, *, at: datetime | None = None, **fields) -> Order:
    """An order from a new customer; ``at`` moves its placed_at (the shop's past)."""
    order, _ = order_place(
        draft=draft((sku, quantity), email=fields.pop("email", None) or new_email(), **fields),
        channel="manual",
        actor=SYSTEM,
    )
    if at is not None:
        Order.objects.filter(pk=order.pk).update(placed_at=at)
        order.refresh_from_db()
    return order


def held_order(sku: str = "BIG-1") -> Order:
    """A first order over the review's first_order_limit (500): held for the owner."""
    if not Variant.objects.filter(sku=sku).exists():
        make_variant(sku, price="600.00", stock=1000)
    order = place(sku)
    assert order.status == "on_hold", order.review
    return order


REVIEW_FLOW = DEFAULT_FLOWS / "review-held-orders.yaml"


def review_flow():
    """The shipped ``review-held-orders`` flow: asks the owner about each held order."""
    return flow_import(source=REVIEW_FLOW.read_text(), key="review-held-orders", actor=SYSTEM)


def approval_flow():
    return flow_import(source=APPROVE_FLOW, actor=SYSTEM)


def run_awaiting_approval(run_tasks, flow=None, **inputs) -> FlowRun:
    """A run of the approve flow, advanced by the worker until it asks the owner."""
    flow = flow or approval_flow()
    run = flow_run_start_manual(
        flow=flow, inputs={"amount": 120, "who": "ada", **inputs}, actor=SYSTEM
    )
    run_tasks()
    run.refresh_from_db()
    assert run.status == RunStatus.AWAITING_APPROVAL
    return run


def purchase_order_draft(code: str = "INK-1", supplier_name: str = "Paper Co"):
    """A SKU below its reorder point that a supplier sells, and the draft ordering it."""
    supplier = make_supplier(supplier_name)
    variant = make_variant(code, stock=1, low_stock_threshold=5)
    sells(supplier, variant, cost="2.00")
    with transaction.atomic():
        run = purchase_orders_draft_for_low_stock(actor=SYSTEM, variant_ids=[variant.pk])
    (po,) = run.created
    return po
