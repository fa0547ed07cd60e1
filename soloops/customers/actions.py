"""Flow actions about customers."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.customers.selectors import customer_get_by_email
from soloops.customers.services import customer_tag


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


ACTIONS = [
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
