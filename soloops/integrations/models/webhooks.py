"""Outbound webhooks: the owner's subscriptions, one delivery per (subscription, event), and
every attempt at sending it (the delivery log the owner reads)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("active")  # events of its types are delivered
    PAUSED = "paused", _("paused")  # deliveries are kept and wait for the owner to resume


class WebhookSubscription(models.Model):
    """A URL that receives the events whose types match ``event_types`` (``order.*``, ``*``)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    event_types = models.JSONField(default=list)
    # Signs every body sent to this URL (HMAC-SHA256); shown to the owner once, when created.
    secret = models.CharField(max_length=100)
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=500, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["status"], name="integ_whsub_status_idx")]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")  # waits for its (next) attempt
    SENDING = "sending", _("sending")  # a worker holds it until next_attempt_at (its lease)
    DELIVERED = "delivered", _("delivered")  # the receiver answered 2xx
    FAILED = "failed", _("failed")  # the last attempt failed; another is due at next_attempt_at
    GAVE_UP = "gave_up", _("gave up")  # no attempt left; the owner may replay it


UNFINISHED = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)


class WebhookDelivery(models.Model):
    """One event (or one test) for one subscription. Its ``key`` is the idempotency id the
    receiver dedupes on: the same for every attempt and every replay."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.BigIntegerField(null=True, blank=True)  # null: a test send
    event_type = models.CharField(max_length=100)
    key = models.CharField(max_length=100, unique=True)
    body = models.TextField()  # the exact JSON sent (signed as is)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    relays = models.PositiveIntegerField(default=0)  # times the scheduler handed it out again
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="integ_whdelivery_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="integ_whdel_due_idx"),
            models.Index(fields=["subscription", "-id"], name="integ_whdel_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} ({self.key})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered (or why it did not)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=1000, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    ok = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["delivery", "number"]
        indexes = [models.Index(fields=["delivery", "number"], name="integ_whattempt_idx")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
