"""How each SKU is reordered: the owner's reorder policies."""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.errors import InvalidInput
from soloops.events.services import event_emit
from soloops.purchasing.errors import PurchasingErrorCode as Code
from soloops.purchasing.models import ReorderPolicy

from .purchase_orders import QUANTITY_MAX


def reorder_policy_set(
    *,
    variant,
    actor: Actor,
    reorder_point: int | None = None,
    target_level: int | None = None,
    preferred_supplier_id: int | None = None,
    auto_send: bool = False,
) -> ReorderPolicy:
    """Replace the SKU's reorder policy. ``None`` means the default for that value: the
    low-stock threshold, twice the reorder point, the cheapest supplier."""
    for name, value in (("reorder_point", reorder_point), ("target_level", target_level)):
        if value is not None and not 0 <= value <= QUANTITY_MAX:
            raise InvalidInput(
                Code.INVALID_POLICY, f"{name} must be between 0 and {QUANTITY_MAX}", field=name
            )
    point = variant.low_stock_threshold if reorder_point is None else reorder_point
    if target_level is not None and target_level < point:
        raise InvalidInput(
            Code.INVALID_POLICY,
            f"the target level ({target_level}) must not be below the reorder point ({point})",
            field="target_level",
        )
    if (
        preferred_supplier_id is not None
        and not variant.supplier_items.filter(supplier_id=preferred_supplier_id).exists()
    ):
        raise InvalidInput(
            Code.NOT_SOLD_BY_SUPPLIER,
            f"supplier {preferred_supplier_id} does not sell {variant.sku}; "
            "add it to the supplier's items first",
            field="preferred_supplier_id",
        )
    values = {
        "reorder_point": reorder_point,
        "target_level": target_level,
        "preferred_supplier_id": preferred_supplier_id,
        "auto_send": auto_send,
    }
    with transaction.atomic():
        policy = ReorderPolicy.objects.select_for_update().filter(variant=variant).first()
        if policy is None:
            policy = ReorderPolicy.objects.create(variant=variant, **values)
            changed = list(values)
        else:
            changed = [k for k, v in values.items() if getattr(policy, k) != v]
            for k in changed:
                setattr(policy, k, values[k])
            if changed:
                policy.save(update_fields=[*changed, "updated_at"])
        if changed:
            event_emit(
                type="reorder_policy.updated",
                subject=variant,
                payload={"sku": variant.sku, **{k: values[k] for k in changed}},
                actor=actor,
            )
    return policy
