"""Flow actions about customers."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.customers.selectors import customer_get_by_email
from soloops.customers.services import (
    customer_ltv_refresh,
    customer_segments_recompute,
    customer_tag,
)


class CustomerTagIn(BaseModel):
    customer: str = Field(max_length=320, description=gettext_noop("the customer's email"))
    tag: str = Field(max_length=40)
    remove: bool = False


def _tag(data: CustomerTagIn, call: ActionCall) -> dict:
    customer = customer_get_by_email(data.customer)
    changed = customer_tag(customer=customer, tag=data.tag, remove=data.remove, actor=call.actor)
    return {"customer": customer.email, "tag": data.tag.strip().lower(), "changed": changed}


def _describe(data: CustomerTagIn, call: ActionCall) -> str:
    if data.remove:
        return f"remove the tag {data.tag!r} from customer {data.customer}"
    return f"tag customer {data.customer} {data.tag!r}"


class NoInput(BaseModel):
    pass


def _recompute(data: NoInput, call: ActionCall) -> dict:
    return customer_segments_recompute(actor=call.actor)


def _ltv(data: NoInput, call: ActionCall) -> dict:
    fit = customer_ltv_refresh(actor=call.actor)
    return {"buyers": fit.buyers, "repeat_buyers": fit.repeat_buyers, "reason": fit.reason}


ACTIONS = [
    Action(
        "customer.ltv_refresh",
        _(
            "Fit the repeat-buying model (BG/NBD and Gamma-Gamma) on the shop's history and "
            "store each customer's chance of still being a customer and expected orders and "
            "value in the next 90 days; with too short a history it says why."
        ),
        NoInput,
        _ltv,
        lambda data, call: "fit every customer's predicted value",
    ),
    Action(
        "customer.segments_recompute",
        _(
            "Score every buyer's recency, frequency and spend again (quintiles of the shop's "
            "buyers) and move customers between segments, each move a customer.segment_changed "
            "event. The shipped nightly flow does it; running it twice changes nothing more."
        ),
        NoInput,
        _recompute,
        lambda data, call: "recompute every customer's segment",
    ),
    Action(
        "customer.tag",
        _(
            "Give a customer a tag (or take it away with remove: true); conditions can then ask "
            "'vip' in customer.tags. Giving a tag the customer has changes nothing."
        ),
        CustomerTagIn,
        _tag,
        _describe,
    ),
]
