"""Orders driven through the whole loop over real HTTP, as a client of the API would:
placed → accepted (intake) → paid (sandbox card) → shipment created by the default flow
(carrier switched to the sandbox, as e2e does) → shipped → delivered; the four customer emails
(confirmation, paid, shipped, delivered) go out through the default flows to the shop's SMTP
sink. Shared by the scale test and ``bench/scale.py``.

Driver threads take jobs from one queue, shipping before placing (so the loop runs as a
pipeline, not in phases); a poller lists new shipments (``GET /api/shipments?status=created``)
and queues them. Each thread keeps one keep-alive connection to one web process, spread evenly
over them. Every wait here waits for a condition (with a timeout), never for time to pass.
"""

import http.client
import json
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.scale_shop import ORDER_EMAILS, SKUS, Shop

ADDRESS = {
    "name": "Scale Buyer",
    "line1": "Lindenweg 12",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}
SHIPMENT_FLOW = "create-shipment-when-paid"
SHIP, PLACE = 0, 1  # job priorities: lower goes first
POLL_SECONDS = 0.25  # between two looks at the shipments list (a poll interval, not a timing)


class ApiError(Exception):
    pass


class Api:
    """One keep-alive connection to one web process, with the owner's token."""

    def __init__(self, base_url: str, token: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.conn: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict | None = None, key: str = "") -> dict:
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection before our request: open a
                # new one once (the request never reached a view).
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if response.status >= 300:
            raise ApiError(f"{method} {path}: HTTP {response.status} {text[:300]!r}")
        return json.loads(text) if text else {}

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


@dataclass
class Outcome:
    """What one drive did; ``seconds`` runs from the first order placed to the moment every
    order was delivered and all its emails were at the sink."""

    orders: int
    numbers: dict[str, str] = field(default_factory=dict)  # order number → customer email
    delivered: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    seconds_delivered: float = 0.0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.orders / self.seconds if self.seconds else 0.0


def customer_email(i: int) -> str:
    return f"c{i}@scale.example"


def shipments_use_sandbox(shop: Shop) -> None:
    """The owner switches the default shipment flow to the sandbox carrier (labels, tracking
    numbers), as its description suggests: export, edit, import."""
    api = Api(shop.web_urls[0], shop.token)
    conn = http.client.HTTPConnection(api.host, api.port, timeout=60)
    conn.request("GET", f"/api/flows/{SHIPMENT_FLOW}/export", headers=api.headers)
    response = conn.getresponse()
    source = response.read().decode()
    conn.close()
    if response.status != 200 or "carrier: manual" not in source:
        raise ApiError(f"exporting {SHIPMENT_FLOW}: HTTP {response.status} {source[:300]}")
    source = source.replace("carrier: manual", "carrier: sandbox")
    api.call("POST", "/api/flows/import", {"source": source, "key": SHIPMENT_FLOW})
    api.close()


class _Run:
    """The shared state of one drive: the job queue, progress, and the first error."""

    def __init__(self, shop: Shop, orders: int, seed: int) -> None:
        self.shop = shop
        self.outcome = Outcome(orders=orders)
        self.jobs: queue.PriorityQueue = queue.PriorityQueue()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.queued: set[str] = set()
        rng = random.Random(seed)
        for i in range(orders):
            lines = rng.sample(SKUS, rng.randint(1, 2))
            self.jobs.put((PLACE, i, [{"sku": s, "quantity": rng.randint(1, 2)} for s in lines]))

    def fail(self, message: str) -> None:
        with self.lock:
            self.outcome.errors.append(message)
        self.stop.set()

    def place(self, api: Api, i: int, lines: list) -> None:
        body = {"email": customer_email(i), "name": f"Customer {i}", "lines": lines}
        order = api.call("POST", "/api/orders", {**body, "shipping_address": ADDRESS}, f"o-{i}")
        if order["status"] != "accepted":
            raise ApiError(f"order {order['number']} is {order['status']}, not accepted")
        number = order["number"]
        card = {"provider": "sandbox", "card_number": "4242 4242 4242 4242"}
        payment = api.call("POST", f"/api/orders/{number}/payments", card, f"p-{i}")
        if payment["status"] != "captured":
            raise ApiError(f"payment of {number} is {payment['status']}, not captured")
        with self.lock:
            self.outcome.numbers[number] = customer_email(i)

    def ship(self, api: Api, shipment: str) -> None:
        api.call("POST", f"/api/shipments/{shipment}/ship")
        delivered = api.call("POST", f"/api/shipments/{shipment}/deliver")
        if delivered["status"] != "delivered":
            raise ApiError(f"shipment {shipment} is {delivered['status']}, not delivered")
        with self.lock:
            self.outcome.delivered.add(delivered["order_number"])

    def work(self, base_url: str) -> None:
        api = Api(base_url, self.shop.token)
        try:
            while not self.stop.is_set():
                try:
                    kind, ref, lines = self.jobs.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    continue
                if kind == PLACE:
                    self.place(api, ref, lines)
                else:
                    self.ship(api, ref)
        except Exception as e:  # the first failure ends the drive, and is reported
            self.fail(f"{type(e).__name__}: {e}")
        finally:
            api.close()

    def poll_shipments(self) -> None:
        """Queue every new shipment the default flow created, until all are queued."""
        api = Api(self.shop.web_urls[-1], self.shop.token)
        try:
            while not self.stop.is_set() and len(self.queued) < self.outcome.orders:
                page = 1
                while True:
                    path = f"/api/shipments?status=created&limit=200&page={page}"
                    items = api.call("GET", path)["items"]
                    for shipment in items:
                        if shipment["number"] not in self.queued:
                            self.queued.add(shipment["number"])
                            self.jobs.put((SHIP, shipment["number"], None))
                    if len(items) < 200:
                        break
                    page += 1
                self.stop.wait(POLL_SECONDS)
        except Exception as e:
            self.fail(f"polling shipments: {type(e).__name__}: {e}")
        finally:
            api.close()


def _wait(run: _Run, done: Callable[[], bool], timeout: float, what: str) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if run.stop.is_set() and run.outcome.errors:
            return False
        if dead := run.shop.dead():
            run.fail("a process died: " + "\n".join(dead))
            return False
        if time.monotonic() > deadline:
            run.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            return False
        time.sleep(0.1)
    return True


def _emails_at_sink(shop: Shop) -> int:
    return len({message_id for _, message_id in shop.sink.messages()})


def drive(
    shop: Shop,
    orders: int,
    *,
    threads: int = 8,
    midway: Callable[[], None] | None = None,
    timeout: float = 900,
    seed: int = 1,
) -> Outcome:
    """Drive ``orders`` orders through the loop; ``midway`` runs once half of them are placed
    (while the rest are being placed, paid, shipped and delivered)."""
    run = _Run(shop, orders, seed)
    started = time.perf_counter()
    pool = [
        threading.Thread(target=run.work, args=(shop.web_urls[t % len(shop.web_urls)],))
        for t in range(threads)
    ]
    pool.append(threading.Thread(target=run.poll_shipments))
    for thread in pool:
        thread.start()
    outcome = run.outcome
    try:
        if midway is not None and _wait(
            run, lambda: len(outcome.numbers) >= orders // 2, timeout, "half the orders placed"
        ):
            midway()
        if _wait(run, lambda: len(outcome.delivered) == orders, timeout, "every delivery"):
            outcome.seconds_delivered = time.perf_counter() - started
        expected = orders * len(ORDER_EMAILS)
        if _wait(run, lambda: _emails_at_sink(shop) >= expected, timeout, f"{expected} emails"):
            outcome.seconds = time.perf_counter() - started
    finally:
        run.stop.set()
        for thread in pool:
            thread.join(timeout=150)
    return outcome
