"""A customer's raw mail (RFC 5322 bytes, as mail services post it or IMAP fetches it), read
into what a conversation needs: who wrote, the thread it belongs to, the new text without the
quoted history, the HTML sanitised, the attachments, and whether a robot sent it.
"""

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

import nh3

# Where the quoted history starts: "On Mon, Ada wrote:", Outlook's separator and headers,
# Chinese clients' "在 … 写道" and "发件人" lines. Everything from there on is dropped.
QUOTE_START = re.compile(
    r"^(On .{1,200}wrote:\s*$|-{2,}\s*Original Message\s*-{2,}|_{5,}\s*$|From:\s.+$|"
    r"在.{1,200}写道[:\uff1a]\s*$|发件人[:\uff1a].*$|-{2,}\s*原始邮件\s*-{2,})",
    re.IGNORECASE | re.MULTILINE,
)
MESSAGE_ID = re.compile(r"<[^<>\s]{1,400}>")
# Senders that are never people.
ROBOTS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.IGNORECASE)


class NotAMail(ValueError):
    """The bytes are not a mail a conversation can come from (no sender, nothing to read)."""


@dataclass
class ParsedMail:
    message_id: str
    in_reply_to: str
    references: list[str]
    from_email: str
    from_name: str
    subject: str
    text: str  # the new text, quoted history stripped
    html: str  # sanitised
    automated: bool
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)


def strip_quoted(text: str) -> str:
    """The text before the quoted history; trailing "> ..." lines dropped too."""
    match = QUOTE_START.search(text)
    if match and match.start() > 0:
        text = text[: match.start()]
    lines = text.rstrip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines).strip()


def sanitise(html: str) -> str:
    """HTML with only harmless markup left (no scripts, handlers, javascript: links)."""
    return nh3.clean(html)


def html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>", "\n", html)
    text = nh3.clean(text, tags=set())
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _is_automated(msg: EmailMessage, sender: str, own_addresses: set[str]) -> bool:
    auto_submitted = (msg.get("Auto-Submitted") or "no").strip().lower()
    precedence = (msg.get("Precedence") or "").strip().lower()
    return (
        auto_submitted != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"))
        # spam, as the receiving mail server's filter (SpamAssassin, Rspamd) marked it
        or (msg.get("X-Spam-Flag") or "").strip().lower() == "yes"
        or (msg.get("X-Spam-Status") or "").strip().lower().startswith("yes")
        or bool(ROBOTS.match(sender))
        or sender in own_addresses  # our own mail coming back: a loop
        or bool(msg.get("X-SoloOps-Loop"))
    )


def _ids(value: str | None) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def parse(raw: bytes, *, own_addresses: set[str]) -> ParsedMail:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    name, sender = parseaddr(str(msg.get("From") or ""))
    if "@" not in sender:
        reply_to = getaddresses([str(msg.get("Reply-To") or "")])
        name, sender = reply_to[0] if reply_to else ("", "")
    if "@" not in sender:
        raise NotAMail("the mail has no sender address")
    plain = msg.get_body(preferencelist=("plain",))
    rich = msg.get_body(preferencelist=("html",))
    html = sanitise(rich.get_content()) if rich is not None else ""
    text = plain.get_content() if plain is not None else html_to_text(html)
    attachments = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename() or "attachment"
        attachments.append((filename[:255], part.get_content_type()[:100], payload))
    message_id = (_ids(msg.get("Message-ID")) or [""])[0]
    return ParsedMail(
        message_id=message_id,
        in_reply_to=(_ids(msg.get("In-Reply-To")) or [""])[0],
        references=_ids(msg.get("References")),
        from_email=sender.strip().lower(),
        from_name=name.strip(),
        subject=str(msg.get("Subject") or "").strip(),
        text=strip_quoted(text or ""),
        html=html,
        automated=_is_automated(msg, sender.strip().lower(), own_addresses),
        attachments=attachments,
    )
