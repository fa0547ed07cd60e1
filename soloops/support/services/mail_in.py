"""Customer mail in: raw RFC 5322 bytes (the inbound-mail webhook, the IMAP poller) become a
message in its conversation."""

import re
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.errors import InvalidInput
from soloops.support import mail
from soloops.support.errors import SupportErrorCode as Code
from soloops.support.models import Attachment, Direction, Message

from .conversations import MESSAGE_MAX, conversation_open, conversation_receive


def conversation_receive_mail(*, raw: bytes, actor: Actor) -> Message:
    """A customer's mail (raw RFC 5322 bytes), threaded into its conversation by
    ``In-Reply-To`` / ``References`` (our replies carry the Message-ID we sent), else a new
    conversation. The same Message-ID again (a retried webhook, a mailbox polled twice) is
    the same message. Attachments over ``SUPPORT_MAX_ATTACHMENT_BYTES`` are left out and named
    on the message; the HTML part is kept sanitised.
    """
    own = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    try:
        parsed = mail.parse(raw, own_addresses=own)
    except (mail.NotAMail, ValueError, LookupError) as e:
        raise InvalidInput(
            Code.NOT_A_MAIL, f"not a mail SoloOps can read: {e}", field="body"
        ) from None
    if parsed.message_id:
        earlier = Message.objects.filter(message_id=parsed.message_id, direction=Direction.IN)
        if (found := earlier.first()) is not None:
            return found
    body = (parsed.text or parsed.subject or "-")[:MESSAGE_MAX]
    thread_ids = [i for i in [parsed.in_reply_to, *reversed(parsed.references)] if i]
    known = Message.objects.filter(message_id__in=thread_ids).select_related("conversation")
    thread = min(known, key=lambda m: thread_ids.index(m.message_id), default=None)
    with transaction.atomic():
        if thread is not None and thread.conversation.email == parsed.from_email:
            message = conversation_receive(
                conversation=thread.conversation, body=body, actor=actor,
                message_id=parsed.message_id, in_reply_to=parsed.in_reply_to,
                automated=parsed.automated,
            )  # fmt: skip
        else:
            conversation = conversation_open(
                channel="email", email=parsed.from_email, name=parsed.from_name,
                subject=parsed.subject, body=body, actor=actor,
                language="zh" if re.search(r"[\u4e00-\u9fff]", body) else "en",
                message_id=parsed.message_id, automated=parsed.automated,
            )  # fmt: skip
            message = conversation.messages.get()
        _keep_attachments(message, parsed)
    return message


def _keep_attachments(message: Message, parsed) -> None:
    limit = settings.SUPPORT_MAX_ATTACHMENT_BYTES
    refused = []
    for filename, content_type, content in parsed.attachments:
        if len(content) > limit:
            refused.append({"filename": filename, "size": len(content), "limit": limit})
            continue
        Attachment.objects.create(message=message, filename=filename, content_type=content_type,
                                  size=len(content), content=content)  # fmt: skip
    message.body_html = parsed.html
    message.attachments_refused = refused
    message.save(update_fields=["body_html", "attachments_refused", "updated_at"])
