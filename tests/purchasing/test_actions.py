"""The flow actions a default "low stock → purchase order" flow calls: safe to repeat."""

import pytest

from soloops.automation.flows.actions import ActionCall, available
from soloops.emails.models import EmailSend
from soloops.purchasing.models import PurchaseOrder
from soloops.purchasing.services import reorder_policy_set
from tests.factories import SYSTEM
from tests.purchasing.conftest import make_supplier, sells, sku

pytestmark = pytest.mark.usefixtures("default_location")


def call(name: str, inputs: dict) -> dict:
    action = available()[name]
    context = ActionCall(idempotency_key=f"test:{name}", actor=SYSTEM)
    return action.run(action.parse(inputs), context)


def test_the_draft_action_drafts_once_and_sends_what_the_policy_allows():
    # given: two suppliers; one SKU on auto_send
    manual = make_supplier("Manual Co")
    auto = make_supplier("Auto Co")
    sells(manual, sku("MAN-1", stock=0))
    auto_sku = sku("AUTO-1", stock=0)
    sells(auto, auto_sku)
    reorder_policy_set(variant=auto_sku, auto_send=True, actor=SYSTEM)

    # when
    first = call("purchase_order.draft_for_low_stock", {})
    second = call("purchase_order.draft_for_low_stock", {})

    # then
    numbers = dict(PurchaseOrder.objects.values_list("supplier__name", "number"))
    assert sorted(first["created"]) == sorted(numbers.values())
    assert first["sent"] == [numbers["Auto Co"]]
    assert second == {"created": [], "extended": [], "sent": []}
    assert EmailSend.objects.count() == 1

    # and the send action sends the other one
    sent = call("purchase_order.send", {"purchase_order": numbers["Manual Co"]})
    assert sent == {"number": numbers["Manual Co"], "status": "sent"}
    assert EmailSend.objects.count() == 2
