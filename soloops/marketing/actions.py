"""Flow actions of the marketing app: ``recommendations.recompute`` (the nightly recount) and
``marketing.send_email``, what the drip flows (welcome, cross-sell, win-back, review request)
call. Each customer gets each drip once (``once_per``
widens that, e.g. once per order); without consent, or suppressed, the step sends nothing
and says why."""

from django.utils.translation import gettext_lazy, gettext_noop
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.marketing.services import recommendations_recompute
from soloops.marketing.services.drips import drip_send


class NoInput(BaseModel):
    pass


def _recompute(data: NoInput, call: ActionCall) -> dict:
    run = recommendations_recompute(actor=call.actor)
    return {"orders": run.orders, "customers": run.customers, "pairs": run.pairs}


class SendEmailIn(BaseModel):
    customer: str = Field(max_length=320, description=gettext_noop("the customer's email"))
    drip: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")
    subject_en: str = Field(min_length=1, max_length=300)
    body_en: str = Field(min_length=1, max_length=20_000)
    subject_zh: str = Field(min_length=1, max_length=300)
    body_zh: str = Field(min_length=1, max_length=20_000)
    once_per: str = Field("", max_length=100)
    link_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")
    recommendations: bool = True


def _send(data: SendEmailIn, call: ActionCall) -> dict:
    return drip_send(
        email=data.customer,
        drip=data.drip,
        texts={"en": (data.subject_en, data.body_en), "zh-hans": (data.subject_zh, data.body_zh)},
        actor=call.actor,
        once_per=data.once_per,
        link_url=data.link_url,
        with_recommendations=data.recommendations,
    )


ACTIONS = [
    Action(
        "recommendations.recompute",
        gettext_lazy(
            "Count again which products are bought together (in one order, and by the same "
            "customers) from every order that counts, for the recommendations on the product "
            "page, in emails and on the customer page. The shipped nightly flow does it."
        ),
        NoInput,
        _recompute,
        lambda data, call: "recount the products bought together",
    ),
    Action(
        "marketing.send_email",
        gettext_lazy(
            "Email a customer who opted in (a drip): in their language, with recommendations "
            "and an unsubscribe link; once per customer and drip."
        ),
        SendEmailIn,
        _send,
        lambda d, c: f"send the {d.drip} email to {d.customer} if they opted in",
    ),
]
