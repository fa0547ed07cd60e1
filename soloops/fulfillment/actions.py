"""Flow action ``shipment.create``: put everything not yet shipped of a paid order in a
shipment. It asks the carrier for a label outside any transaction, so the engine runs it
between transactions; the step's idempotency key makes a repeated call create one shipment
and one label."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.fulfillment import services
from soloops.orders.selectors import order_get_for


class ShipmentIn(BaseModel):
    order: str = Field(description=gettext_noop("the order number, e.g. {{ order.number }}"))
    carrier: str = Field("sandbox", description=gettext_noop("manual or sandbox"))
    service: str = Field("standard", min_length=1, max_length=100)


def _create(data: ShipmentIn, call: ActionCall) -> dict:
    order = order_get_for(actor=call.actor, number=data.order)
    shipment = services.shipment_create(
        order=order,
        lines=None,
        carrier=data.carrier,
        service=data.service,
        actor=call.actor,
        idempotency_key=call.idempotency_key,
    )
    return {
        "shipment": shipment.number,
        "tracking_number": shipment.tracking_number,
        "status": shipment.status,
    }


ACTIONS = [
    Action(
        "shipment.create",
        _("Create a shipment with everything of the order not yet shipped, and its label."),
        ShipmentIn,
        _create,
        lambda d, c: f"create a {d.carrier} {d.service} shipment for order {d.order}",
        outside=True,
    ),
]
