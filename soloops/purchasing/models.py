from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ReorderPolicy(models.Model):
    """How one SKU is reordered. A SKU without a row is reordered with the defaults:
    reorder point = its low-stock threshold, target level = twice the reorder point,
    the supplier that sells it cheapest, drafts not sent automatically."""

    variant = models.OneToOneField(
        "catalog.Variant", on_delete=models.CASCADE, related_name="reorder_policy"
    )
    # Order when available + incoming falls below this; null follows the low-stock threshold.
    reorder_point = models.PositiveIntegerField(_("reorder point"), null=True, blank=True)
    # Order up to this level; null means twice the reorder point.
    target_level = models.PositiveIntegerField(_("target level"), null=True, blank=True)
    # Null: the supplier that sells the SKU cheapest.
    preferred_supplier = models.ForeignKey(
        "catalog.Supplier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred supplier"),
    )
    # The owner's policy: drafts for this SKU are e-mailed to the supplier without review.
    auto_send = models.BooleanField(_("send drafts automatically"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["variant_id"]
        verbose_name = _("reorder policy")
        verbose_name_plural = _("reorder policies")

    def __str__(self) -> str:
        return f"reorder policy of {self.variant_id}"


class PurchaseOrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # written, not yet sent; lines may still change
    SENT = "sent", _("Sent")  # e-mailed to the supplier; goods expected
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")  # some goods arrived
    RECEIVED = "received", _("Received")  # every line arrived in full
    CANCELLED = "cancelled", _("Cancelled")  # will not (or no longer) arrive


# Orders whose unreceived quantities count as incoming stock.
OPEN_STATUSES = (
    PurchaseOrderStatus.DRAFT,
    PurchaseOrderStatus.SENT,
    PurchaseOrderStatus.PARTIALLY_RECEIVED,
)


class PurchaseOrder(models.Model):
    """What we order from one supplier."""

    # What the supplier sees, e.g. PO-2026-7K3QXM: random, not a guessable database id.
    number = models.CharField(_("number"), max_length=20, unique=True)
    supplier = models.ForeignKey(
        "catalog.Supplier",
        on_delete=models.PROTECT,
        related_name="purchase_orders",
        verbose_name=_("supplier"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PurchaseOrderStatus.choices,
        default=PurchaseOrderStatus.DRAFT,
    )
    currency = models.CharField(_("currency"), max_length=3)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=0)
    # Today + the supplier's lead time: when drafted, then again when sent.
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    # Why it was drafted: {"source", "trigger", "lines": {sku: {available, reserved, incoming,
    # reorder_point, target_level, ...}}}, as shown on the order.
    reason = models.JSONField(_("reason"), default=dict, blank=True)
    status_reason = models.CharField(_("status reason"), max_length=500, blank=True, default="")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="po_created_idx"),
            models.Index(fields=["status", "-created_at"], name="po_status_idx"),
            models.Index(fields=["supplier", "-created_at"], name="po_supplier_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="po_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(_("SKU"), max_length=64)  # as ordered, even if the SKU changes later
    title = models.CharField(_("title"), max_length=300)
    supplier_sku = models.CharField(_("supplier SKU"), max_length=64)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    quantity_ordered = models.PositiveIntegerField(_("quantity ordered"))
    quantity_received = models.PositiveIntegerField(_("quantity received"), default=0)
    line_total = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["purchase_order_id", "id"]
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        indexes = [
            # The incoming-stock sum: open lines per variant.
            models.Index(fields=["variant", "purchase_order"], name="poline_variant_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["purchase_order", "variant"], name="poline_once_per_variant"
            ),
            models.CheckConstraint(
                condition=Q(quantity_ordered__gte=1), name="poline_ordered_positive"
            ),
            # Never more received than ordered, kept by the database itself.
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_ordered")),
                name="poline_received_le_ordered",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="poline_unit_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity_ordered} x {self.sku}"

    @property
    def quantity_remaining(self) -> int:
        return self.quantity_ordered - self.quantity_received
