"""Reads of outbound webhooks: subscriptions with their latest figures, a subscription's
delivery log, one delivery with its attempts, and what the owner should look at."""

from django.db.models import Count, Prefetch, Q, QuerySet

from soloops.errors import NotFound
from soloops.integrations.errors import WebhookErrorCode as Code
from soloops.integrations.models.webhooks import (
    DeliveryStatus,
    SubscriptionStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

# (value, translated label) of a delivery's status, for filters.
DELIVERY_STATUSES = DeliveryStatus.choices


def webhook_subscriptions_list() -> QuerySet[WebhookSubscription]:
    """Every subscription with its count of deliveries that gave up (one query)."""
    return WebhookSubscription.objects.annotate(
        gave_up_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.GAVE_UP))
    ).order_by("name", "pk")


def webhook_subscription_get(*, subscription_id: int) -> WebhookSubscription:
    sub = webhook_subscriptions_list().filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound(Code.NOT_FOUND, "no such webhook")
    return sub


def webhook_deliveries_list(
    *, subscription: WebhookSubscription, status: str | None = None
) -> QuerySet[WebhookDelivery]:
    """A subscription's delivery log, newest first (on integ_whdel_sub_idx)."""
    qs = WebhookDelivery.objects.filter(subscription=subscription).defer("body")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-pk")


def webhook_delivery_get(*, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("subscription")
        .prefetch_related(Prefetch("tries", queryset=WebhookAttempt.objects.order_by("number")))
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound(Code.DELIVERY_NOT_FOUND, "no such webhook delivery")
    return delivery


def webhook_subscriptions_paused() -> list[WebhookSubscription]:
    """Paused subscriptions, for Today's alerts: each needs the owner to look and resume."""
    return list(
        WebhookSubscription.objects.filter(status=SubscriptionStatus.PAUSED).order_by("paused_at")
    )
