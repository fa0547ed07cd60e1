"""Console: purchase orders — the list and its filters, one order with why it was drafted and
what happened, and sending, receiving and cancelling. Through the test client."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from soloops.automation.models import Event
from soloops.catalog.services import supplier_create, supplier_item_set
from soloops.emails.models import EmailSend
from soloops.inventory.models import Movement, StockLevel
from soloops.inventory.selectors import ledger_mismatches
from soloops.purchasing.models import PurchaseOrder, PurchaseOrderLine
from soloops.purchasing.services import (
    purchase_order_cancel,
    purchase_order_receive,
    purchase_order_send,
    purchase_orders_draft_for_low_stock,
)
from tests.catalog.conftest import default_location  # noqa: F401
from tests.factories import SYSTEM, make_variant

LIST = reverse("dashboard:purchase_orders")


@pytest.fixture(autouse=True)
def _location(default_location):  # noqa: F811
    return default_location


def url(name: str, po) -> str:
    return reverse(f"dashboard:{name}", args=[po.number])


def make_supplier(name: str = "Acme", **fields):
    return supplier_create(name=name, email=f"{name.lower()}@example.com", actor=SYSTEM, **fields)


def short_skus(supplier, *skus: str, stock: int = 3, cost: str = "2.00") -> list:
    """SKUs below their reorder point (threshold 5, so target 10) that ``supplier`` sells."""
    variants = []
    for sku in skus:
        variant = make_variant(sku, stock=stock, low_stock_threshold=5)
        supplier_item_set(
            supplier=supplier,
            variant=variant,
            supplier_sku=f"S-{sku}",
            unit_cost=Decimal(cost),
            actor=SYSTEM,
        )
        variants.append(variant)
    return variants


def drafted(*skus: str, supplier=None) -> PurchaseOrder:
    supplier = supplier or make_supplier()
    short_skus(supplier, *skus)
    (po,) = purchase_orders_draft_for_low_stock(actor=SYSTEM).purchase_orders
    return po


def sent(*skus: str, supplier=None) -> PurchaseOrder:
    return purchase_order_send(po=drafted(*skus, supplier=supplier), actor=SYSTEM)


def rows_of(response) -> list[str]:
    page = response.content.decode()
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in page else ""
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def snapshot() -> dict:
    return {
        "orders": sorted(PurchaseOrder.objects.values_list("pk", "status", "status_reason")),
        "lines": sorted(PurchaseOrderLine.objects.values_list("pk", "quantity_received")),
        "movements": Movement.objects.count(),
        "events": Event.objects.count(),
        "emails": EmailSend.objects.count(),
        "stock": sorted(StockLevel.objects.values_list("pk", "on_hand")),
    }


def many_orders(supplier, count: int) -> None:
    """``count`` bare orders straight into the table: list pages need rows, not histories."""
    PurchaseOrder.objects.bulk_create(
        PurchaseOrder(
            number=f"PO-2026-{supplier.pk}X{i:04d}",
            supplier=supplier,
            currency="EUR",
            total=Decimal("10.00"),
            status="sent",
            expected_date=timezone.localdate() + timedelta(days=3),
        )
        for i in range(count)
    )


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_number_status_supplier_total_and_expected_date(viewer_client):
    # given a draft of two lines of 7 at 2.00
    po = drafted("MUG-1", "MUG-2")

    # when a viewer opens the list
    response = viewer_client.get(LIST)

    # then it shows the order
    (row,) = rows_of(response)
    expected = f"{po.expected_date.day} {po.expected_date:%b %Y}"  # "13 Dec 2026"
    assert row.startswith(f"{po.number} Draft Acme 2 €28.00 {expected}")
    assert "Reorder what is low now" not in response.content.decode()


def test_status_and_supplier_filter_the_list(viewer_client):
    draft = drafted("MUG-1")
    other = sent("TEA-1", supplier=make_supplier("Bolt"))

    by_status = rows_of(viewer_client.get(LIST, {"status": "sent"}))
    by_supplier = rows_of(viewer_client.get(LIST, {"supplier": str(draft.supplier_id)}))

    assert [r.split()[0] for r in by_status] == [other.number]
    assert [r.split()[0] for r in by_supplier] == [draft.number]


def test_due_shows_sent_orders_expected_today_or_before_not_yet_received(viewer_client):
    # given orders in every situation
    today = timezone.localdate()
    overdue = sent("A-1", supplier=make_supplier("A"))
    due_today = sent("B-1", supplier=make_supplier("B"))
    later = sent("C-1", supplier=make_supplier("C"))
    received = sent("D-1", supplier=make_supplier("D"))
    purchase_order_receive(po=received, lines=None, actor=SYSTEM)
    part = sent("E-1", "E-2", supplier=make_supplier("E"))
    line = part.lines.order_by("sku").first()
    purchase_order_receive(po=part, lines={line.pk: 1}, actor=SYSTEM)
    old_draft = drafted("F-1", supplier=make_supplier("F"))
    PurchaseOrder.objects.filter(pk__in=[overdue.pk, received.pk, part.pk, old_draft.pk]).update(
        expected_date=today - timedelta(days=2)
    )
    PurchaseOrder.objects.filter(pk=due_today.pk).update(expected_date=today)
    PurchaseOrder.objects.filter(pk=later.pk).update(expected_date=today + timedelta(days=1))

    # when the Today page's link is followed
    response = viewer_client.get(LIST + "?due=1")

    # then only the awaited ones expected by today show, marked
    rows = rows_of(response)
    assert sorted(r.split()[0] for r in rows) == sorted(
        [overdue.number, due_today.number, part.number]
    )
    marks = {r.split()[0]: r for r in rows}
    assert "overdue" in marks[overdue.number]
    assert "due today" in marks[due_today.number]


def test_no_purchase_orders_yet_says_how_they_come(viewer_client):
    page = viewer_client.get(LIST).content.decode()

    assert "No purchase orders yet." in page


def test_filters_that_match_nothing_say_so(viewer_client):
    drafted("MUG-1")

    page = viewer_client.get(LIST, {"status": "cancelled"}).content.decode()

    assert "No purchase order matches these filters." in page


def test_the_list_pages_fifty_at_a_time(viewer_client):
    many_orders(make_supplier(), 51)

    first = viewer_client.get(LIST, {"status": "sent"})
    second = viewer_client.get(LIST, {"status": "sent", "page": "2"})

    assert len(rows_of(first)) == 50
    assert "?status=sent&amp;page=2" in first.content.decode()
    assert len(rows_of(second)) == 1


def test_the_list_costs_the_same_queries_for_few_and_many_orders(viewer_client):
    drafted("MUG-1")
    with CaptureQueriesContext(connection) as few:
        viewer_client.get(LIST)
    for name in ("Bolt", "Crate", "Dock"):
        many_orders(make_supplier(name), 20)

    with CaptureQueriesContext(connection) as many:
        response = viewer_client.get(LIST)

    assert len(rows_of(response)) == 50
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_staff_reorder_what_is_low_now(staff_client):
    short_skus(make_supplier(), "MUG-1")

    page = staff_client.get(LIST).content.decode()
    response = staff_client.post(reverse("dashboard:purchase_orders_draft"), follow=True)

    assert "Reorder what is low now" in page
    po = PurchaseOrder.objects.get()
    assert po.reason["trigger"] == {"kind": "manual"}
    assert f"Drafted or extended: {po.number}." in response.content.decode()


# --- one order ------------------------------------------------------------------------------


def test_the_page_shows_lines_why_it_was_drafted_and_its_timeline(viewer_client):
    # given a draft for MUG-1 at 3 with threshold 5
    po = drafted("MUG-1")

    # when a viewer opens it
    response = viewer_client.get(url("purchase_order", po))

    # then the lines, the reason in words and the drafted event show; no action buttons
    text = text_of(response)
    assert response.status_code == 200
    assert "MUG-1 Product MUG-1 S-MUG-1 €2.00 7 0 €14.00" in text
    assert "Drafted by a reorder run started by hand." in text
    assert (
        "MUG-1 was at 3, below its reorder point 5 (its low-stock threshold); "
        "ordering 7 to reach 10." in text
    )
    assert "purchase_order.drafted Drafted for Acme with 1 line." in text
    page = response.content.decode()
    for button in ("Send to Acme", "Receive these quantities", "Cancel PO"):
        assert button not in page


def test_why_drafted_names_what_was_on_order_and_the_suppliers_minimum(viewer_client):
    # given a supplier that takes at least 12, and 2 already on a sent order
    supplier = make_supplier(min_order_quantity=12)
    (variant,) = short_skus(supplier, "MUG-1", stock=2)
    first = purchase_order_send(
        po=purchase_orders_draft_for_low_stock(actor=SYSTEM).purchase_orders[0], actor=SYSTEM
    )
    PurchaseOrderLine.objects.filter(purchase_order=first).update(quantity_ordered=2)
    (po,) = purchase_orders_draft_for_low_stock(actor=SYSTEM).purchase_orders

    text = text_of(viewer_client.get(url("purchase_order", po)))

    assert (
        "MUG-1 was at 2 with 2 on order, below its reorder point 5 (its low-stock threshold); "
        "ordering 12, the supplier's minimum order, where 6 would reach 10." in text
    )
    assert variant.sku in text


def test_a_flow_trigger_is_told_in_words(viewer_client):
    po = drafted("MUG-1")
    po.reason["trigger"] = {
        "kind": "flow",
        "run_id": 42,
        "flow": "reorder-low-stock",
        "event": "stock.low",
        "event_id": 7,
        "sku": "MUG-1",
    }
    po.save(update_fields=["reason"])

    text = text_of(viewer_client.get(url("purchase_order", po)))

    assert 'Drafted by the flow "reorder-low-stock" (run 42) on stock.low for MUG-1.' in text


def test_an_unknown_number_is_404(viewer_client):
    assert viewer_client.get("/purchase-orders/PO-0000-NOPE/").status_code == 404


def test_staff_send_a_draft_to_the_supplier(staff_client):
    po = drafted("MUG-1")

    page = staff_client.get(url("purchase_order", po)).content.decode()
    response = staff_client.post(url("purchase_order_send", po), follow=True)

    assert 'data-confirm="Send ' in page and "Send to Acme" in page
    po.refresh_from_db()
    assert po.status == "sent"
    email = EmailSend.objects.get()
    assert email.to == "acme@example.com"
    assert Event.objects.filter(type="purchase_order.sent", subject_id=str(po.pk)).count() == 1
    assert f"{po.number} sent to Acme (acme@example.com)" in response.content.decode()
    assert "Send to Acme" not in response.content.decode()


def test_sending_twice_is_refused_with_a_message(staff_client):
    po = sent("MUG-1")
    before = snapshot()

    response = staff_client.post(url("purchase_order_send", po), follow=True)

    assert "Not possible: this purchase order is sent now." in response.content.decode()
    assert snapshot() == before


def test_staff_receive_part_then_the_rest(staff_client):
    # given a sent order of 7 MUG-1 and 7 MUG-2
    po = sent("MUG-1", "MUG-2")
    mug1, _mug2 = po.lines.order_by("sku")

    # when 4 MUG-1 arrive
    part = staff_client.post(url("purchase_order_receive", po), {f"line_{mug1.pk}": "4"})

    # then 4 are received into stock and the order awaits the rest
    assert part.status_code == 302
    po.refresh_from_db()
    mug1.refresh_from_db()
    assert (po.status, mug1.quantity_received) == ("partially_received", 4)
    receipt = Movement.objects.filter(kind="receipt", reference_id=str(po.pk)).get()
    assert (receipt.quantity, receipt.balance_after, receipt.reason) == (4, 7, po.number)
    assert Event.objects.filter(type="purchase_order.partially_received").count() == 1

    # when everything still expected arrives
    rest = staff_client.post(url("purchase_order_receive", po), {"all": "1"}, follow=True)

    # then it is received in full and the ledger adds up
    po.refresh_from_db()
    assert po.status == "received"
    assert [ln.quantity_received for ln in po.lines.order_by("sku")] == [7, 7]
    assert Event.objects.filter(type="purchase_order.received").count() == 1
    assert f"{po.number} is fully received" in rest.content.decode()
    assert ledger_mismatches() == []


def test_receiving_more_than_awaited_is_refused_beside_that_line(staff_client):
    po = sent("MUG-1", "MUG-2")
    mug1, mug2 = po.lines.order_by("sku")
    before = snapshot()

    response = staff_client.post(
        url("purchase_order_receive", po), {f"line_{mug1.pk}": "2", f"line_{mug2.pk}": "8"}
    )

    assert response.status_code == 400
    errors = response.context["receive_form"].errors
    assert list(errors) == [f"line_{mug2.pk}"]
    assert "8 is more than the 7 still expected." in errors[f"line_{mug2.pk}"][0]
    assert snapshot() == before


def test_receiving_an_order_cancelled_meanwhile_is_refused_with_a_message(staff_client):
    # given the page was open when someone else cancelled the order
    po = sent("MUG-1")
    line = po.lines.get()
    purchase_order_cancel(po=po, actor=SYSTEM, reason="gone")
    before = snapshot()

    # when the quantity typed on the stale page is sent
    response = staff_client.post(
        url("purchase_order_receive", po), {f"line_{line.pk}": "2"}, follow=True
    )

    # then it says why and nothing changed
    assert "Not possible: this purchase order is cancelled now." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("data", [{}, {"line_X": "0"}, {"line_X": "-1"}, {"line_X": "two"}])
def test_a_receipt_without_a_good_quantity_is_refused(staff_client, data):
    po = sent("MUG-1")
    line = po.lines.get()
    data = {k.replace("X", str(line.pk)): v for k, v in data.items()}
    before = snapshot()

    response = staff_client.post(url("purchase_order_receive", po), data)

    assert response.status_code == 400
    assert response.context["receive_form"].errors
    assert snapshot() == before


def test_staff_cancel_with_a_reason(staff_client):
    po = sent("MUG-1")

    response = staff_client.post(
        url("purchase_order_cancel", po), {"reason": "supplier out of stock"}, follow=True
    )

    po.refresh_from_db()
    assert (po.status, po.status_reason) == ("cancelled", "supplier out of stock")
    event = Event.objects.get(type="purchase_order.cancelled")
    assert event.payload["reason"] == "supplier out of stock"
    text = text_of(response)
    assert f"{po.number} cancelled." in text
    assert "Cancelled (was sent): supplier out of stock" in text


def test_cancelling_needs_a_reason(staff_client):
    po = sent("MUG-1")
    before = snapshot()

    response = staff_client.post(url("purchase_order_cancel", po), {"reason": " "})

    assert response.status_code == 400
    assert list(response.context["cancel_form"].errors) == ["reason"]
    assert snapshot() == before


def test_a_viewer_sees_no_buttons_and_forged_posts_are_refused(viewer_client):
    po = sent("MUG-1")
    line = po.lines.get()
    draft = drafted("TEA-1", supplier=make_supplier("Bolt"))
    before = snapshot()

    pages = viewer_client.get(url("purchase_order", po)).content.decode()
    pages += viewer_client.get(url("purchase_order", draft)).content.decode()
    responses = [
        viewer_client.post(url("purchase_order_send", draft)),
        viewer_client.post(url("purchase_order_receive", po), {f"line_{line.pk}": "1"}),
        viewer_client.post(url("purchase_order_receive", po), {"all": "1"}),
        viewer_client.post(url("purchase_order_cancel", po), {"reason": "forged"}),
        viewer_client.post(reverse("dashboard:purchase_orders_draft")),
    ]

    for button in ("Send to", "Receive these quantities", "Receive everything", "Cancel PO"):
        assert button not in pages
    assert [r.status_code for r in responses] == [403] * 5
    assert snapshot() == before


def test_the_page_costs_the_same_queries_for_few_and_many_lines_and_events(viewer_client):
    small = sent("A-1", supplier=make_supplier("A"))
    big = sent(*[f"B-{i}" for i in range(8)], supplier=make_supplier("B"))
    lines = list(big.lines.order_by("sku"))
    for line in lines[:4]:
        purchase_order_receive(po=big, lines={line.pk: 1}, actor=SYSTEM)

    with CaptureQueriesContext(connection) as few:
        viewer_client.get(url("purchase_order", small))
    with CaptureQueriesContext(connection) as many:
        viewer_client.get(url("purchase_order", big))

    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- editing a draft's lines ----------------------------------------------------------------


def lines_post(po, **changes) -> dict:
    """The edit form as the page fills it (each line's quantity and cost), with ``changes``
    (``quantity_MUG-1=4``, ``cost_MUG-1=1.50``, ``add_sku``, ``add_quantity``) applied."""
    data = {"add_sku": "", "add_quantity": ""}
    for line in po.lines.all():
        data[f"quantity_{line.pk}"] = str(
            changes.pop(f"quantity_{line.sku}", line.quantity_ordered)
        )
        data[f"cost_{line.pk}"] = str(changes.pop(f"cost_{line.sku}", line.unit_cost))
    data.update(changes)
    return data


def test_staff_change_a_drafts_quantities_and_costs_and_add_a_sku(staff_client):
    # given a draft of two SKUs, and a third SKU the supplier sells
    supplier = make_supplier()
    po = drafted("MUG-1", "CUP-1", supplier=supplier)
    short_skus(supplier, "PLATE-1", stock=50)
    mug = po.lines.get(sku="MUG-1")

    # when a staff member sets MUG-1 to 4 at 1.50, removes CUP-1 and adds 3 PLATE-1
    page = staff_client.get(url("purchase_order", po)).content.decode()
    response = staff_client.post(
        url("purchase_order_lines", po),
        lines_post(
            po,
            **{"quantity_MUG-1": 4, "cost_MUG-1": "1.50", "quantity_CUP-1": 0},
            add_sku="PLATE-1",
            add_quantity="3",
        ),
        follow=True,
    )

    # then the page had the fields, and the draft has the new lines and total, recorded
    assert f'name="quantity_{mug.pk}"' in page and f'name="cost_{mug.pk}"' in page
    assert response.status_code == 200
    po.refresh_from_db()
    lines = {ln.sku: (ln.quantity_ordered, ln.unit_cost) for ln in po.lines.all()}
    assert lines == {"MUG-1": (4, Decimal("1.50")), "PLATE-1": (3, Decimal("2.00"))}
    assert po.total == Decimal("12.00")
    (event,) = Event.objects.filter(type="purchase_order.lines_changed", subject_id=str(po.pk))
    assert event.actor_label == "sam"
    assert f"Lines of {po.number} saved." in response.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity_MUG-1": -1}, "quantity", "greater than or equal to 0"),
        ({"quantity_MUG-1": "many"}, "quantity", "Enter a whole number."),
        ({"cost_MUG-1": "-2"}, "cost", "greater than or equal to 0"),
        ({"add_sku": "NOPE-1", "add_quantity": "2"}, "add_sku", "There is no SKU with this code."),
        ({"add_sku": "BIG-1", "add_quantity": "2"}, "add_sku", "does not sell that SKU"),
        ({"add_sku": "MUG-2"}, "add_quantity", "Say how many to order."),
    ],
)
def test_bad_lines_are_refused_beside_the_field_and_change_nothing(
    staff_client, change, field, message
):
    # given a draft
    po = drafted("MUG-1")
    make_variant("BIG-1", stock=100)  # a SKU the supplier does not sell
    mug = po.lines.get()
    before = snapshot()
    total = po.total

    # when a staff member saves a bad value
    response = staff_client.post(url("purchase_order_lines", po), lines_post(po, **change))

    # then the page comes back (400) with the error beside that field, and nothing changed
    assert response.status_code == 400
    page = response.content.decode()
    name = {"quantity": f"quantity_{mug.pk}", "cost": f"cost_{mug.pk}"}.get(field, field)
    errors = response.context["lines_form"].errors
    assert list(errors) == [name]
    assert message in " ".join(errors[name])
    assert f'aria-describedby="id_{name}_error"' in page or f"id_{name}_error" in page
    assert snapshot() == before
    po.refresh_from_db()
    assert po.total == total


def test_a_sent_order_has_no_line_fields_and_refuses_a_forged_edit(staff_client):
    po = sent("MUG-1")
    before = snapshot()

    page = staff_client.get(url("purchase_order", po)).content.decode()
    response = staff_client.post(url("purchase_order_lines", po), lines_post(po), follow=True)

    assert 'id="edit-lines"' not in page
    assert "Only a draft" in response.content.decode()
    assert snapshot() == before


def test_a_viewer_sees_a_drafts_lines_without_fields_and_cannot_edit(viewer_client):
    po = drafted("MUG-1")
    before = snapshot()

    page = viewer_client.get(url("purchase_order", po)).content.decode()
    response = viewer_client.post(url("purchase_order_lines", po), lines_post(po))

    assert 'id="edit-lines"' not in page and 'name="quantity_' not in page
    assert response.status_code == 403
    assert snapshot() == before
