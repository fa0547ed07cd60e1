"""Payment providers behind one interface (``base.PaymentProvider``): ``manual``, ``sandbox``
and ``stripe``. The services ask ``provider_for(name)``; which are offered is the
``SOLOOPS_PAYMENT_PROVIDERS`` setting, and Stripe also needs ``STRIPE_API_KEY`` (and is
reached at ``STRIPE_API_BASE`` when that is set)."""

from django.conf import settings

from .base import (
    ChargeRequest,
    ChargeResult,
    PaymentProvider,
    ProviderUnavailable,
    RefundResult,
)
from .manual import ManualProvider
from .sandbox import SandboxProvider

__all__ = [
    "ChargeRequest",
    "ChargeResult",
    "PaymentProvider",
    "ProviderUnavailable",
    "RefundResult",
    "provider_for",
]


def provider_for(name: str) -> PaymentProvider:
    """The adapter for ``name``; the caller has checked that it is enabled and configured."""
    if name == "manual":
        return ManualProvider()
    if name == "sandbox":
        return SandboxProvider()
    if name == "stripe":
        from .stripe import StripeProvider  # loads the stripe library only when used

        return StripeProvider(api_key=settings.STRIPE_API_KEY, api_base=settings.STRIPE_API_BASE)
    raise ValueError(f"no payment provider {name!r}")
