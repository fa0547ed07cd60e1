"""Every write on outbound webhook subscriptions: subscribe, change, delete, pause, resume,
and the owner's test send. Deliveries (the handler, sending, retries, replay) are in
``webhook_deliveries``; this module is the door to both.

Promises:
- a subscription's secret is generated here and shown once (the create call returns it);
- pausing keeps every delivery: events that arrive while paused wait, and resuming sends them,
  oldest first.
"""

from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import Conflict, InvalidInput, NotFound
from soloops.events.services import event_emit
from soloops.integrations.errors import WebhookErrorCode as Code
from soloops.integrations.models.webhooks import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from soloops.integrations.webhooks import interest, patterns
from soloops.integrations.webhooks.signing import new_secret

from .webhook_deliveries import (  # noqa: F401  (the app's door)
    MAX_ATTEMPTS,
    enqueue_send,
    retry_delay,
    webhook_deliveries_on_event,
    webhook_delivery_send,
    webhook_test_send,
)
from .webhook_sweeps import (  # noqa: F401  (the app's door)
    webhook_deliveries_retry_due,
    webhook_delivery_replay,
)


def webhook_wants(event_type: str) -> bool:
    """Whether some subscription (active or paused) takes ``event_type`` (memoised briefly)."""
    return interest.wanted(event_type)


def webhook_interest_forget(*, known: list[str] | None = None) -> None:
    """Read the subscriptions' types again on the next event (tests: ``known=[]``)."""
    interest.forget(known=known)


def _changed() -> None:
    """This process reads the subscriptions again now (an event emitted later in this
    transaction is asked about with the change) and once the change commits."""
    interest.forget()
    transaction.on_commit(interest.forget)


def _clean_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(Code.BAD_URL, "the URL must start with http:// or https://", field="url")
    return url


def _clean_types(event_types: list[str]) -> list[str]:
    cleaned = []
    for value in event_types:
        value = value.strip()
        if not value:
            continue
        if why := patterns.problem(value):
            raise InvalidInput(Code.BAD_EVENT_TYPE, why, field="event_types")
        if value not in cleaned:
            cleaned.append(value)
    if not cleaned:
        raise InvalidInput(
            Code.BAD_EVENT_TYPE, "name at least one event type (or * for all)", field="event_types"
        )
    return cleaned


def _payload(sub: WebhookSubscription, **extra) -> dict:
    return {"name": sub.name, "url": sub.url, "event_types": sub.event_types, **extra}


def webhook_subscription_create(
    *, name: str, url: str, event_types: list[str], actor: Actor
) -> WebhookSubscription:
    """Subscribe ``url`` to ``event_types``; the returned row carries the secret (show it once)."""
    name = name.strip() or urlsplit(url).netloc
    sub = WebhookSubscription(
        name=name[:100],
        url=_clean_url(url),
        event_types=_clean_types(event_types),
        secret=new_secret(),
    )
    with transaction.atomic():
        sub.save()
        _changed()
        event_emit(type="webhook.subscribed", subject=sub, payload=_payload(sub), actor=actor)
    return sub


def webhook_subscription_update(
    *,
    subscription: WebhookSubscription,
    actor: Actor,
    name: str | None = None,
    url: str | None = None,
    event_types: list[str] | None = None,
) -> WebhookSubscription:
    changes = {}
    if name is not None and name.strip() and name.strip() != subscription.name:
        changes["name"] = name.strip()[:100]
    if url is not None and (url := _clean_url(url)) != subscription.url:
        changes["url"] = url
    if event_types is not None and (types := _clean_types(event_types)) != subscription.event_types:
        changes["event_types"] = types
    if not changes:
        return subscription
    with transaction.atomic():
        for field, value in changes.items():
            setattr(subscription, field, value)
        subscription.save(update_fields=[*changes, "updated_at"])
        _changed()
        event_emit(
            type="webhook.updated",
            subject=subscription,
            payload=_payload(subscription, changed=sorted(changes)),
            actor=actor,
        )
    return subscription


def webhook_subscription_delete(*, subscription: WebhookSubscription, actor: Actor) -> None:
    """Stop delivering to the URL; its delivery log goes with it (the event says it existed)."""
    with transaction.atomic():
        event_emit(
            type="webhook.deleted",
            subject=subscription,
            payload=_payload(subscription),
            actor=actor,
        )
        subscription.delete()
        _changed()


def webhook_subscription_pause(
    *, subscription: WebhookSubscription, actor: Actor, reason: str
) -> WebhookSubscription:
    """Hold deliveries to the URL (the owner's choice, or ``webhook_deliveries`` after too many
    failures in a row). Deliveries keep being recorded and wait for ``resume``."""
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if sub.status == SubscriptionStatus.PAUSED:
            raise Conflict(Code.ALREADY_PAUSED, "this webhook is already paused", field="status")
        sub.status = SubscriptionStatus.PAUSED
        sub.paused_at = timezone.now()
        sub.paused_reason = reason[:500]
        sub.save(update_fields=["status", "paused_at", "paused_reason", "updated_at"])
        event_emit(
            type="webhook.paused",
            subject=sub,
            payload=_payload(sub, reason=sub.paused_reason, failures=sub.consecutive_failures),
            actor=actor,
        )
    return sub


def webhook_subscription_resume(
    *, subscription: WebhookSubscription, actor: Actor
) -> WebhookSubscription:
    """Deliver again: every delivery that waited is handed out now, oldest first."""
    now = timezone.now()
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        if sub.status != SubscriptionStatus.PAUSED:
            raise Conflict(Code.NOT_PAUSED, "this webhook is not paused", field="status")
        waiting = list(
            WebhookDelivery.objects.filter(
                subscription=sub, status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        WebhookDelivery.objects.filter(pk__in=waiting).update(next_attempt_at=now, relays=0)
        sub.status = SubscriptionStatus.ACTIVE
        sub.consecutive_failures = 0
        sub.paused_at = None
        sub.paused_reason = ""
        sub.save(
            update_fields=[
                "status",
                "consecutive_failures",
                "paused_at",
                "paused_reason",
                "updated_at",
            ]
        )
        event_emit(
            type="webhook.resumed",
            subject=sub,
            payload=_payload(sub, waiting=len(waiting)),
            actor=actor,
        )
        transaction.on_commit(lambda: [enqueue_send(pk) for pk in waiting])
    return sub


def webhook_subscription_get(*, subscription_id: int) -> WebhookSubscription:
    sub = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound(Code.NOT_FOUND, "no such webhook")
    return sub
