"""Reads of emails: the templates in force (defaults plus the owner's versions) and the sends."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from soloops.emails.errors import EmailErrorCode as Code
from soloops.emails.kinds import KINDS, LANGUAGES
from soloops.emails.kinds import language_for as language_for  # for the actions that email
from soloops.emails.models import PENDING, EmailSend, EmailTemplate, SendStatus
from soloops.emails.rendering import TemplateSource, default_source
from soloops.errors import NotFound


@dataclass(frozen=True)
class TemplateView:
    key: str
    language: str
    description: str
    marketing: bool
    customized: bool  # the owner's version, not the shipped default
    source: TemplateSource
    updated_at: datetime | None


def _view(key: str, language: str, row: EmailTemplate | None) -> TemplateView:
    kind = KINDS[key]
    source = (
        TemplateSource(subject=row.subject, body_text=row.body_text, body_html=row.body_html)
        if row
        else default_source(key, language)
    )
    return TemplateView(
        key=key,
        language=language,
        description=str(kind.description),
        marketing=kind.marketing,
        customized=row is not None,
        source=source,
        updated_at=row.updated_at if row else None,
    )


def email_templates_list() -> list[TemplateView]:
    """Every template in every language, the owner's version where there is one. One query."""
    rows = {(t.key, t.language): t for t in EmailTemplate.objects.filter(key__in=list(KINDS))}
    return [
        _view(key, language, rows.get((key, language))) for key in KINDS for language in LANGUAGES
    ]


def email_template_get(*, key: str, language: str) -> TemplateView:
    """The template in force for ``key`` in ``language``; unknown ones are NotFound."""
    if key not in KINDS or language not in LANGUAGES:
        raise NotFound(Code.NOT_FOUND, f"no email template {key!r} in {language!r}")
    return _view(key, language, EmailTemplate.objects.filter(key=key, language=language).first())


@dataclass(frozen=True)
class SendFilters:
    status: str | None = None
    template: str | None = None
    to: str | None = None
    subject_type: str | None = None
    subject_id: str | None = None


def emails_list(filters: SendFilters) -> QuerySet[EmailSend]:
    """Newest first, without the bodies and attachments (a list shows none of them)."""
    sends = EmailSend.objects.defer("body_text", "body_html", "context", "attachments", "headers")
    if filters.status:
        sends = sends.filter(status=filters.status)
    if filters.template:
        sends = sends.filter(template=filters.template)
    if filters.to:
        sends = sends.filter(to=filters.to.strip().lower())
    if filters.subject_type:
        sends = sends.filter(subject_type=filters.subject_type)
    if filters.subject_id:
        sends = sends.filter(subject_id=filters.subject_id)
    return sends.order_by("-created_at", "-id")


def email_get(*, send_id: int) -> EmailSend:
    send = EmailSend.objects.filter(pk=send_id).first()
    if send is None:
        raise NotFound(Code.NOT_FOUND, f"no email {send_id}")
    return send


def email_counts_by_status() -> dict[str, int]:
    """{status: sends}: sent, failed (retrying), gave up, queued — for metrics and alerts."""
    rows = EmailSend.objects.order_by().values_list("status").annotate(n=Count("id"))
    return dict(rows)


def email_outcomes_about(*, subject_type: str, subject_id: str) -> dict[str, int]:
    """How the emails about one thing (a campaign) went, in one GROUP BY on the subject index:
    {"sent": accepted by the server, "bounced": refused for good for the recipient,
    "blocked": stopped before sending (suppressed, no consent), "pending": not done yet}."""
    refused = Q(status=SendStatus.GAVE_UP, last_error__startswith="SMTPRecipientsRefused")
    blocked = Q(status=SendStatus.GAVE_UP, last_error__startswith="not sent:")
    return EmailSend.objects.filter(subject_type=subject_type, subject_id=subject_id).aggregate(
        sent=Count("id", filter=Q(status=SendStatus.SENT)),
        bounced=Count("id", filter=refused),
        blocked=Count("id", filter=blocked),
        pending=Count("id", filter=Q(status__in=PENDING)),
    )
