"""Settings → Sales channels through the test client: connect (secret and address shown once),
the SKU map (a bad line named), the inbound log with a held order and its replay, Today's
alert, who may do what, and the orders list filtered by channel."""

import pytest

from soloops.integrations.models.channels import ChannelDelivery, SalesChannel
from soloops.integrations.services import channels as services
from soloops.orders.models import Order
from tests.dashboard.conftest import client_for, make_person
from tests.factories import make_variant
from tests.integrations.conftest import SYSTEM
from tests.integrations.test_channels import SECRET, post_shopify, shopify_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(db):
    return client_for(make_person("olivia", "owner"))


def test_connect_a_store_shows_address_and_secret_once(owner_client):
    response = owner_client.post(
        "/settings/channels/", {"name": "Woo", "kind": "woocommerce", "sku_map": "W-1 = MUG-1"}
    )
    channel = SalesChannel.objects.get()
    page = response.content.decode()
    assert channel.secret in page and f"/webhooks/channels/{channel.pk}" in page
    assert response["Cache-Control"] == "no-store"
    assert channel.sku_map == {"W-1": "MUG-1"}
    assert (
        channel.secret not in owner_client.get(f"/settings/channels/{channel.pk}/").content.decode()
    )


def test_a_bad_sku_map_line_is_named_and_nothing_saved(owner_client):
    response = owner_client.post(
        "/settings/channels/", {"name": "Woo", "kind": "woocommerce", "sku_map": "W-1 MUG-1"}
    )
    assert response.status_code == 400 and "line 1" in response.content.decode()
    assert not SalesChannel.objects.exists()


def test_a_held_order_shows_on_today_and_in_the_log_and_replays(owner_client, run_after_commit):
    # given a Shopify order for a SKU we do not know
    make_variant("MUG-1", price="12.50", stock=10)
    channel = services.channel_create(name="Shop", kind="shopify", secret=SECRET, actor=SYSTEM)
    post_shopify(channel, shopify_order(sku="SHOP-MUG"))
    run_after_commit()

    # then Today says an order is held, and the channel's log says why
    assert "order from a sales channel is held" in owner_client.get("/").content.decode()
    log = owner_client.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert "SHOP-MUG" in log

    # when the owner maps the SKU and replays it
    owner_client.post(
        f"/settings/channels/{channel.pk}/", {"name": "Shop", "sku_map": "SHOP-MUG = MUG-1"}
    )
    row = ChannelDelivery.objects.get()
    owner_client.post(f"/settings/channels/deliveries/{row.pk}/replay")
    run_after_commit()

    # then the order is in, shows as Shopify's, and the orders list filters by channel
    order = Order.objects.get()
    assert order.channel == "shopify"
    assert order.number in owner_client.get("/orders/?channel=shopify").content.decode()
    assert order.number not in owner_client.get("/orders/?channel=storefront").content.decode()
    assert SalesChannel.objects.get().secret == SECRET  # an empty secret field kept it


def test_who_may_do_what(run_after_commit):
    channel = services.channel_create(name="Shop", kind="shopify", secret=SECRET, actor=SYSTEM)
    staff = client_for(make_person("sam", "staff"))
    viewer = client_for(make_person("vic", "viewer"))
    assert viewer.get(f"/settings/channels/{channel.pk}/").status_code == 200
    assert staff.post("/settings/channels/", {"name": "x", "kind": "shopify"}).status_code == 403
    assert staff.post(f"/settings/channels/{channel.pk}/", {"name": "y"}).status_code == 403
    assert viewer.post(f"/settings/channels/{channel.pk}/poll").status_code == 403
    assert SalesChannel.objects.get().name == "Shop"
