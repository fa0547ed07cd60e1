from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from soloops.accounts.auth import api_auth
from soloops.api_input import In
from soloops.api_output import created
from soloops.emails import selectors, services
from soloops.emails.kinds import LANGUAGES
from soloops.emails.models import SendStatus
from soloops.emails.rendering import TemplateSource
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["emails"])

LANGUAGE = f"^({'|'.join(LANGUAGES)})$"


class EmailTemplateOut(Schema):
    key: str
    language: str
    description: str
    marketing: bool
    customized: bool = Field(description="the owner's version; false: the shipped default")
    subject: str
    body_text: str
    body_html: str
    updated_at: datetime | None


class EmailTemplateIn(In):
    """Django template syntax; each template gets only its context (see the preview's sample)."""

    subject: str = Field(min_length=1, max_length=2000)
    body_text: str = Field(min_length=1, max_length=100_000)
    body_html: str = Field("", max_length=200_000, description="empty: plain text only")


class PreviewIn(In):
    """Omitted parts are taken from the template in force; ``context`` overlays the sample."""

    subject: str | None = Field(None, max_length=2000)
    body_text: str | None = Field(None, max_length=100_000)
    body_html: str | None = Field(None, max_length=200_000)
    context: dict = Field(default_factory=dict)


class PreviewOut(Schema):
    subject: str
    text: str
    html: str


class EmailOut(Schema):
    id: int
    to: str
    template: str
    language: str
    subject: str = Field(alias="subject_line")
    subject_type: str
    subject_id: str
    status: SendStatus
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    message_id: str
    resend_of: int | None = Field(None, alias="resend_of_id")
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None


class AttachmentOut(Schema):
    filename: str
    mimetype: str


class EmailDetailOut(EmailOut):
    body_text: str
    body_html: str
    attachments: list[AttachmentOut]


class EmailPage(PageOut):
    items: list[EmailOut]


class EmailFiltersIn(PageParams):
    status: SendStatus | None = None
    template: str | None = Field(None, max_length=64)
    to: str | None = Field(None, max_length=254)
    subject_type: str | None = Field(None, max_length=64, description="e.g. orders.order")
    subject_id: str | None = Field(None, max_length=64)


def _template_out(view: selectors.TemplateView) -> dict:
    return {
        "key": view.key,
        "language": view.language,
        "description": view.description,
        "marketing": view.marketing,
        "customized": view.customized,
        "subject": view.source.subject,
        "body_text": view.source.body_text,
        "body_html": view.source.body_html,
        "updated_at": view.updated_at,
    }


@router.get(
    "/email-templates",
    response=list[EmailTemplateOut],
    summary="Every email template in every language, the owner's version where there is one",
)
def email_templates_list(request):
    return [_template_out(v) for v in selectors.email_templates_list()]


@router.get("/email-templates/{key}/{language}", response=EmailTemplateOut)
def email_templates_get(request, key: str, language: str):
    return _template_out(selectors.email_template_get(key=key, language=language))


@router.put(
    "/email-templates/{key}/{language}",
    response=EmailTemplateOut,
    summary="Save the owner's version (owner only); a syntax error is a 422 naming part and line",
    auth=api_auth("email_template.change"),
)
def email_templates_put(request, key: str, language: str, payload: EmailTemplateIn):
    services.email_template_save(
        key=key,
        language=language,
        source=TemplateSource(**payload.model_dump()),
        actor=request.auth,
    )
    return _template_out(selectors.email_template_get(key=key, language=language))


@router.delete(
    "/email-templates/{key}/{language}",
    response=EmailTemplateOut,
    summary="Go back to the shipped default (owner only)",
    auth=api_auth("email_template.change"),
)
def email_templates_reset(request, key: str, language: str):
    services.email_template_reset(key=key, language=language, actor=request.auth)
    return _template_out(selectors.email_template_get(key=key, language=language))


@router.post(
    "/email-templates/{key}/{language}/preview",
    response=PreviewOut,
    summary="Render a draft or the template in force against sample data (owner only)",
    auth=api_auth("email_template.change"),
)
def email_templates_preview(request, key: str, language: str, payload: PreviewIn):
    # Part of the owner's template editor: a draft may be any template text, and rendering
    # one written to be expensive (``{{ x|ljust:"999999999" }}``) costs the server memory.
    source = None
    if (
        payload.subject is not None
        or payload.body_text is not None
        or payload.body_html is not None
    ):
        current = selectors.email_template_get(key=key, language=language).source
        source = TemplateSource(
            subject=current.subject if payload.subject is None else payload.subject,
            body_text=current.body_text if payload.body_text is None else payload.body_text,
            body_html=current.body_html if payload.body_html is None else payload.body_html,
        )
    rendered = services.email_template_preview(
        key=key, language=language, source=source, context=payload.context
    )
    return {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}


@router.get("/emails", response=EmailPage, summary="Emails sent and queued, newest first")
def emails_list(request, filters: Query[EmailFiltersIn]):
    query = selectors.SendFilters(**filters.model_dump(exclude={"page", "page_size", "limit"}))
    return paginate(selectors.emails_list(query), filters)


@router.get("/emails/{send_id}", response=EmailDetailOut, summary="One email with its bodies")
def emails_get(request, send_id: int):
    return selectors.email_get(send_id=send_id)


@router.post(
    "/emails/{send_id}/resend",
    response={201: EmailOut},
    summary="Send a sent or given-up email again, as a new email",
)
def emails_resend(
    request,
    send_id: int,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
):
    send = selectors.email_get(send_id=send_id)
    resent = services.email_resend(send=send, actor=request.auth, key=idempotency_key)
    return created(response, f"/emails/{resent.pk}", resent)
