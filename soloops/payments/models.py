import uuid
from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Provider(models.TextChoices):
    MANUAL = "manual", _("Bank transfer or cash on delivery")  # the owner marks it received
    SANDBOX = "sandbox", _("Sandbox card processor")  # simulated cards, for tests and demos
    STRIPE = "stripe", _("Stripe")  # Stripe PaymentIntents, outcome by webhook


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # recorded; the provider has not said yes or no yet
    AUTHORIZED = "authorized", _("Authorized")  # money held (or, manual: expected), not taken
    CAPTURED = "captured", _("Captured")  # money taken; the order is paid
    FAILED = "failed", _("Failed")  # declined or cancelled; nothing was taken
    REFUNDED = "refunded", _("Refunded")  # everything captured was given back
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")  # some was given back


# Statuses of a payment that has not failed: an order has at most one of these at a time.
LIVE = (
    PaymentStatus.PENDING,
    PaymentStatus.AUTHORIZED,
    PaymentStatus.CAPTURED,
    PaymentStatus.REFUNDED,
    PaymentStatus.PARTIALLY_REFUNDED,
)
# Statuses in which captured money remains that a refund may give back.
REFUNDABLE = (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)


class Payment(models.Model):
    """One attempt to take an order's total through one provider.

    The amount is the order's total when the attempt started (no partial payments); a failed
    attempt may be followed by another, but an order never has two live ones.
    """

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_refunded = models.DecimalField(
        _("amount refunded"), max_digits=12, decimal_places=2, default=0
    )
    # Random, so provider idempotency keys ("<uid>:<action>") never repeat after a database
    # reset; a bare primary key would hand a new payment an old payment's provider result.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_reference = models.CharField(
        _("provider reference"), max_length=200, blank=True, default=""
    )
    # Idempotency-Key of the request that started it, with a hash of that request.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, default="")
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True, default="")
    # Sandbox cards only: the last four digits, for the owner to recognise. Never the number.
    card_last4 = models.CharField(_("card (last 4)"), max_length=4, blank=True, default="")
    # What the customer must still do, e.g. Stripe's client secret for Stripe.js.
    next_action = models.JSONField(default=dict, blank=True)
    authorized_at = models.DateTimeField(_("authorized at"), null=True, blank=True)
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["order", "-created_at"], name="payment_order_idx"),
            models.Index(fields=["provider", "provider_reference"], name="payment_reference_idx"),
            models.Index(fields=["status", "-created_at"], name="payment_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refunded_within_amount",
            ),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status__in=LIVE),
                name="payment_one_live_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} ({self.status})"

    @property
    def refundable(self) -> Decimal:
        """Captured money a new refund may still give back: not refunded, and not held by a
        refund waiting for the provider's answer. Reads ``refunds`` (prefetch it for lists)."""
        if self.status not in REFUNDABLE:
            return Decimal("0.00")
        pending = sum(
            (r.amount for r in self.refunds.all() if r.status == RefundStatus.PENDING),
            Decimal("0.00"),
        )
        return self.amount - self.amount_refunded - pending


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # recorded; the provider's answer is not in yet
    SUCCEEDED = "succeeded", _("Succeeded")  # the money went back to the customer
    FAILED = "failed", _("Failed")  # the provider refused; nothing went back


class Refund(models.Model):
    """Money given back from a captured payment: all of it or a part, always with a reason."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_reference = models.CharField(
        _("provider reference"), max_length=200, blank=True, default=""
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, default="")
    failure_reason = models.CharField(_("failure reason"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["payment_id", "created_at", "id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [
            models.Index(fields=["provider_reference"], name="refund_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} ({self.status})"


class WebhookEvent(models.Model):
    """One notification a provider sent, stored as received; its event id makes it unique, so
    a provider's retry or a replayed request is recognised and acted on once."""

    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    event_id = models.CharField(_("provider event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100)
    payload = models.TextField(_("raw payload"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # Why it changed nothing (unknown payment, unexpected amount, a type we ignore).
    error = models.TextField(_("error"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class SandboxEntry(models.Model):
    """The sandbox card processor's own books, not the shop's: one immutable row per call it
    answered, unique by the caller's idempotency key, so a repeated call returns the first
    answer and a test can count what was really charged."""

    class Operation(models.TextChoices):
        CHARGE = "charge", _("Charge")  # authorize, and capture too if asked
        CAPTURE = "capture", _("Capture")  # take an authorized charge
        CONFIRM = "confirm", _("Confirm")  # the processor confirms a delayed charge
        REFUND = "refund", _("Refund")  # give (part of) a captured charge back
        VOID = "void", _("Void")  # release a charge not captured; it can never be taken

    idempotency_key = models.CharField(max_length=255, unique=True)
    operation = models.CharField(max_length=8, choices=Operation.choices)
    reference = models.CharField(max_length=64, unique=True)  # sbx_ch_… / sbx_re_…
    charge_reference = models.CharField(max_length=64, db_index=True)  # the charge it concerns
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    # authorized / requires_confirmation / captured / declined / voided / succeeded
    outcome = models.CharField(max_length=24)
    failure_code = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("sandbox ledger entry")
        verbose_name_plural = _("sandbox ledger entries")

    def __str__(self) -> str:
        return f"{self.operation} {self.reference} {self.outcome}"
