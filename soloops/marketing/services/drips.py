"""A drip email to one customer (a flow's ``marketing.send_email`` step): the same consent
and suppression checks as a campaign, once per customer and drip (and ``once_per``)."""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.customers.selectors import customer_get_by_email
from soloops.emails.selectors import language_for
from soloops.emails.services import email_enqueue
from soloops.marketing.content import message_context
from soloops.marketing.services.consent import marketing_block_reason_for

TEMPLATE = "marketing_message"


def drip_send(
    *,
    email: str,
    drip: str,
    texts: dict[str, tuple[str, str]],
    actor: Actor,
    once_per: str = "",
    link_url: str = "",
    with_recommendations: bool = True,
) -> dict:
    """Queue the drip ``drip`` to the customer unless they may not get marketing email;
    ``texts`` is {"en": (subject, body), "zh-hans": (subject, body)}. Returns what it did:
    {"queued": email id} or {"skipped": why}."""
    customer = customer_get_by_email(email)
    blocked = marketing_block_reason_for(customer.email)
    if blocked:
        return {"skipped": blocked, "customer": customer.email}
    language = language_for(customer.language)
    subject, body = texts.get(language) or texts["en"]
    context = message_context(
        customer=customer, subject=subject, body=body, link_url=link_url,
        with_recommendations=with_recommendations,
    )  # fmt: skip
    key = f"drip:{drip}:{customer.pk}" + (f":{once_per}" if once_per else "")
    with transaction.atomic():
        send = email_enqueue(
            to=customer.email,
            template=TEMPLATE,
            context=context,
            language=language,
            idempotency_key=key[:200],
            subject=("customers.customer", str(customer.pk)),
            actor=actor,
        )
    return {"queued": send.pk, "customer": customer.email}
