"""The owner's test email (settings → email): proves the mail settings work, through the same
queue and sending path as every email."""

import re
import uuid

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.shop.selectors import mail_settings, shop_profile

from .queueing import email_enqueue


def email_test_send(*, to: str, actor: Actor, key: str = "", language: str = "") -> int:
    """Queue the test email to ``to`` (through the emails app, like every email); returns the
    send's id. ``key`` comes from the form shown, so a double click sends once; each form
    shown gets a new one."""
    key = key if re.fullmatch(r"[0-9a-f]{32}", key or "") else uuid.uuid4().hex
    profile = shop_profile()
    mail = mail_settings()
    with transaction.atomic():
        send = email_enqueue(
            to=to,
            template="test_email",
            context={
                "sent_by": actor.label,
                "transport": mail.transport,
                "sender": mail.sender,
                "reply_to": profile.contact_email,
            },
            language="zh-hans" if (language or profile.language).startswith("zh") else "en",
            idempotency_key=f"test_email:{actor.user_id or actor.label}:{key}",
            subject=("accounts.user", str(actor.user_id or "")),
            actor=actor,
        )
    return send.pk
