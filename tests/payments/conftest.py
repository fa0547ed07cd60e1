"""An accepted order to pay, people with tokens, a JSON client, a Stripe stand-in without
network, and Stripe webhook signing with a test secret."""

import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import parse_qs

import pytest
import stripe
from django.core.cache import cache
from django.test import Client

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.inventory.models import Location
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from soloops.payments import providers
from soloops.payments.models import Payment, Refund, SandboxEntry, WebhookEvent
from soloops.payments.providers.stripe import StripeProvider
from tests.factories import draft, make_variant

SYSTEM = Actor.system("test")
PASSWORD = "correct horse battery staple 42"
WEBHOOK_SECRET = "whsec_test_0123456789abcdef"
SUCCESS_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000000000000002"
DELAYED_CARD = "4000-0000-0000-3220"
_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Intake caches the review policy; every test starts from the database."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(db):
    """One mug at 12.50 with plenty of stock, and a review that accepts every order."""
    # A transactional test before this one flushed the migration's default location.
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "hold_at_score": 10_000,
            "reject_at_score": 20_000,
            "max_orders_per_email": 1_000_000,
            "max_orders_per_ip": 1_000_000,
        },
    )
    cache.clear()
    return make_variant("MUG-1", price="12.50", stock=1000)


def place(quantity: int = 2):
    """An accepted order for ``quantity`` mugs, placed through intake."""
    order, _ = order_place(
        draft=draft(("MUG-1", quantity), email=f"buyer{next(_emails)}@example.com"),
        channel="api",
        actor=SYSTEM,
    )
    assert order.status == "accepted", order.review
    return order


@pytest.fixture
def order(shop):
    return place()


def bearer(username: str, role: str, scope: str = "write") -> dict[str, str]:
    user = user_create(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        actor=SYSTEM,
    )
    issued = token_create(user=user, name=f"{scope} token", scope=scope, actor=SYSTEM)
    return {"Authorization": f"Bearer {issued.secret}"}


class Api:
    """The test client speaking JSON with one set of headers, as an API caller would."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers

    def post(self, path: str, body=None, headers: dict[str, str] | None = None):
        return self.client.post(
            path,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)


@pytest.fixture
def api(client, db) -> Api:
    """The owner's write token."""
    return Api(client, bearer("olivia", "owner"))


def pay(api: Api, order, provider: str = "sandbox", card: str | None = SUCCESS_CARD, **headers):
    body = {"provider": provider}
    if card is not None:
        body["card_number"] = card
    return api.post(f"/api/orders/{order.number}/payments", body, headers=headers)


def check_error(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) == {"code", "message", "field", "extra"}, data
    assert data["code"] == code, data
    assert data["field"] == field, data
    return data


def events(type: str) -> list[Event]:
    return list(Event.objects.filter(type=type).order_by("id"))


def snapshot() -> dict:
    """Everything a payment action may write, to compare "nothing changed"."""
    return {
        "payments": list(Payment.objects.order_by("pk").values()),
        "refunds": list(Refund.objects.order_by("pk").values()),
        "ledger": SandboxEntry.objects.count(),
        "webhooks": WebhookEvent.objects.count(),
        "events": Event.objects.count(),
    }


# --- Stripe, without its servers ---------------------------------------------------------


class FakeStripeHTTP(stripe.HTTPClient):
    """Stands in for the network under the official library: records each request and
    answers the next canned response (a dict, with a status, or an exception to raise)."""

    name = "fake"

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[dict] = []
        self.responses: list[tuple[int, dict] | Exception] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.calls.append(
            {
                "method": method,
                "url": url,
                "headers": dict(headers or {}),
                "params": parse_qs(post_data or ""),
            }
        )
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        status, body = response
        return json.dumps(body), status, {"request-id": "req_test"}

    def close(self) -> None:
        pass


@pytest.fixture
def fake_stripe(settings, monkeypatch) -> FakeStripeHTTP:
    """Stripe enabled with a test key, talking to ``FakeStripeHTTP`` instead of the network."""
    settings.STRIPE_API_KEY = "sk_test_not_a_real_key"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    http = FakeStripeHTTP()
    real = providers.provider_for

    def provider_for(name: str):
        if name == "stripe":
            return StripeProvider(api_key="sk_test_not_a_real_key", http_client=http,
                                  max_network_retries=0)  # fmt: skip
        return real(name)

    monkeypatch.setattr(providers, "provider_for", provider_for)
    return http


def intent(payment, status: str = "requires_payment_method", **fields) -> dict:
    """A PaymentIntent as Stripe's API and webhooks show it."""
    minor = int(payment.amount * 100)
    return {
        "id": payment.provider_reference or "pi_3TestIntent0001",
        "object": "payment_intent",
        "amount": minor,
        "amount_received": minor if status == "succeeded" else 0,
        "currency": payment.currency.lower(),
        "status": status,
        "capture_method": "automatic",
        "client_secret": "pi_3TestIntent0001_secret_abc",
        "metadata": {"soloops_payment": str(payment.uid), "order_number": payment.order.number},
        "last_payment_error": None,
        **fields,
    }


def stripe_event(type: str, obj: dict, event_id: str = "evt_1TestEvent0001") -> str:
    """A Stripe event body, serialised as Stripe sends it."""
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type,
            "data": {"object": obj},
        },
        indent=2,
    )


def signature(body: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """``v1`` as Stripe computes it: HMAC-SHA256 of ``"<t>.<body>"`` with the secret."""
    t = int(time.time()) if timestamp is None else timestamp
    return hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()


def signed(body: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(body, secret, t)}"


def post_webhook(client: Client, body: str, header: str | None):
    headers = {"Stripe-Signature": header} if header is not None else {}
    return client.post(
        "/webhooks/stripe", data=body, content_type="application/json", headers=headers
    )
