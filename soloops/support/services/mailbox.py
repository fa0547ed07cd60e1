"""The shop's mailbox, polled over IMAP (``imapclient``): each unseen mail becomes a message in
its conversation, then is flagged \\Seen.

A mail is flagged only after its message committed; a crash in between fetches it again next
time, and its Message-ID makes it the same message (``conversation_receive_mail``), so nothing
is lost and nothing is doubled. A mail SoloOps cannot read is flagged too (and logged), so it
does not block the rest forever.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from imapclient import IMAPClient

from soloops.accounts.actors import Actor
from soloops.errors import InvalidInput

from .mail_in import conversation_receive_mail

logger = logging.getLogger(__name__)
MAILBOX = Actor.system("mailbox")
BATCH = 50


@dataclass(frozen=True)
class PollResult:
    fetched: int
    received: int
    unreadable: int


def mailbox_configured() -> bool:
    return bool(settings.SUPPORT_IMAP_HOST and settings.SUPPORT_IMAP_USER)


def mailbox_poll(*, limit: int = 500) -> PollResult:
    """Read up to ``limit`` unseen mails of the configured folder into conversations."""
    fetched = received = unreadable = 0
    with IMAPClient(
        settings.SUPPORT_IMAP_HOST,
        port=settings.SUPPORT_IMAP_PORT,
        ssl=settings.SUPPORT_IMAP_SSL,
        timeout=30,
    ) as imap:
        imap.login(settings.SUPPORT_IMAP_USER, settings.SUPPORT_IMAP_PASSWORD)
        imap.select_folder(settings.SUPPORT_IMAP_FOLDER)
        uids = sorted(imap.search(["UNSEEN"]))[:limit]
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            for uid, data in imap.fetch(batch, ["BODY.PEEK[]"]).items():
                fetched += 1
                try:
                    conversation_receive_mail(raw=data[b"BODY[]"], actor=MAILBOX)
                    received += 1
                except InvalidInput:
                    logger.warning("mail %s in %s is not readable; flagged seen and left",
                                   uid, settings.SUPPORT_IMAP_FOLDER)  # fmt: skip
                    unreadable += 1
                imap.add_flags([uid], [b"\\Seen"])
        imap.logout()
    return PollResult(fetched, received, unreadable)


def mailbox_poll_due() -> bool:
    """Hand a poll to the worker at most every ``SUPPORT_IMAP_POLL_SECONDS`` (the scheduler
    calls this on each tick; the cache gate is shared by every scheduler)."""
    if not mailbox_configured():
        return False
    if not cache.add("soloops:support:imap-poll", 1, timeout=settings.SUPPORT_IMAP_POLL_SECONDS):
        return False
    from soloops.support.tasks import poll_mailbox

    try:
        poll_mailbox.enqueue()
    except Exception:
        logger.exception("could not enqueue the mailbox poll; the next tick will")
        cache.delete("soloops:support:imap-poll")
        return False
    return True
