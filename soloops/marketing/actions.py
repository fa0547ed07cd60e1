"""Flow actions of the marketing app."""

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel

from soloops.actions import Action, ActionCall
from soloops.marketing.services import recommendations_recompute


class NoInput(BaseModel):
    pass


def _recompute(data: NoInput, call: ActionCall) -> dict:
    run = recommendations_recompute(actor=call.actor)
    return {"orders": run.orders, "customers": run.customers, "pairs": run.pairs}


ACTIONS = [
    Action(
        "recommendations.recompute",
        _(
            "Count again which products are bought together (in one order, and by the same "
            "customers) from every order that counts, for the recommendations on the product "
            "page, in emails and on the customer page. The shipped nightly flow does it."
        ),
        NoInput,
        _recompute,
        lambda data, call: "recount the products bought together",
    ),
]
