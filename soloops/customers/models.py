from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    email = models.EmailField(_("email"), unique=True)  # stored lower-cased
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    language = models.CharField(_("language"), max_length=16, default="en")
    # The last addresses used, as {"name", "line1", "line2", "city", "postal_code", "country"}.
    shipping_address = models.JSONField(_("shipping address"), default=dict, blank=True)
    billing_address = models.JSONField(_("billing address"), default=dict, blank=True)
    # Short lower-case words, sorted ("vip", "wholesale"): set by flows (customer.tag) and
    # read by their conditions ('vip' in customer.tags).
    tags = models.JSONField(_("tags"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.email
