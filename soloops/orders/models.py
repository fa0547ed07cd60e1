from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")  # received, not yet reviewed
    ON_HOLD = "on_hold", _("On hold")  # review wants the owner to decide
    ACCEPTED = "accepted", _("Accepted")  # reviewed and stock reserved
    REJECTED = "rejected", _("Rejected")  # refused by review or the owner
    PAID = "paid", _("Paid")  # payment captured
    FULFILLING = "fulfilling", _("Fulfilling")  # being picked and packed
    SHIPPED = "shipped", _("Shipped")  # handed to the carrier
    DELIVERED = "delivered", _("Delivered")  # the carrier confirmed delivery
    COMPLETED = "completed", _("Completed")  # nothing left to do
    CANCELLED = "cancelled", _("Cancelled")  # stopped before shipping; stock released


class Channel(models.TextChoices):
    API = "api", _("API")  # an outside system through the REST API
    STOREFRONT = "storefront", _("Storefront")  # the shop's own order form
    MANUAL = "manual", _("Manual")  # typed in by the owner
    IMPORT = "import", _("Import")  # a file import or the demo generator
    SHOPIFY = "shopify", _("Shopify")  # a Shopify store's order webhook or catch-up poll
    WOOCOMMERCE = "woocommerce", _("WooCommerce")  # a WooCommerce store's webhook or poll
    GENERIC = "generic", _("Other channel")  # SoloOps's own signed JSON channel


class ReviewOutcome(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    HOLD = "hold", _("Hold for the owner")
    REJECT = "reject", _("Reject")


class Order(models.Model):
    # What the customer sees, e.g. SO-2026-7K3QXM: random, so not a guessable database id.
    number = models.CharField(_("number"), max_length=20, unique=True)
    # The secret in the customer's confirmation link.
    public_token = models.CharField(max_length=32, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    email = models.EmailField(_("email"))
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    currency = models.CharField(_("currency"), max_length=3)
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2)
    shipping = models.DecimalField(_("shipping"), max_digits=12, decimal_places=2)
    # The delivery method chosen, as it was named and promised then ("" when nothing ships).
    shipping_method = models.CharField(_("delivery method"), max_length=60, blank=True, default="")
    shipping_days_min = models.PositiveSmallIntegerField(null=True, blank=True)
    shipping_days_max = models.PositiveSmallIntegerField(null=True, blank=True)
    tax = models.DecimalField(_("tax"), max_digits=12, decimal_places=2)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    # The automatic review: outcome, risk score and every reason, as shown on the order.
    review_outcome = models.CharField(max_length=8, choices=ReviewOutcome.choices, blank=True)
    risk_score = models.PositiveIntegerField(_("risk score"), default=0)
    review = models.JSONField(_("review"), default=dict, blank=True)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    # Idempotency-Key of the request that created it, with a hash of that request's body.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_hash = models.CharField(max_length=64, blank=True, default="")
    placed_at = models.DateTimeField(_("placed at"))
    accepted_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["-placed_at", "-id"], name="order_placed_idx"),
            models.Index(fields=["status", "-placed_at"], name="order_status_idx"),
            models.Index(fields=["channel", "-placed_at"], name="order_channel_idx"),
            models.Index(fields=["customer", "-placed_at"], name="order_customer_idx"),
            models.Index(fields=["email", "-placed_at"], name="order_email_idx"),
            # The orders list's search by the start of an email: LIKE 'ada@%' on PostgreSQL
            # needs a pattern operator class (the number has one: Django's _like index).
            models.Index(
                fields=["email"], name="order_email_like_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["client_ip", "-placed_at"], name="order_ip_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Null only for an uncatalogued line of an imported past order (no SKU, or one the
    # catalog does not have); every order taken by SoloOps has its variant.
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sku = models.CharField(_("SKU"), max_length=64)  # as sold, even if the SKU changes later
    title = models.CharField(_("title"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    requires_shipping = models.BooleanField(default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


DEFAULT_SHIPPING_METHOD = "Standard"


class ShippingRate(models.Model):
    """Flat shipping by one delivery method ("Standard", "Express") to a destination country
    ("*" for everywhere else), free above a total. The rows sharing a method name are that
    method; the customer chooses among the methods with a rate for their country."""

    country = models.CharField(_("country"), max_length=2)  # ISO code or "*"
    method = models.CharField(_("delivery method"), max_length=60, default=DEFAULT_SHIPPING_METHOD)
    days_min = models.PositiveSmallIntegerField(_("days from"), null=True, blank=True)
    days_max = models.PositiveSmallIntegerField(_("days to"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    free_over = models.DecimalField(
        _("free over"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["method", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "method"], name="shipping_rate_country_method_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.country}: {self.amount}"


class TaxRate(models.Model):
    """Sales tax per destination country ("*" for everywhere else); whether prices include it
    is the shop profile's ``prices_include_tax``."""

    country = models.CharField(_("country"), max_length=2, unique=True)
    rate = models.DecimalField(_("rate"), max_digits=5, decimal_places=4)  # 0.2000 = 20 %
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country}: {self.rate}"


class ReviewPolicy(models.Model):
    """The owner's review settings. One row (pk=1); defaults suit a small shop."""

    max_quantity_per_line = models.PositiveIntegerField(default=50)
    first_order_limit = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal(500))
    velocity_window_minutes = models.PositiveIntegerField(default=60)
    max_orders_per_email = models.PositiveIntegerField(default=3)
    max_orders_per_ip = models.PositiveIntegerField(default=5)
    first_order_score = models.PositiveIntegerField(default=40)
    velocity_score = models.PositiveIntegerField(default=35)
    country_mismatch_score = models.PositiveIntegerField(default=25)
    hold_at_score = models.PositiveIntegerField(default=40)
    reject_at_score = models.PositiveIntegerField(default=90)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    def __str__(self) -> str:
        return "review policy"
