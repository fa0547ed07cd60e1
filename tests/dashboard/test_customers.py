"""The customers section through the test client: the list (search, filters, pages, in fixed
queries), one customer with everything about them, the staff's changes with errors beside the
field, the owner's privacy actions, and a merged-away record redirecting."""

import json

import pytest
from django.urls import reverse

from soloops.automation.models import Event
from soloops.customers.models import Customer
from soloops.customers.services import customer_note_add, customer_stats_refresh
from soloops.orders.models import Order
from tests.customers.conftest import SYSTEM, open_shop, place


@pytest.fixture
def shop(db):
    open_shop()


@pytest.fixture
def buyers(shop):
    for i in range(3):
        place(f"buyer{i}@example.com", ("MUG-1", i + 1))
    customer_stats_refresh()
    return list(Customer.objects.order_by("email"))


def test_the_list_shows_buyers_latest_first_with_totals(viewer_client, buyers):
    page = viewer_client.get(reverse("dashboard:customers"))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.index("buyer2@example.com") < html.index("buyer0@example.com")
    assert "€37.50" in html  # buyer2: three mugs


def test_the_list_searches_and_shows_a_bad_filter_beside_its_field(viewer_client, buyers):
    number = Order.objects.get(email="buyer1@example.com").number

    found = viewer_client.get(reverse("dashboard:customers"), {"q": number}).content.decode()
    bad = viewer_client.get(reverse("dashboard:customers"), {"min_spent": "lots"})

    assert "buyer1@example.com" in found and "buyer0@example.com" not in found
    assert bad.status_code == 200
    assert "Enter a number." in bad.content.decode()


def test_list_and_page_take_the_same_queries_however_many_rows(
    viewer_client, shop, django_assert_max_num_queries
):
    # given one customer with one order, measured; then many more customers and orders
    place("ada@example.com")
    customer_stats_refresh()
    ada = Customer.objects.get()
    with django_assert_max_num_queries(100) as few:
        viewer_client.get(reverse("dashboard:customers"))
    with django_assert_max_num_queries(100) as one_order:
        viewer_client.get(reverse("dashboard:customer", args=[ada.pk]))
    for i in range(8):
        place(f"c{i}@example.com")
        place("ada@example.com", ("TEA-1", 1))
    customer_note_add(customer=ada, text="one", actor=SYSTEM)
    customer_note_add(customer=ada, text="two", actor=SYSTEM)
    customer_stats_refresh()

    # when the pages are read again
    with django_assert_max_num_queries(len(few.captured_queries)):
        viewer_client.get(reverse("dashboard:customers"))
    with django_assert_max_num_queries(len(one_order.captured_queries)):
        page = viewer_client.get(reverse("dashboard:customer", args=[ada.pk]))

    # then the same number of queries
    assert page.content.decode().count("/orders/SO-") >= 9


def test_the_customer_page_has_orders_notes_timeline_and_a_place_for_conversations(
    viewer_client, buyers
):
    customer = buyers[2]
    customer_note_add(customer=customer, text="Prefers gift wrap", actor=SYSTEM)
    order = Order.objects.get(customer=customer)

    html = viewer_client.get(reverse("dashboard:customer", args=[customer.pk])).content.decode()

    assert order.number in html
    assert "Prefers gift wrap" in html
    assert 'id="conversations"' in html
    assert "Customer buyer2@example.com created" in html
    assert "Privacy" not in html  # the viewer sees no owner actions
    assert "Keep note" not in html  # nor staff forms


def test_staff_keep_a_note_and_a_tag_and_get_errors_beside_the_field(staff_client, buyers):
    customer = buyers[0]
    url = lambda action: reverse("dashboard:customer_change", args=[customer.pk, action])  # noqa: E731

    noted = staff_client.post(url("note"), {"note-text": "Called about the mug"})
    tagged = staff_client.post(url("tag"), {"tag-tag": "VIP"})
    bad = staff_client.post(url("tag"), {"tag-tag": "two words"})
    consent = staff_client.post(url("consent"), {"consent-consent": "yes"})

    assert noted.status_code == tagged.status_code == consent.status_code == 302
    assert bad.status_code == 400
    assert "a tag is 1 to 40 letters" in bad.content.decode()
    customer.refresh_from_db()
    assert customer.tags == ["vip"]
    assert (customer.marketing_consent, customer.consent_source) == (True, "console")
    assert customer.notes.get().author == "sam"


def test_privacy_actions_are_the_owners(staff_client, owner_client, buyers):
    customer = buyers[0]
    export_url = reverse("dashboard:customer_export", args=[customer.pk])

    refused = staff_client.post(export_url, {"export-confirm": customer.email})
    unconfirmed = owner_client.post(export_url, {"export-confirm": "nobody@example.com"})
    exported = owner_client.post(export_url, {"export-confirm": customer.email})

    assert refused.status_code == 403
    assert unconfirmed.status_code == 400
    assert "type the customer&#x27;s email to confirm" in unconfirmed.content.decode()
    assert exported["Content-Disposition"].startswith("attachment")
    assert json.loads(exported.content)["customer"]["email"] == customer.email
    assert Event.objects.filter(type="customer.exported").count() == 1


def test_merge_then_the_old_page_redirects_and_erase_blanks_the_person(owner_client, buyers):
    source, target = buyers[0], buyers[1]

    merged = owner_client.post(
        reverse("dashboard:customer_merge", args=[source.pk]),
        {"merge-into": target.email, "merge-confirm": source.email},
    )
    old = owner_client.get(reverse("dashboard:customer", args=[source.pk]))
    owner_client.get(old["Location"])  # reads (and so clears) the messages about the merge
    erased = owner_client.post(
        reverse("dashboard:customer_erase", args=[target.pk]), {"erase-confirm": target.email}
    )

    assert merged["Location"] == reverse("dashboard:customer", args=[target.pk])
    assert old.status_code == 302 and old["Location"] == merged["Location"]
    assert Order.objects.filter(customer=target).count() == 2
    assert erased.status_code == 302
    page = owner_client.get(erased["Location"]).content.decode()
    assert target.email not in page and source.email not in page
    assert f"Erased customer #{target.pk}" in page


def test_staff_save_a_segment_and_the_list_filters_by_it(staff_client, buyers):
    url = reverse("dashboard:customer_segments")

    bad = staff_client.post(url, {"key": "big", "name": "Big", "country": "G1"})
    saved = staff_client.post(url, {"key": "big", "name": "Big spenders", "min_spent": "20"})
    page = staff_client.get(url).content.decode()
    listed = staff_client.get(saved["Location"]).content.decode()

    assert bad.status_code == 400
    assert "two-letter ISO country code" in bad.content.decode()
    assert saved.status_code == 302 and saved["Location"].endswith("?segment=big")
    assert "Big spenders" in page and "Champions" in page
    assert "buyer2@example.com" in listed and "buyer0@example.com" not in listed


def test_the_page_shows_the_predicted_value_once_fitted(viewer_client, buyers):
    from decimal import Decimal

    customer = buyers[0]
    Customer.objects.filter(pk=customer.pk).update(
        p_alive=0.83, expected_orders_90d=1.24, expected_value_90d=Decimal("31.50")
    )

    html = viewer_client.get(reverse("dashboard:customer", args=[customer.pk])).content.decode()

    assert "Predicted next 90 days: €31.50 from 1.2 orders · 83 % likely still a customer" in html


def test_the_customer_page_lists_the_customers_conversations(viewer_client, buyers):
    from soloops.support.services import conversation_open

    customer = buyers[2]
    url = reverse("dashboard:customer", args=[customer.pk])
    assert "No conversations with this customer yet." in viewer_client.get(url).content.decode()

    conversation = conversation_open(
        channel="storefront",
        email=customer.email,
        body="Where is my mug?",
        subject="Mug",
        actor=SYSTEM,
    )

    html = viewer_client.get(url).content.decode()
    assert reverse("dashboard:conversation", args=[conversation.ref]) in html
    assert "Mug" in html
