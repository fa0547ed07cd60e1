"""A real SMTP server on loopback, a small shop, and helpers to queue emails and read events."""

import email
import email.policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.accounts.services import token_create, user_create
from soloops.automation.models import Event
from soloops.emails.services import email_enqueue
from soloops.inventory.models import Location
from soloops.orders.models import ReviewPolicy
from tests.conftest import free_port
from tests.factories import make_variant

SYSTEM = Actor.system("test")


class Collector:
    """An aiosmtpd handler keeping every message; ``reply`` makes it refuse them instead."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.reply: str | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.received.append(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(raw, policy=email.policy.default)
            for raw in self.handler.received
        ]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1, and the default mailer pointed at it."""
    server = SmtpServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


@pytest.fixture
def shop(db):
    """Two SKUs in stock, and a review policy that accepts every order."""
    # A flush by an earlier transactional test removes the migration's default location.
    Location.objects.get_or_create(
        is_default=True, defaults={"code": "main", "name": "Main warehouse"}
    )
    ReviewPolicy.objects.update_or_create(
        pk=1,
        defaults={
            "hold_at_score": 10_000,
            "reject_at_score": 20_000,
            "max_orders_per_email": 1_000_000,
            "max_orders_per_ip": 1_000_000,
        },
    )
    from django.core.cache import cache

    cache.clear()
    return {"MUG-1": make_variant("MUG-1", price="12.50", stock=100)}


def queue(**overrides):
    """``email_enqueue`` with an owner notification, in its own committed transaction."""
    kwargs = {
        "to": "owner@example.com",
        "template": "owner_notification",
        "context": {"subject": "Stock is low", "body": "MUG-1 has 2 left."},
        "language": "en",
        "idempotency_key": "test:1",
        "subject": ("catalog.variant", "7"),
        "actor": SYSTEM,
        **overrides,
    }
    with transaction.atomic():
        return email_enqueue(**kwargs)


def event_types(prefix: str = "email") -> list[str]:
    return list(
        Event.objects.filter(type__startswith=prefix).order_by("id").values_list("type", flat=True)
    )


def make_token(username: str, *, role: str = "owner", scope: str = "write") -> dict[str, str]:
    user = user_create(
        username=username,
        email=f"{username}@example.com",
        password="correct horse battery staple 42",
        role=role,
        actor=SYSTEM,
    )
    issued = token_create(user=user, name="tests", scope=scope, actor=SYSTEM)
    return {"Authorization": f"Bearer {issued.secret}"}
