from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The name SoloOps gives the location it creates (migration 0002, services); shown in the
# reader's language while the owner keeps it.
DEFAULT_LOCATION_NAME = gettext_noop("Main warehouse")


class Location(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-is_default", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_location"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return gettext(self.name) if self.name == DEFAULT_LOCATION_NAME else self.name


class StockLevel(models.Model):
    """Stock of one variant at one location. Changed only by inventory services."""

    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="stock")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["variant_id", "location_id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stock_once_per_location"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="reserved_not_negative"),
            # The no-oversell promise, kept by the database itself.
            models.CheckConstraint(
                condition=Q(on_hand__gte=F("reserved")), name="available_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.on_hand}/{self.reserved}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")  # goods arrived (purchase order, initial stock)
    SALE = "sale", _("Sale")  # goods left with a shipment
    ADJUSTMENT = "adjustment", _("Adjustment")  # damaged, lost, found, with a reason
    RETURN = "return", _("Return")  # a customer sent goods back
    COUNT = "count", _("Count correction")  # a stock count found a different number


class Movement(models.Model):
    """One immutable change of on-hand stock. The ledger: on_hand == sum(quantity)."""

    variant = models.ForeignKey("catalog.Variant", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"))  # signed: + in, - out
    balance_after = models.IntegerField(_("on hand after"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    # What caused it, e.g. ("fulfillment.shipment", "12").
    reference_type = models.CharField(max_length=64, blank=True, default="")
    reference_id = models.CharField(max_length=64, blank=True, default="")
    actor_kind = models.CharField(max_length=16)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["variant", "location", "id"], name="movement_sku_idx"),
            # A SKU's ledger over every location, newest first (the console's SKU page).
            models.Index(fields=["variant", "-id"], name="movement_variant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} of {self.variant_id}"


class ReservationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")  # holds stock for an order line
    RELEASED = "released", _("Released")  # the order was cancelled or rejected
    CONSUMED = "consumed", _("Consumed")  # shipped: became a sale movement


class Reservation(models.Model):
    """Stock held for one order line at one location."""

    stock = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="reservations")
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="reservations"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReservationStatus.choices, default="active"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["stock"], name="reservation_active_idx", condition=Q(status="active")
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of {self.stock_id} for line {self.order_line_id} ({self.status})"
