from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShipmentStatus(models.TextChoices):
    CREATED = "created", _("Created")  # being packed; its units are still reserved
    SHIPPED = "shipped", _("Shipped")  # handed to the carrier; the reservation became a sale
    DELIVERED = "delivered", _("Delivered")  # the carrier or the owner confirmed delivery
    CANCELLED = "cancelled", _("Cancelled")  # dropped before shipping; its units may ship again


# Shipments whose lines count against what is left to ship of an order line.
ALLOCATING = (ShipmentStatus.CREATED, ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)


class Shipment(models.Model):
    """One parcel of an order: some or all of its lines. Changed only by fulfillment services."""

    # What the customer and the carrier see, e.g. SH-7K3QXM2A: random, not a database id.
    number = models.CharField(_("number"), max_length=20, unique=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.CREATED
    )
    carrier = models.CharField(_("carrier"), max_length=32)  # a code from carriers.CARRIERS
    service = models.CharField(_("service"), max_length=64)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    tracking_url = models.URLField(_("tracking URL"), max_length=500, blank=True)
    # The carrier's label PDF, in the database rather than under var/: it commits with the
    # shipment, is in every backup, and a web process on another machine can serve it.
    label = models.BinaryField(_("label"), null=True, blank=True, editable=False)
    label_created_at = models.DateTimeField(_("label created at"), null=True, blank=True)
    # Idempotency-Key of the request (or flow step) that created it, with a hash of the request.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, default="")
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="shipment_created_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="shipment_status_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class ShipmentLine(models.Model):
    """How many units of one order line travel in one shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["shipment_id", "id"]
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shipment_line_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["shipment", "order_line"], name="shipment_line_once_per_order_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"
