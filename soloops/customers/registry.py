"""What the apps above know about a customer, handed down at start-up.

Customers is a low layer: it may not import orders or emails, yet a customer's totals, a merge
(orders move to the kept record), an erasure (the orders keep their money, lose the person) and
a privacy export all need what those apps hold. Each app above registers one ``CustomerData``
from its ``AppConfig.ready`` (the same way the flow engine joins event dispatch), and the
customers services call every registered source — so a reader greps ``customer_data_add`` to
find everything that holds personal data about a customer.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class OrderFacts:
    """What a customer's orders add up to (cancelled and rejected orders do not count)."""

    orders_count: int
    total_spent: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None


@dataclass(frozen=True)
class CustomerData:
    """One app's part of a customer. Every callable runs inside the caller's transaction.

    - ``facts(ids)``: {customer id: OrderFacts} for those customers (absent: no orders)
    - ``find(text)``: ids of customers an identifier of this app names (an order number)
    - ``move(source_id, target_id)``: give the target everything the source had; returns
      how many rows moved
    - ``erase(customer_id, email)``: blank the personal data this app keeps about the
      customer (``email``: their address before erasure), keeping amounts
    - ``export(customer_id, email)``: everything this app keeps about them, JSON-ready
    - ``buyers_of(sku)``: ids of customers who bought this SKU (orders that count)
    - ``history()``: every counted order as (customer id, placed at, total), for calibration
    """

    name: str
    facts: Callable[[list[int]], dict[int, OrderFacts]] | None = None
    find: Callable[[str], list[int]] | None = None
    move: Callable[[int, int], int] | None = None
    erase: Callable[[int, str], int] | None = None
    export: Callable[[int, str], list | dict] | None = None
    buyers_of: Callable[[str], list[int]] | None = None
    history: Callable[[], Iterable[tuple[int, datetime, Decimal]]] | None = None


_sources: dict[str, CustomerData] = {}


def customer_data_add(source: CustomerData) -> None:
    """Register an app's part of a customer (idempotent: the name is the key)."""
    _sources[source.name] = source


def customer_data_sources() -> list[CustomerData]:
    return list(_sources.values())
