"""Notices to the shop owner: one email per notice address, each under its own
idempotency key derived from the caller's, so a retried step or task never sends twice."""

from soloops.accounts.actors import Actor
from soloops.emails.kinds import language_for
from soloops.shop.selectors import owner_notice_addresses, shop_profile

from .queueing import Subject, email_enqueue


def owner_notice_enqueue(
    *, subject: str, body: str, url: str, idempotency_key: str, about: Subject, actor: Actor
) -> list[str]:
    """Queue the notice to every owner notice address; returns the addresses.
    Precondition: inside the caller's transaction (``email_enqueue``'s)."""
    sent = []
    for i, address in enumerate(owner_notice_addresses()):
        send = email_enqueue(
            to=address,
            template="owner_notification",
            context={"subject": subject, "body": body, "url": url},
            language=language_for(shop_profile().language),
            idempotency_key=f"{idempotency_key}-{i}",
            subject=about,
            actor=actor,
        )
        sent.append(send.to)
    return sent
