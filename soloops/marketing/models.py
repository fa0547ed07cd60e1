"""The marketing app's tables."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# --- recommendations: item-item association counts ------------------------------------------


class BasketKind(models.TextChoices):
    ORDER = "order", _("Order")  # one order's lines: "bought together"
    CUSTOMER = "customer", _("Customer")  # everything one customer bought: "also bought"


class AssociationRun(models.Model):
    """One recount of the shop's baskets (the nightly job): how many baskets of each kind
    there were, the denominator of every support and lift. The newest row is current."""

    orders = models.PositiveIntegerField(_("orders"))  # order baskets counted
    customers = models.PositiveIntegerField(_("customers"))  # customer baskets counted
    pairs = models.PositiveIntegerField(_("pairs"))  # pair rows kept (both kinds, both ways)
    # The newest order the recount saw: the order.placed increment skips it and older ones
    # (their events may be dispatched after the recount), so nothing is counted twice.
    last_order_id = models.BigIntegerField(default=0)
    computed_at = models.DateTimeField(_("computed at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-computed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.orders} orders, {self.customers} customers at {self.computed_at}"


class ItemCount(models.Model):
    """How many baskets of a kind hold this variant, and how many recent orders did (the
    popularity fallback)."""

    kind = models.CharField(max_length=8, choices=BasketKind.choices)
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    baskets = models.PositiveIntegerField()
    recent = models.PositiveIntegerField(default=0)  # orders in the last RECENT_DAYS
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "-recent", "-baskets", "variant_id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "variant"], name="item_count_once"),
        ]
        indexes = [
            models.Index(fields=["kind", "-recent", "-baskets"], name="item_count_popular_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.variant_id}: {self.baskets}"


class PairCount(models.Model):
    """How many baskets of a kind hold both ``antecedent`` and ``consequent``. Stored both
    ways round so "what goes with X" is one index range; only pairs at or above the minimum
    support are kept."""

    kind = models.CharField(max_length=8, choices=BasketKind.choices)
    antecedent = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    consequent = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    baskets = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "antecedent_id", "-baskets", "consequent_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "antecedent", "consequent"], name="pair_count_once"
            ),
            models.CheckConstraint(
                condition=~Q(antecedent=models.F("consequent")), name="pair_count_two_items"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.antecedent_id}->{self.consequent_id}: {self.baskets}"
