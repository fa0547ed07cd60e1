from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConsentSource(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront checkbox")  # ticked at checkout
    IMPORT = "import", _("Import")  # came with an imported customer list
    API = "api", _("API")  # set by an outside system
    CONSOLE = "console", _("Console")  # set by the owner or staff by hand
    UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")  # the customer withdrew it


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")  # bought recently, often, and spend the most
    LOYAL = "loyal", _("Loyal")  # buy regularly and spend well
    NEW = "new", _("New")  # one recent order
    POTENTIAL_LOYALISTS = "potential_loyalists", _("Potential loyalists")  # recent, modest
    CANT_LOSE = "cant_lose", _("Can't lose")  # were among the best, gone quiet longest
    AT_RISK = "at_risk", _("At risk")  # good customers who have not ordered for a while
    HIBERNATING = "hibernating", _("Hibernating")  # modest, and quiet for a while
    LOST = "lost", _("Lost")  # modest, and quiet the longest


# A customer known only by another platform's id (an order-history or customer file without an
# email) gets a reserved address in this domain (RFC 2606: ``.invalid`` can never be a real
# mailbox): email stays required and unique, and the emails app refuses every ``.invalid``.
PLACEHOLDER_DOMAIN = "customers.invalid"


class Customer(models.Model):
    email = models.EmailField(_("email"), unique=True)  # stored lower-cased
    # The customer's id on another platform (Shopify, a spreadsheet), as given, trimmed. NULL
    # when there is none — never "" — so a plain unique index holds on every backend: SQLite,
    # PostgreSQL and MySQL/MariaDB all let a unique column hold many NULLs, no partial index.
    external_id = models.CharField(
        _("external customer id"), max_length=100, unique=True, null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    language = models.CharField(_("language"), max_length=16, default="en")
    # The last addresses used, as {"name", "line1", "line2", "city", "postal_code", "country"}.
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    # Short lower-case words, sorted ("vip", "wholesale"): set by flows (customer.tag) and
    # read by their conditions ('vip' in customer.tags).
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # Marketing consent: only customers who opted in get marketing mail; when and how it was
    # given or withdrawn is kept, since that is what a regulator asks for.
    marketing_consent = models.BooleanField(_("marketing consent"), default=False)
    consent_at = models.DateTimeField(_("consent changed at"), null=True, blank=True)
    consent_source = models.CharField(
        _("consent source"), max_length=16, choices=ConsentSource.choices, blank=True, default=""
    )
    # What the customer's orders add up to, kept here so lists filter and sort on an index;
    # refreshed from the orders app after each order (services.customer_stats_refresh).
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    total_spent = models.DecimalField(
        _("total spent"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    first_order_at = models.DateTimeField(_("first order"), null=True, blank=True)
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    # RFM scores 1-5 (quintiles of the shop's buyers; 0: never ordered) and the named segment
    # they place the customer in (services.customer_segments_refresh).
    rfm_recency = models.PositiveSmallIntegerField(_("recency score"), default=0)
    rfm_frequency = models.PositiveSmallIntegerField(_("frequency score"), default=0)
    rfm_monetary = models.PositiveSmallIntegerField(_("monetary score"), default=0)
    segment = models.CharField(
        _("segment"), max_length=24, choices=RfmSegment.choices, blank=True, default=""
    )
    segment_since = models.DateTimeField(_("in segment since"), null=True, blank=True)
    # Predicted value (services.customer_ltv_refresh, BG/NBD + Gamma-Gamma); empty when the
    # shop's history is too short to fit (LtvFit.reason says why).
    p_alive = models.FloatField(_("probability still a customer"), null=True, blank=True)
    expected_orders_90d = models.FloatField(_("expected orders, 90 days"), null=True, blank=True)
    expected_value_90d = models.DecimalField(
        _("expected value, 90 days"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    # Set when merged into another record (the same person): this one then only redirects.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from"
    )
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(external_id=""), name="customer_external_id_not_blank"
            ),
        ]
        indexes = [
            models.Index(fields=["-last_order_at", "-id"], name="customer_last_order_idx"),
            models.Index(fields=["-total_spent", "-id"], name="customer_spent_idx"),
            models.Index(fields=["phone"], name="customer_phone_idx"),
            models.Index(fields=["segment", "-last_order_at"], name="customer_segment_idx"),
            models.Index(
                fields=["email"], name="customer_email_like_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def has_address(self) -> bool:
        """False for a customer known only by an external id (or erased): nothing is sent."""
        return not self.email.endswith(".invalid")


class CustomerNote(models.Model):
    """A note the owner or staff keeps about a customer ("prefers gift wrap")."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("note"))
    author = models.CharField(_("author"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class RfmCuts(models.Model):
    """The shop's RFM quintile cut points from the last full recompute (one row): a customer's
    score is 1 + how many of the four cuts their value is above, so an order scores its
    customer at once against the same cuts the nightly run drew."""

    recency = models.JSONField(default=list)  # minus days since the last order, ascending
    frequency = models.JSONField(default=list)  # orders
    monetary = models.JSONField(default=list)  # total spent, as strings
    buyers = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"RFM cuts of {self.buyers} buyers, {self.computed_at:%Y-%m-%d}"


class Segment(models.Model):
    """A segment the owner defines as a saved filter ("spent over 200, not ordered in 90
    days"), used as a campaign's audience and in flow conditions ('key' in customer.segments)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    # {min_spent, max_spent, tag, rfm_segment, not_ordered_days, language, country, bought_sku}
    rules = models.JSONField(_("rules"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class LtvFit(models.Model):
    """The last lifetime-value fit (one row): its parameters, or why there is none."""

    params = models.JSONField(default=dict)  # {"bgnbd": {r, alpha, a, b}, "gamma_gamma": {p, q, v}}
    buyers = models.PositiveIntegerField(default=0)
    repeat_buyers = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True, default="")  # why no fit, if none
    fitted_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-fitted_at"]

    def __str__(self) -> str:
        return self.reason or f"LTV fit on {self.buyers} buyers"
