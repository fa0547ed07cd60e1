"""Where recommendations show: the storefront's product page, the shipping email and the
follow-up email a week after delivery (English and Chinese) and the customer page in the
console; and the order.placed increment keeping the counts as a full recount would."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from soloops.automation.services import flow_runs_wake_due
from soloops.catalog.services import variant_update
from soloops.events.services import event_emit
from soloops.inventory.models import MovementKind
from soloops.inventory.selectors import stock_for_skus
from soloops.inventory.services import stock_change
from soloops.marketing.models import AssociationRun, ItemCount, PairCount
from soloops.marketing.services import recommendations_recompute
from tests.dashboard.conftest import viewer, viewer_client  # noqa: F401  (fixtures)
from tests.marketing.conftest import SYSTEM, place


def _history():
    for n in range(4):
        place(f"coffee{n}@example.com", "DRIP", "FILTER")
    for n in range(3):
        place(f"tea{n}@example.com", "TEA", "POT")


def test_the_product_page_shows_often_bought_together(client, shop):
    # given
    _history()
    recommendations_recompute(actor=SYSTEM)

    # when
    page = client.get(reverse("storefront:product", args=["drip"]))

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "Often bought together" in html
    block = html[html.index("Often bought together") :]
    assert reverse("storefront:product", args=["filter"]) in block
    assert block.index("Product FILTER") < block.index("Product TEA")


def test_the_product_page_has_no_block_before_any_count(client, shop):
    page = client.get(reverse("storefront:product", args=["drip"]))
    assert page.status_code == 200
    assert "Often bought together" not in page.content.decode()


def _shipped(order) -> None:
    with transaction.atomic():
        event_emit(
            type="shipment.shipped",
            subject=("fulfillment.shipment", "1"),
            payload={
                "number": "SH-1",
                "order_number": order.number,
                "carrier": "manual",
                "carrier_name": "Manual",
                "service": "",
                "tracking_number": "",
                "tracking_url": "",
                "lines": [],
            },
            actor=SYSTEM,
        )


@pytest.mark.usefixtures("default_flows")
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "You might also like:"), ("zh-hans", "您可能还喜欢：")],  # noqa: RUF001
)
def test_the_shipping_email_suggests_up_to_three_products(
    run_after_commit, shop, language, heading
):
    # given: the counts, then a dripper order of a customer in their language
    _history()
    recommendations_recompute(actor=SYSTEM)
    order = place("new@example.com", "DRIP", language=language)
    run_after_commit()
    mail.outbox.clear()

    # when
    _shipped(order)
    run_after_commit()

    # then
    (message,) = mail.outbox
    text = message.body
    assert heading in text
    suggested = [line for line in text[text.index(heading) :].splitlines()[1:] if line[:2] == "- "]
    assert 1 <= len(suggested) <= 3
    assert "Product FILTER" in suggested[0]
    assert "/shop/p/filter/" in suggested[0]
    assert not any("Product DRIP" in line for line in suggested)  # they have it
    assert "/shop/p/filter/" in message.alternatives[0][0]


def _delivered(order) -> None:
    with transaction.atomic():
        event_emit(
            type="order.delivered",
            subject=("orders.order", str(order.pk)),
            payload={"number": order.number},
            actor=SYSTEM,
        )


@pytest.mark.usefixtures("default_flows")
@pytest.mark.parametrize(
    ("language", "heading"),
    [("en", "You might also like:"), ("zh-hans", "您可能还喜欢：")],  # noqa: RUF001
)
def test_the_follow_up_a_week_after_delivery_suggests_what_they_lack_in_stock_and_on_sale(
    run_after_commit, shop, language, heading
):
    # given the counts; the customer bought a dripper and a kettle; the pot is sold out and the
    # mug off sale (both would be suggested by the counts otherwise)
    _history()
    for n in range(3):
        place(f"both{n}@example.com", "DRIP", "KETTLE", "POT", "MUG")
    recommendations_recompute(actor=SYSTEM)
    order = place("new@example.com", "DRIP", "KETTLE", language=language)
    pots = stock_for_skus(["POT"])["POT"]
    stock_change(variant=shop["POT"], quantity=-(pots.on_hand - pots.reserved),
                 kind=MovementKind.ADJUSTMENT, actor=SYSTEM, reason="sold out")  # fmt: skip
    variant_update(variant=shop["MUG"], active=False, actor=SYSTEM)
    run_after_commit()
    mail.outbox.clear()

    # when the order is delivered and the follow-up flow's week has passed
    _delivered(order)
    run_after_commit()
    mail.outbox.clear()  # the review request, at once; the follow-up waits its week
    assert flow_runs_wake_due(now=order.placed_at + timedelta(days=8)) >= 1
    run_after_commit()

    # then the follow-up names what goes with it, never what they have, sold out or off sale
    (message,) = mail.outbox
    assert order.number in message.subject
    text = message.body
    assert heading in text
    suggested = [line for line in text[text.index(heading) :].splitlines()[1:] if line[:2] == "- "]
    assert 1 <= len(suggested) <= 3
    assert "Product FILTER" in suggested[0] and "/shop/p/filter/" in suggested[0]
    for absent in ("Product DRIP", "Product KETTLE", "Product POT", "Product MUG"):
        assert not any(absent in line for line in suggested), absent
    assert "/shop/p/filter/" in message.alternatives[0][0]


def test_the_customer_page_shows_suggestions(viewer_client, shop):  # noqa: F811
    # given
    _history()
    customer = place("new@example.com", "TEA").customer
    recommendations_recompute(actor=SYSTEM)

    # when
    page = viewer_client.get(reverse("dashboard:customer", args=[customer.pk]))

    # then
    html = page.content.decode()
    block = html[html.index("Suggested products") : html.index('id="refunds-title"')]
    assert "Product POT" in block and "bought together with what they have" in block
    assert "Product TEA" not in block


def test_new_orders_are_counted_as_the_nightly_recount_would(run_after_commit, shop):
    # given: a first count, then more orders dispatched through their order.placed event
    _history()
    recommendations_recompute(actor=SYSTEM)
    run_after_commit()
    place("coffee0@example.com", "DRIP", "KETTLE")  # a returning customer
    place("fresh@example.com", "TEA", "POT", "MUG")
    run_after_commit()

    def snapshot():
        run = AssociationRun.objects.get()
        items = set(ItemCount.objects.values_list("kind", "variant_id", "baskets", "recent"))
        pairs = set(
            PairCount.objects.filter(baskets__gte=2).values_list(
                "kind", "antecedent_id", "consequent_id", "baskets"
            )
        )
        return run.orders, run.customers, items, pairs

    counted = snapshot()

    # when
    recommendations_recompute(actor=SYSTEM)

    # then: the pairs kept by the recount (support >= 2 baskets) are the same
    assert snapshot() == counted
    assert counted[0] == 9 and counted[1] == 8
