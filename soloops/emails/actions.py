"""Flow actions that send email without knowing any app above: ``notify.owner``. It queues the
email with the step's idempotency key, so a retried or resumed step never sends twice.

The actions that read orders, stock or runs (``email.order``, ``notify.owner_daily_summary``)
live above both emails and orders, in ``soloops.automation.mail_actions``."""

from django.utils.translation import gettext_lazy
from pydantic import BaseModel, Field

from soloops.actions import Action, ActionCall
from soloops.emails.services import owner_notice_enqueue


class NotifyOwnerIn(BaseModel):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field("", max_length=10_000)
    url: str = ""


def notify_owner(data: NotifyOwnerIn, call: ActionCall) -> dict:
    sent = owner_notice_enqueue(
        subject=data.subject,
        body=data.body,
        url=data.url,
        idempotency_key=call.idempotency_key,
        about=("automation.flowrun", str(call.run_id or "")),
        actor=call.actor,
    )
    return {"to": sent}


ACTIONS = [
    Action(
        "notify.owner",
        gettext_lazy("Email the shop owner(s) a notice."),
        NotifyOwnerIn,
        notify_owner,
        lambda d, c: f"email the owner: {d.subject}",
    ),
]
