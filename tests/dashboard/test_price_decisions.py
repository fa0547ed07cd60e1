"""Price suggestions in Decisions (and on Today): why the price is suggested, staff changes the
price or keeps it with a reason, a viewer sees the suggestion without buttons."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from soloops.analytics.models import PriceSuggestion
from soloops.analytics.services import price_suggestions_refresh
from soloops.automation.models import Event
from soloops.catalog.models import Variant
from tests.analytics.conftest import SYSTEM
from tests.analytics.test_prices import priced_shop  # noqa: F401 (a fixture)

URL = "/decisions/"


@pytest.fixture
def waiting(priced_shop):  # noqa: F811
    cache.clear()
    price_suggestions_refresh(actor=SYSTEM)
    return PriceSuggestion.objects.get(sku="MUG-1", status="waiting")


def decide(client, ref, decision: str, note: str = ""):
    return client.post(URL, {"kind": "price", "ref": str(ref), "decision": decision, "note": note})


def test_the_suggestion_waits_with_its_reasons(waiting, owner_client):
    page = owner_client.get(URL).content.decode()

    assert f'id="price-{waiting.pk}"' in page
    assert "Price 10.00 → 11.00" in page
    assert "Price elasticity" in page and "Expected gross margin per day +" in page
    assert "Change the price" in page and "Keep the price" in page
    today = owner_client.get("/").content.decode()
    assert f"#price-{waiting.pk}" in today


def test_staff_changes_the_price_from_decisions(waiting, staff_client):
    response = decide(staff_client, waiting.pk, "approve")

    assert response.status_code == 302
    assert Variant.objects.get(sku="MUG-1").price == Decimal("11.00")
    assert PriceSuggestion.objects.get(pk=waiting.pk).status == "accepted"
    assert Event.objects.filter(type="analytics.price_suggestion_accepted").count() == 1
    assert f'id="price-{waiting.pk}"' not in staff_client.get(URL).content.decode()


def test_keeping_the_price_needs_a_reason(waiting, staff_client):
    refused = decide(staff_client, waiting.pk, "reject")
    kept = decide(staff_client, waiting.pk, "reject", "our brand price")

    assert refused.status_code == 400 and "Say why you reject it." in refused.content.decode()
    assert kept.status_code == 302
    row = PriceSuggestion.objects.get(pk=waiting.pk)
    assert (row.status, row.note) == ("rejected", "our brand price")
    assert Variant.objects.get(sku="MUG-1").price == Decimal("10.00")


def test_a_viewer_sees_it_without_buttons_and_cannot_decide(waiting, viewer_client):
    page = viewer_client.get(URL).content.decode()
    forged = decide(viewer_client, waiting.pk, "approve")

    assert f'id="price-{waiting.pk}"' in page and "Change the price" not in page
    assert forged.status_code == 403
    assert Variant.objects.get(sku="MUG-1").price == Decimal("10.00")
