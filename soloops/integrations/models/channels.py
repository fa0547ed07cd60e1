"""Sales channels: another storefront (Shopify, WooCommerce) whose orders come in by signed
webhook or a catch-up poll, and the log of every delivery it sent us."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    SHOPIFY = "shopify", _("Shopify")  # X-Shopify-Hmac-Sha256, /admin/api/…/orders.json
    WOOCOMMERCE = "woocommerce", _("WooCommerce")  # X-WC-Webhook-Signature, /wp-json/wc/v3
    GENERIC = "generic", _("Other (signed JSON)")  # X-SoloOps-Signature, our documented body


class SalesChannel(models.Model):
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    # Signs the channel's webhooks (Shopify: the app's secret; WooCommerce: the webhook's).
    secret = models.CharField(max_length=200)
    # For the catch-up poll: the store's address and an API credential (Shopify: an access
    # token; WooCommerce: "consumer_key:consumer_secret"). Empty: no poll.
    api_url = models.URLField(max_length=300, blank=True)
    api_token = models.CharField(max_length=300, blank=True)
    # The channel's SKU → ours, where they differ; others are taken as they are.
    sku_map = models.JSONField(default=dict, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    # When the scheduler next asks the store for missed orders (null: no poll configured).
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @property
    def webhook_path(self) -> str:
        """Where the channel sends its order webhooks (after the shop's address)."""
        return f"/webhooks/channels/{self.pk}"


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("received")  # stored, waits for the worker
    REJECTED = "rejected", _("rejected signature")  # the signature did not match: not stored
    PROCESSED = "processed", _("processed")  # an order was placed (or already was)
    HELD = "held", _("held")  # cannot become an order as it is (unknown SKU): fix and replay
    IGNORED = "ignored", _("ignored")  # a topic we take no action on
    FAILED = "failed", _("failed")  # processing raised; replay it


class ChannelDelivery(models.Model):
    """One webhook (or one polled order) from a channel: stored raw before anything else."""

    channel = models.ForeignKey(SalesChannel, on_delete=models.CASCADE, related_name="inbound")
    source = models.CharField(max_length=10, default="webhook")  # webhook | poll
    delivery_id = models.CharField(max_length=200, blank=True)  # the channel's; "" if rejected
    topic = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED
    )
    reason = models.CharField(max_length=500, blank=True)
    duplicates = models.PositiveIntegerField(default=0)  # the same delivery id again
    payload = models.TextField(blank=True)
    external_order_id = models.CharField(max_length=100, blank=True)
    order_number = models.CharField(max_length=32, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "delivery_id"],
                condition=~Q(delivery_id=""),
                name="integ_chdelivery_once",
            )
        ]
        indexes = [
            models.Index(fields=["channel", "-id"], name="integ_chdel_channel_idx"),
            models.Index(fields=["channel", "external_order_id"], name="integ_chdel_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.delivery_id} ({self.status})"
