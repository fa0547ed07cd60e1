"""Every write on the shop profile. Each records its event.

The shop is below the apps that price and sell: it cannot ask them whether its currency is in
use, so they tell it at start-up (``currency_in_use_check_add``, called from their
``AppConfig.ready``), as DESIGN.md says a lower layer learns of a higher one."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.shop import selectors
from soloops.shop.errors import ShopErrorCode as Code
from soloops.shop.models import ShopProfile
from soloops.shop.selectors import FIELDS, ShopProfileView, shop_profile


def _clean(field: str, value) -> str | bool:
    if field == "prices_include_tax":
        if not isinstance(value, bool):
            raise InvalidInput(
                Code.INVALID_TAX_SETTING, _("Say yes or no: true or false."), field=field
            )
        return value
    value = str(value if value is not None else "").strip()
    if field == "payment_instructions":
        if len(value) > 2000:
            raise InvalidInput(
                Code.INVALID_INSTRUCTIONS,
                _("Keep the instructions under 2,000 characters."),
                field=field,
            )
    elif field == "name":
        if not value or len(value) > 100:
            raise InvalidInput(
                Code.INVALID_NAME, _("Give the shop a name of 1 to 100 characters."), field=field
            )
    elif field == "contact_email":
        value = value.lower()
        if value:
            try:
                validate_email(value)
            except ValidationError:
                raise InvalidInput(
                    Code.INVALID_EMAIL, _("Enter a valid email address."), field=field
                ) from None
    elif field == "currency":
        value = value.upper()
        if value not in dict(selectors.currencies()):
            raise InvalidInput(
                Code.INVALID_CURRENCY,
                _("Choose an ISO 4217 currency code such as EUR."),
                field=field,
            )
    elif field == "time_zone":
        if value not in selectors.time_zones():
            raise InvalidInput(
                Code.INVALID_TIME_ZONE,
                _("Unknown time zone %(zone)s; choose one such as Europe/Berlin.")
                % {"zone": value[:64]},
                field=field,
            )
    elif field == "language":
        codes = [code for code, _name in settings.LANGUAGES]
        if value not in codes:
            raise InvalidInput(
                Code.INVALID_LANGUAGE,
                _("Choose one of: %(codes)s.") % {"codes": ", ".join(codes)},
                field=field,
            )
    return value


# Each says whether something (prices, orders) is recorded in a currency: ``fn(currency=...)``.
_currency_in_use_checks: list[Callable[..., bool]] = []


def currency_in_use_check_add(check: Callable[..., bool]) -> None:
    """Register ``check(currency=...) -> bool``; an app that records amounts in the shop
    currency (catalog's prices, orders) calls this from its ``AppConfig.ready``."""
    if check not in _currency_in_use_checks:
        _currency_in_use_checks.append(check)


def _check_currency_free(old: str) -> None:
    """Prices and orders carry their currency; intake sells only variants priced in the shop
    currency. Changing it under existing prices would stop every sale, and totals in two
    currencies would be summed as one, so the change is refused instead."""
    if any(check(currency=old) for check in _currency_in_use_checks):
        raise Conflict(
            Code.CURRENCY_IN_USE,
            _(
                "The currency cannot change: orders or prices in %(currency)s exist. "
                "Changing it would stop every product from selling."
            )
            % {"currency": old},
            field="currency",
        )


def shop_profile_update(*, actor: Actor, **changes) -> ShopProfileView:
    """Change some of ``name``, ``contact_email``, ``currency``, ``time_zone``, ``language``,
    ``prices_include_tax`` (a bool) and ``payment_instructions``.

    Bad values raise ``InvalidInput`` naming the field and change nothing. The currency may
    change only while no order or price is in the current one. Values equal to the current
    ones are no change: no write, no event.
    """
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            Code.UNKNOWN_FIELD, f"no shop profile field {unknown[0]!r}", field=unknown[0]
        )
    cleaned = {field: _clean(field, value) for field, value in changes.items()}
    before = shop_profile()
    if all(getattr(before, field) == value for field, value in cleaned.items()):
        return before
    with transaction.atomic():
        # The first save writes the environment's values with the changes.
        defaults = {field: getattr(before, field) for field in FIELDS}
        row, _created = ShopProfile.objects.select_for_update().get_or_create(
            pk=1, defaults=defaults
        )
        changed = {
            field: {"from": getattr(row, field), "to": value}
            for field, value in cleaned.items()
            if getattr(row, field) != value
        }
        if not changed:
            return shop_profile()
        if "currency" in changed:
            _check_currency_free(row.currency)
        for field, change in changed.items():
            setattr(row, field, change["to"])
        row.save(update_fields=[*changed, "updated_at"])
        event_emit(type="shop.updated", subject=row, payload={"changes": changed}, actor=actor)
        selectors.STORED.changed()  # every process reads the new row (soloops.process_cache)
    return shop_profile()
