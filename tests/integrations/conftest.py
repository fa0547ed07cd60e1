"""Integrations tests' shared parts.

Imports: upload a fixture file (or bytes) and run it through the real services.
Outbound webhooks: a real HTTP receiver on 127.0.0.1 that checks signatures the way the README
tells a receiver to, dedupes on the idempotency key, and can be told to fail or hang."""

import hashlib
import hmac
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.events.services import event_emit
from soloops.integrations.services import import_runs
from soloops.integrations.services import imports as services
from soloops.integrations.services.webhooks import webhook_subscription_create
from tests.api.conftest import caller  # noqa: F401 (the API tests' callers, by role)

FIXTURES = Path(__file__).parent / "fixtures"
SYSTEM = Actor.system("test")


def upload(name_or_bytes, entity: str = "products", *, filename: str = "", **kw):
    if isinstance(name_or_bytes, bytes):
        data, filename = name_or_bytes, filename or "upload.csv"
    else:
        data, filename = (FIXTURES / name_or_bytes).read_bytes(), filename or name_or_bytes
    return services.import_upload(
        entity=entity, filename=filename, source=io.BytesIO(data), actor=SYSTEM, **kw
    )


def run(job, *, dry_run: bool = False, skip_bad_rows: bool = False):
    return import_runs.import_run_now(
        job=job, dry_run=dry_run, skip_bad_rows=skip_bad_rows, actor=SYSTEM
    )


@pytest.fixture
def catalog_rows(db):
    """How many products, variants and events there are: to show nothing was written."""
    from soloops.automation.models import Event
    from soloops.catalog.models import Product, Variant
    from soloops.customers.models import Customer

    def count():
        return (
            Product.objects.count(),
            Variant.objects.count(),
            Customer.objects.count(),
            Event.objects.count(),
        )

    return count


@pytest.fixture(autouse=True)
def _english():
    """Messages in English, whatever language a console request of an earlier test left
    active in this thread (the messages are asserted word for word)."""
    from django.utils import translation

    with translation.override("en"):
        yield


SYSTEM = Actor.system("test")


# The README's receiver check, copied from the README as a tool's author would (keep in step).
def verify_soloops_signature(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False  # too old (or from the future): a replayed request
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


class Receiver:
    """Records each POST; answers from ``answers`` (status, body) in order, the last repeating;
    ``hang`` makes it hold each request until ``release`` (a timeout or a killed sender);
    ``processed`` holds the ids it acted on once (a receiver deduping on Idempotency-Key)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: list[tuple[int, str]] = [(200, '{"ok": true}')]
        self.processed: dict[str, int] = {}
        self.effects: list[str] = []  # what a receiver deduping on the key acted on, in order
        self.secret = ""
        self.hang = False
        self.release = threading.Event()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.requests.append({"path": self.path, "headers": headers, "body": body})
                receiver.arrived.set()
                if receiver.hang:
                    receiver.release.wait(60)
                index = min(len(receiver.requests), len(receiver.answers)) - 1
                status, answer = receiver.answers[index]
                if 200 <= status < 300:
                    key = headers.get("idempotency-key", "")
                    receiver.processed[key] = receiver.processed.get(key, 0) + 1
                    if receiver.processed[key] == 1:
                        receiver.effects.append(key)
                data = answer.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender gave up (timeout) or died

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


def subscribe(url: str, types=("test.*",), name="Receiver"):
    return webhook_subscription_create(name=name, url=url, event_types=list(types), actor=SYSTEM)


def emit(type: str = "test.ping", **payload):
    with transaction.atomic():
        return event_emit(type=type, subject=("probe.thing", 1), payload=payload, actor=SYSTEM)
