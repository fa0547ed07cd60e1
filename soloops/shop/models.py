from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ShopProfile(models.Model):
    """The shop's profile: one row (pk=1), created when the owner first saves it."""

    name = models.CharField(_("shop name"), max_length=100)
    # Where notices for the owner go, and the Reply-To of every email customers get.
    contact_email = models.EmailField(_("contact email"), blank=True, default="")
    currency = models.CharField(_("currency"), max_length=3)  # ISO 4217, e.g. EUR
    time_zone = models.CharField(_("time zone"), max_length=64)  # IANA, e.g. Europe/Berlin
    language = models.CharField(_("default language"), max_length=16)  # a LANGUAGES code
    # True: catalogue prices are what the customer pays, tax included (usual in the EU and for
    # consumers); False: tax is added on top at checkout (usual for business-to-business).
    prices_include_tax = models.BooleanField(_("prices include tax"), default=False)
    # Shown to customers who chose bank transfer: account holder, IBAN, what to quote.
    payment_instructions = models.TextField(_("bank transfer instructions"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("shop profile")
        verbose_name_plural = _("shop profile")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="shop_profile_singleton")]

    def __str__(self) -> str:
        return self.name
