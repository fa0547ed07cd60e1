from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """One sellable thing with its own SKU, price and stock."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    price = models.DecimalField(
        _("price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(_("currency"), max_length=3)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    # Digital goods need no shipping address and no parcel.
    requires_shipping = models.BooleanField(_("requires shipping"), default=True)
    active = models.BooleanField(_("active"), default=True)
    # stock.low is emitted when available stock falls below this.
    low_stock_threshold = models.PositiveIntegerField(_("low-stock threshold"), default=5)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="variant_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.sku

    @property
    def title(self) -> str:
        return f"{self.product.name} — {self.name}" if self.name else self.product.name


class Supplier(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    email = models.EmailField(_("email"))
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=7)
    min_order_quantity = models.PositiveIntegerField(_("minimum order quantity"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")

    def __str__(self) -> str:
        return self.name


class SupplierItem(models.Model):
    """What a supplier sells us for one variant: their SKU and our unit cost."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="items")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="supplier_items")
    supplier_sku = models.CharField(_("supplier SKU"), max_length=64)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    # How many units come in one pack (a case of 12): purchase orders ask for whole packs.
    pack_size = models.PositiveIntegerField(_("pack size"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["supplier", "variant"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "variant"], name="supplier_item_once"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="unit_cost_not_negative"),
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="pack_size_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.supplier_sku}"
