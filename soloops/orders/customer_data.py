"""The orders app's part of a customer (soloops.customers.registry), registered at start-up.

Orders sit above customers, so customers cannot ask for these; the orders app hands them down:
a customer's totals, whose order a number is, moving orders on a merge, blanking the person on
an erasure (number, lines and money stay for the books), and the orders in a privacy export.
"""

from django.db.models import Count, Max, Min, Q, Sum

from soloops.customers.registry import CustomerData, OrderFacts, customer_data_add
from soloops.orders.models import Order, OrderLine, OrderStatus

# Orders that never became a sale do not count towards what a customer spent.
NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.REJECTED)
ERASED_ADDRESS: dict = {}


def _facts(ids: list[int]) -> dict[int, OrderFacts]:
    rows = (
        Order.objects.filter(customer_id__in=ids)
        .exclude(status__in=NOT_COUNTED)
        .values("customer_id")
        .annotate(n=Count("id"), spent=Sum("total"), first=Min("placed_at"), last=Max("placed_at"))
        .order_by()
    )
    return {r["customer_id"]: OrderFacts(r["n"], r["spent"], r["first"], r["last"]) for r in rows}


def _find(text: str) -> list[int]:
    """The customer of the order with this number (exact; numbers are stored upper-case)."""
    number = text.strip().upper()
    if not number.startswith("SO-"):
        return []
    return list(Order.objects.filter(number=number).values_list("customer_id", flat=True)[:1])


def _move(source_id: int, target_id: int) -> int:
    return Order.objects.filter(customer_id=source_id).update(customer_id=target_id)


def _erase(customer_id: int, email: str) -> int:
    """Blank the person on their orders; the placeholder email keeps the NOT NULL column."""
    placeholder = f"erased-{customer_id}@erased.invalid"
    return Order.objects.filter(Q(customer_id=customer_id) | Q(email=email)).update(
        email=placeholder,
        shipping_address=ERASED_ADDRESS,
        billing_address=ERASED_ADDRESS,
        note="",
        client_ip=None,
    )


def _export(customer_id: int, email: str) -> list[dict]:
    orders = list(Order.objects.filter(customer_id=customer_id).order_by("placed_at", "id"))
    lines: dict[int, list[dict]] = {}
    for line in OrderLine.objects.filter(order__in=orders).order_by("order_id", "id"):
        lines.setdefault(line.order_id, []).append(
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": str(line.unit_price),
                "line_total": str(line.line_total),
            }
        )
    return [
        {
            "number": o.number,
            "status": o.status,
            "placed_at": o.placed_at.isoformat(),
            "email": o.email,
            "currency": o.currency,
            "total": str(o.total),
            "shipping_address": o.shipping_address,
            "billing_address": o.billing_address,
            "note": o.note,
            "lines": lines.get(o.pk, []),
        }
        for o in orders
    ]


def _buyers_of(sku: str) -> list[int]:
    return list(
        OrderLine.objects.filter(sku=sku)
        .exclude(order__status__in=NOT_COUNTED)
        .values_list("order__customer_id", flat=True)
        .distinct()
        .order_by()
    )


def _history():
    return (
        Order.objects.exclude(status__in=NOT_COUNTED)
        .order_by()
        .values_list("customer_id", "placed_at", "total")
        .iterator(chunk_size=5000)
    )


def register() -> None:
    customer_data_add(
        CustomerData(
            name="orders",
            facts=_facts,
            find=_find,
            move=_move,
            erase=_erase,
            export=_export,
            buyers_of=_buyers_of,
            history=_history,
        )
    )
