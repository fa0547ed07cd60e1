"""Past orders imported as history (#16 §2): their own numbers, dates, status and totals; the
customers found or created; no stock, payment, email or flow; re-importing changes nothing;
totals per day and per customer match the file to the cent."""

import csv
import io
import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest

from soloops.automation.models import Event, FlowRun
from soloops.automation.services import flows_install_defaults
from soloops.customers.models import Customer
from soloops.emails.models import EmailSend
from soloops.inventory.models import Movement, Reservation
from soloops.orders.models import Order, OrderLine
from soloops.shop.selectors import shop_zone
from tests.factories import make_variant
from tests.integrations.conftest import SYSTEM, run, upload

pytestmark = pytest.mark.django_db


def test_a_shopify_export_becomes_history_and_nothing_else_happens(run_after_commit):
    # given the default flows, a SKU with stock, and one customer already known
    flows_install_defaults(actor=SYSTEM)
    mug = make_variant("MUG-1", stock=10)
    run(upload(b"email,name\nann@example.com,Ann\n", "customers"))
    movements, customers = Movement.objects.count(), Customer.objects.count()

    # when the past orders are imported, and everything that follows has run
    job = run(upload("history_shopify.csv", "orders"))
    run_after_commit()

    # then each order keeps its number, day, status and total, on the import channel
    assert job.status == "imported", (job.error, job.report.get("errors"))
    assert job.report["create"] == 4
    orders = {o.number: o for o in Order.objects.all()}
    assert set(orders) == {"#1001", "#1002", "#1003", "#1004"}
    assert orders["#1002"].total == Decimal("1234.50") and orders["#1002"].status == "cancelled"
    assert orders["#1004"].status == "completed"
    assert orders["#1001"].placed_at.astimezone(shop_zone()).date() == date(2025, 3, 1)
    assert {o.channel for o in orders.values()} == {"import"}

    # lines: linked when the catalog has the SKU, kept uncatalogued when not
    lines = {ln.order.number: ln for ln in OrderLine.objects.select_related("order")}
    assert lines["#1001"].variant_id == mug.pk and lines["#1001"].quantity == 2
    assert lines["#1003"].variant is None and lines["#1003"].sku == "OLD-SKU-9"
    assert lines["#1002"].variant is None and lines["#1002"].title == "Gift card"

    # the known customer is linked, the others created
    assert Customer.objects.count() == customers + 2
    assert Order.objects.filter(customer__email="ann@example.com").count() == 2

    # and no stock moved or was reserved, no email was sent, no flow ran
    assert Movement.objects.count() == movements
    assert not Reservation.objects.exists()
    assert not EmailSend.objects.exists()
    assert not FlowRun.objects.exists()
    assert Event.objects.filter(type="order.imported").count() == 4
    assert not Event.objects.filter(type="order.placed").exists()


def test_reimporting_history_changes_nothing():
    run(upload("history_shopify.csv", "orders"))
    events = Event.objects.count()

    job = run(upload("history_shopify.csv", "orders"))

    assert (job.report["create"], job.report["unchanged"], job.report["rejected"]) == (0, 4, 0)
    assert Order.objects.count() == 4
    assert Event.objects.count() == events + 1  # the import.completed of the second import


def test_an_order_number_already_used_with_other_values_is_a_bad_row():
    run(upload("history_shopify.csv", "orders"))
    data = b"Name,Email,Created at,Total\n#1001,ann@example.com,2025-03-01,99.00\n"
    job = run(upload(data, "orders"), dry_run=True)
    assert [e["text"] for e in job.report["errors"]] == [
        "line 2, Name: order #1001 is already in the shop, with other values"
    ]


def test_the_minimum_is_a_customer_a_date_and_an_amount():
    data = b"email,date,amount\nzoe@example.com,2024-12-24,19.99\nzoe@example.com,,5\n"
    job = run(upload(data, "orders"), skip_bad_rows=True)
    assert job.report["create"] == 1
    assert [e["text"] for e in job.report["errors"]] == ["line 3, date: must not be empty"]
    (order,) = Order.objects.all()
    assert order.number.startswith("H-") and order.total == Decimal("19.99")
    # made from the row's content: the same file finds the same order
    again = run(upload(data, "orders"), skip_bad_rows=True)
    assert (again.report["create"], again.report["unchanged"]) == (0, 1)


def test_totals_per_day_and_per_customer_match_the_file_to_the_cent(tmp_path, run_after_commit):
    # given a history file of 400 orders from 60 customers over 90 days, cents and all
    rng = random.Random(16)
    rows, by_day, by_customer = [], defaultdict(Decimal), defaultdict(Decimal)
    for i in range(400):
        email = f"c{rng.randrange(60)}@example.com"
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(90))
        total = Decimal(rng.randrange(1, 50000)) / 100
        rows.append([f"OLD-{i}", email, day.strftime("%d.%m.%Y"), f"{total:.2f}".replace(".", ",")])
        by_day[day] += total
        by_customer[email] += total
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["订单号", "邮箱", "日期", "金额"])
    writer.writerows(rows)

    # when it is imported
    job = run(upload(out.getvalue().encode("gb18030"), "orders"))

    # then the shop's totals per day and per customer are the file's, to the cent
    assert job.status == "imported", job.report.get("errors")
    got_day, got_customer = defaultdict(Decimal), defaultdict(Decimal)
    for placed_at, email, total in Order.objects.values_list(
        "placed_at", "customer__email", "total"
    ):
        got_day[placed_at.astimezone(shop_zone()).date()] += total
        got_customer[email] += total
    assert got_day == by_day
    assert got_customer == by_customer
    # and once what follows the import has run, each customer's totals are the file's too
    run_after_commit()
    spent = dict(Customer.objects.values_list("email", "total_spent"))
    assert spent == by_customer


def test_the_single_order_service_refuses_a_taken_number_and_a_live_status():
    from datetime import UTC, datetime

    from soloops.errors import Conflict, InvalidInput
    from soloops.orders.services import HistoryLine, order_import_history

    def one(number, status="completed"):
        return order_import_history(
            number=number, email="x@example.com", name="X", status=status, currency="EUR",
            placed_at=datetime(2025, 1, 2, 12, tzinfo=UTC), total=Decimal("5.00"),
            lines=[HistoryLine(sku="", title="Gift", quantity=1, line_total=Decimal("5.00"))],
            actor=SYSTEM,
        )  # fmt: skip

    order = one("#9")
    assert order.lines.get().variant is None
    with pytest.raises(Conflict):
        one("#9")
    with pytest.raises(InvalidInput):
        one("#10", status="on_hold")
    assert Order.objects.count() == 1
