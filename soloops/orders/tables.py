"""The owner's tables for intake: shipping rates, tax rates and the review policy.

Every write here is a service (re-exported by ``services``, the app's only door), records its
event in the same transaction, and marks intake's per-process copies (``services.rate_tables``
and ``services.review_policy``) changed, so the next order uses the change.

Events (subject: the row): ``shipping_rate.created`` / ``.updated`` / ``.deleted`` and
``tax_rate.*`` alike, payload {country, method, days_min, days_max, amount, free_over} /
{country, rate} (and ``from`` on
update); ``review_policy.updated``: {changes: {field: {from, to}}}.
"""

import re
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit
from soloops.orders import pricing
from soloops.orders.errors import OrderErrorCode as Code
from soloops.orders.models import DEFAULT_SHIPPING_METHOD, ReviewPolicy, ShippingRate, TaxRate
from soloops.process_cache import Stamped

EVERYWHERE = "*"
MAX_AMOUNT = Decimal("9999999999.99")  # what max_digits=12, decimal_places=2 holds


# Intake's copies, kept in each process (soloops.process_cache); every write here marks them.
POLICY = Stamped(
    "review_policy", lambda: ReviewPolicy.objects.filter(pk=1).first() or ReviewPolicy()
)
RATES = Stamped("rate_tables", pricing.rate_tables)


def _forget_now_and_after_commit() -> None:
    POLICY.changed()
    RATES.changed()


def _country(value: str) -> str:
    """A two-letter ISO 3166 code in capitals, or "*" for every other destination."""
    from babel import Locale

    value = (value or "").strip().upper()
    if value == EVERYWHERE:
        return value
    if not re.fullmatch(r"[A-Z]{2}", value) or value not in Locale("en").territories:
        raise InvalidInput(
            Code.INVALID_COUNTRY,
            _("Enter a two-letter country code such as DE, or * for everywhere else."),
            field="country",
        )
    return value


def _decimal(value, *, field: str, places: int, low: Decimal, high: Decimal) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(Code.INVALID_AMOUNT, _("Enter a number."), field=field)
    if not low <= number <= high:
        raise InvalidInput(
            Code.INVALID_AMOUNT,
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high},
            field=field,
        )
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise InvalidInput(
            Code.INVALID_AMOUNT,
            _("Use at most %(places)d decimal places.") % {"places": places},
            field=field,
        )
    return number.quantize(Decimal(1).scaleb(-places))


def _money(value, field: str) -> Decimal:
    return _decimal(value, field=field, places=2, low=Decimal(0), high=MAX_AMOUNT)


def _taken(model, values: dict, pk: int | None) -> None:
    """One row per country (per delivery method, for shipping)."""
    key = {name: values[name] for name in ("country", "method") if name in values}
    if model.objects.filter(**key).exclude(pk=pk).exists():
        message = (
            _("There is already a %(method)s rate for %(country)s; edit that one.")
            if "method" in key
            else _("There is already a rate for %(country)s; edit that one.")
        )
        raise Conflict(Code.DUPLICATE_COUNTRY, message % key, field="country")


def _save(row, model, fields: list[str] | None) -> None:
    """Insert or update; a concurrent save of the same country loses with a field error."""
    try:
        with transaction.atomic():
            if fields:
                row.save(update_fields=fields)
            else:
                row.save()
    except IntegrityError:
        _taken(model, {"country": row.country, "method": getattr(row, "method", None)}, row.pk)
        raise


# --- one row of a rate table: create, update, delete (shipping and tax alike) ---------------


def _row_create(model, values: dict, payload, event: str, actor: Actor):
    with transaction.atomic():
        _taken(model, values, None)
        row = model(**values)
        _save(row, model, None)
        event_emit(type=f"{event}.created", subject=row, payload=payload(row), actor=actor)
        _forget_now_and_after_commit()
    return row


def _row_update(model, pk: int, values: dict, payload, event: str, actor: Actor):
    """Change the row; nothing (no write, no event) when the values are what it holds."""
    with transaction.atomic():
        row = model.objects.select_for_update().get(pk=pk)
        before = payload(row)
        _taken(model, values, row.pk)
        for field, value in values.items():
            setattr(row, field, value)
        if payload(row) == before:
            return row
        _save(row, model, [*values, "updated_at"])
        event_emit(
            type=f"{event}.updated",
            subject=row,
            payload={**payload(row), "from": before},
            actor=actor,
        )
        _forget_now_and_after_commit()
    return row


def _row_delete(model, pk: int, payload, event: str, actor: Actor) -> None:
    with transaction.atomic():
        row = model.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            return
        event_emit(type=f"{event}.deleted", subject=row, payload=payload(row), actor=actor)
        row.delete()
        _forget_now_and_after_commit()


# --- shipping rates -------------------------------------------------------------------------


def _shipping_payload(rate: ShippingRate) -> dict:
    return {
        "country": rate.country,
        "method": rate.method,
        "days_min": rate.days_min,
        "days_max": rate.days_max,
        "amount": str(rate.amount),
        "free_over": str(rate.free_over) if rate.free_over is not None else None,
    }


def _method(value) -> str:
    name = " ".join(str(value or "").split())
    if not name or len(name) > 60:
        raise InvalidInput(
            Code.INVALID_METHOD,
            _("Name the delivery method (at most 60 characters), such as Standard or Express."),
            field="method",
        )
    return name


def _days(value, field: str) -> int | None:
    if value in (None, ""):
        return None
    return int(_decimal(value, field=field, places=0, low=Decimal(0), high=Decimal(365)))


def _shipping_values(country, amount, free_over, method, days_min, days_max) -> dict:
    values = {
        "country": _country(country),
        "method": _method(method),
        "days_min": _days(days_min, "days_min"),
        "days_max": _days(days_max, "days_max"),
        "amount": _money(amount, "amount"),
        "free_over": None if free_over in (None, "") else _money(free_over, "free_over"),
    }
    low, high = values["days_min"], values["days_max"]
    if low is not None and high is not None and high < low:
        raise InvalidInput(
            Code.INVALID_AMOUNT,
            _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": 365},
            field="days_max",
        )
    return values


def shipping_rate_create(
    *,
    country: str,
    amount,
    free_over=None,
    method: str = DEFAULT_SHIPPING_METHOD,
    days_min=None,
    days_max=None,
    actor: Actor,
) -> ShippingRate:
    """Flat shipping by ``method`` to ``country`` ("*": everywhere else), free from
    ``free_over`` (None: never free), arriving in ``days_min``-``days_max`` days (None:
    not said)."""
    values = _shipping_values(country, amount, free_over, method, days_min, days_max)
    return _row_create(ShippingRate, values, _shipping_payload, "shipping_rate", actor)


def shipping_rate_update(
    *,
    rate: ShippingRate,
    country: str,
    amount,
    free_over=None,
    method: str = DEFAULT_SHIPPING_METHOD,
    days_min=None,
    days_max=None,
    actor: Actor,
) -> ShippingRate:
    values = _shipping_values(country, amount, free_over, method, days_min, days_max)
    return _row_update(ShippingRate, rate.pk, values, _shipping_payload, "shipping_rate", actor)


def shipping_rate_delete(*, rate: ShippingRate, actor: Actor) -> None:
    _row_delete(ShippingRate, rate.pk, _shipping_payload, "shipping_rate", actor)


# --- tax rates ------------------------------------------------------------------------------


def _tax_payload(rate: TaxRate) -> dict:
    return {"country": rate.country, "rate": str(rate.rate)}


def _tax_values(country, rate) -> dict:
    # 0.1900 = 19 %: the model's four places hold a percentage with two.
    return {
        "country": _country(country),
        "rate": _decimal(rate, field="rate", places=4, low=Decimal(0), high=Decimal(1)),
    }


def tax_rate_create(*, country: str, rate, actor: Actor) -> TaxRate:
    """Sales tax for ``country`` ("*": everywhere else) as a fraction: 0.19 is 19 %."""
    return _row_create(TaxRate, _tax_values(country, rate), _tax_payload, "tax_rate", actor)


def tax_rate_update(*, tax_rate: TaxRate, country: str, rate, actor: Actor) -> TaxRate:
    values = _tax_values(country, rate)
    return _row_update(TaxRate, tax_rate.pk, values, _tax_payload, "tax_rate", actor)


def tax_rate_delete(*, tax_rate: TaxRate, actor: Actor) -> None:
    _row_delete(TaxRate, tax_rate.pk, _tax_payload, "tax_rate", actor)


# --- the review policy ----------------------------------------------------------------------

# field: (lowest, highest, decimal places). A threshold above any score the checks can add up
# to switches that outcome off, hence the high ceilings.
POLICY_RANGES: dict[str, tuple[int, int, int]] = {
    "max_quantity_per_line": (1, 100_000, 0),
    "first_order_limit": (0, 9_999_999_999, 2),
    "velocity_window_minutes": (1, 10_080, 0),  # a week
    "max_orders_per_email": (1, 100_000, 0),
    "max_orders_per_ip": (1, 100_000, 0),
    "first_order_score": (0, 1_000, 0),
    "velocity_score": (0, 1_000, 0),
    "country_mismatch_score": (0, 1_000, 0),
    "hold_at_score": (1, 100_000, 0),
    "reject_at_score": (1, 100_000, 0),
}


def _policy_value(field: str, value):
    low, high, places = POLICY_RANGES[field]
    number = _decimal(value, field=field, places=places, low=Decimal(low), high=Decimal(high))
    return number if places else int(number)


def review_policy_update(*, actor: Actor, **changes) -> ReviewPolicy:
    """Change some of the review policy's fields (``POLICY_RANGES``). Out-of-range values,
    and a reject threshold below the hold threshold, raise ``InvalidInput`` naming the field
    and change nothing."""
    unknown = sorted(set(changes) - set(POLICY_RANGES))
    if unknown:
        raise InvalidInput(
            Code.INVALID_POLICY, f"no review policy field {unknown[0]!r}", field=unknown[0]
        )
    cleaned = {field: _policy_value(field, value) for field, value in changes.items()}
    with transaction.atomic():
        policy, _created = ReviewPolicy.objects.select_for_update().get_or_create(pk=1)
        changed = {
            field: {"from": getattr(policy, field), "to": value}
            for field, value in cleaned.items()
            if getattr(policy, field) != value
        }
        for field, change in changed.items():
            setattr(policy, field, change["to"])
        if policy.reject_at_score < policy.hold_at_score:
            raise InvalidInput(
                Code.INVALID_POLICY,
                _("Reject at must be at least Hold at (%(hold)d), or no order could be held.")
                % {"hold": policy.hold_at_score},
                field="reject_at_score",
            )
        if not changed:
            return policy
        policy.save(update_fields=[*changed, "updated_at"])
        event_emit(
            type="review_policy.updated",
            subject=policy,
            payload={
                "changes": {
                    field: {"from": str(change["from"]), "to": str(change["to"])}
                    for field, change in changed.items()
                }
            },
            actor=actor,
        )
        _forget_now_and_after_commit()
    return policy
