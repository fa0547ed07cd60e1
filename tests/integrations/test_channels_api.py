"""``/api/channels``: connect (secret once), change the SKU map, the inbound log, replay, poll;
bad input named; roles."""

import pytest

from soloops.integrations.models.channels import SalesChannel
from tests.api.conftest import Caller
from tests.factories import make_variant
from tests.integrations.test_channels import SECRET, post_shopify, shopify_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_api(caller) -> Caller:
    return caller("owner")


def test_connect_then_read_the_log_and_replay_a_held_order(owner_api, run_after_commit):
    # given a connected Shopify store
    make_variant("MUG-1", price="12.50", stock=10)
    response = owner_api.post(
        "/api/channels", {"name": "Shop", "kind": "shopify", "secret": SECRET}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"] == SECRET and created["webhook_path"].endswith(f"/{created['id']}")
    assert "secret" not in owner_api.get(f"/api/channels/{created['id']}").json()

    # when an order for an unknown SKU arrives
    channel = SalesChannel.objects.get()
    post_shopify(channel, shopify_order(sku="S-MUG"))
    run_after_commit()

    # then the log shows it held with the reason
    log = owner_api.get(f"/api/channels/{channel.pk}/deliveries", status="held").json()
    (item,) = log["items"]
    assert "S-MUG" in item["reason"]

    # when the owner maps the SKU and replays it, then it is processed
    patched = owner_api.patch(f"/api/channels/{channel.pk}", {"sku_map": {"S-MUG": "MUG-1"}})
    assert patched.json()["sku_map"] == {"S-MUG": "MUG-1"}
    assert owner_api.post(f"/api/channel-deliveries/{item['id']}/replay").status_code == 202
    run_after_commit()
    log = owner_api.get(f"/api/channels/{channel.pk}/deliveries").json()
    assert log["items"][0]["status"] == "processed" and log["items"][0]["order_number"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "ebay"}, "kind"),
        ({"name": "x", "kind": "shopify", "sku_map": {"A": 1}}, "sku_map.A"),
        ({"name": "x", "kind": "shopify", "token": "t"}, "token"),
        ({"kind": "shopify"}, "name"),
        ({"name": "x", "kind": "shopify", "api_url": "file:///etc/passwd"}, "api_url"),
        ({"name": "x", "kind": "woocommerce", "api_url": "\u00a6\udbc4"}, "api_url"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(owner_api, body, field):
    response = owner_api.post("/api/channels", body)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not SalesChannel.objects.exists()


def test_polling_without_an_api_address_is_refused_by_name(owner_api):
    channel_id = owner_api.post("/api/channels", {"name": "S", "kind": "shopify"}).json()["id"]
    response = owner_api.post(f"/api/channels/{channel_id}/poll")
    assert response.status_code == 422 and response.json()["field"] == "api_url"


def test_a_store_that_does_not_answer_is_a_422_naming_the_api_address(owner_api):
    # given a channel whose API address has nothing listening behind it
    from tests.conftest import free_port

    url = f"http://127.0.0.1:{free_port()}"
    body = {"name": "Woo", "kind": "woocommerce", "api_url": url, "api_token": "k:s"}
    channel_id = owner_api.post("/api/channels", body).json()["id"]

    # when the owner asks it for missed orders, then the answer names the address, not a 500
    response = owner_api.post(f"/api/channels/{channel_id}/poll")
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "channel_api_unreachable"
    assert response.json()["field"] == "api_url"
    assert SalesChannel.objects.get(pk=channel_id).last_polled_at is None


def test_only_the_owner_configures(caller):
    staff = caller("staff")
    assert staff.post("/api/channels", {"name": "S", "kind": "shopify"}).status_code == 403
    assert caller("viewer").get("/api/channels").status_code == 200
