"""A channel's "order updated" for an order already in: a new address moves our order while it
has not started being packed; after that, and for changed lines or a refund of an item, our
order stays as it is, its timeline says the channel changed it, and the delivery is held."""

import pytest

from soloops.events.selectors import timeline_for
from soloops.integrations.models.channels import ChannelDelivery, InboundStatus
from soloops.integrations.services import channels as services
from soloops.inventory.models import StockLevel
from soloops.orders.models import Order
from soloops.orders.services import order_mark_paid, order_start_fulfilling
from tests.factories import make_variant
from tests.integrations.conftest import SYSTEM
from tests.integrations.test_channels import SECRET, post_shopify, shopify_order

pytestmark = pytest.mark.django_db
NEW_ADDRESS = {
    "first_name": "Jon", "last_name": "Snow", "address1": "9 Castle Black",
    "city": "York", "zip": "YO1 7HH", "country_code": "GB",
}  # fmt: skip


@pytest.fixture
def shopify():
    make_variant("MUG-1", price="12.50", stock=10)
    return services.channel_create(name="My Shopify", kind="shopify", secret=SECRET, actor=SYSTEM)


def timeline(order) -> list[str]:
    return [e.type for e in timeline_for(subject_type="orders.order", subject_id=order.pk)]


def place(channel, run_after_commit) -> Order:
    post_shopify(channel, shopify_order())
    run_after_commit()
    return Order.objects.get()


def update(channel, run_after_commit, webhook_id="wh-u", **changes) -> ChannelDelivery:
    post_shopify(channel, shopify_order(**changes), webhook_id=webhook_id, topic="orders/updated")
    run_after_commit()
    return ChannelDelivery.objects.get(delivery_id=webhook_id)


def test_the_same_order_again_as_an_update_changes_nothing(shopify, run_after_commit):
    order = place(shopify, run_after_commit)
    delivery = update(shopify, run_after_commit)
    assert delivery.status == InboundStatus.PROCESSED, delivery.reason
    assert "nothing to change" in delivery.reason
    assert "order.address_changed" not in timeline(order)


def test_a_new_address_before_packing_moves_our_order(shopify, run_after_commit):
    # given
    order = place(shopify, run_after_commit)

    # when the customer changes the address on Shopify
    delivery = update(shopify, run_after_commit, shipping_address=NEW_ADDRESS)

    # then
    assert delivery.status == InboundStatus.PROCESSED, delivery.reason
    order.refresh_from_db()
    assert order.shipping_address["city"] == "York"
    assert order.shipping_address["line1"] == "9 Castle Black"
    assert timeline(order)[-1] == "order.address_changed"
    assert Order.objects.count() == 1


def test_a_new_address_while_packing_is_refused_on_the_timeline(shopify, run_after_commit):
    order = place(shopify, run_after_commit)
    order_start_fulfilling(order=order_mark_paid(order=order, actor=SYSTEM), actor=SYSTEM)

    delivery = update(shopify, run_after_commit, shipping_address=NEW_ADDRESS)

    order.refresh_from_db()
    assert order.shipping_address["city"] == "London"
    assert delivery.status == InboundStatus.HELD and "address" in delivery.reason
    assert timeline(order)[-1] == "channel.order_change_refused"


def test_edited_lines_are_held_for_the_owner_and_stock_stays_reserved(shopify, run_after_commit):
    # given an order of 2 mugs
    order = place(shopify, run_after_commit)
    assert StockLevel.objects.get(variant__sku="MUG-1").reserved == 2

    # when the channel says it is now 1 mug (an edit, or one refunded and taken back)
    delivery = update(shopify, run_after_commit, quantity=1)

    # then nothing moves by itself; the owner is told on the order and in the channel's log
    assert delivery.status == InboundStatus.HELD and "lines" in delivery.reason
    assert StockLevel.objects.get(variant__sku="MUG-1").reserved == 2
    assert order.lines.get().quantity == 2
    assert timeline(order)[-1] == "channel.order_change_refused"


def test_an_update_for_an_order_not_in_yet_places_it(shopify, run_after_commit):
    delivery = update(shopify, run_after_commit)
    assert delivery.status == InboundStatus.PROCESSED, delivery.reason
    assert Order.objects.get().channel == "shopify"
