"""``/api/campaigns``: list, detail with results, create and edit (staff), schedule and test send
(owner: they mail customers), preview per language; and the suppression list (read)."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from soloops.accounts.auth import api_auth
from soloops.api_input import In
from soloops.api_output import created
from soloops.marketing import campaign_selectors as selectors
from soloops.marketing import services
from soloops.marketing.models import CampaignStatus
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["marketing"])
LANGUAGE = "^(en|zh-hans)$"


class CampaignIn(In):
    name: str = Field(min_length=1, max_length=200)
    segment: str = Field(min_length=1, max_length=40, description="RFM segment or saved key")
    subject_en: str = Field(min_length=1, max_length=300)
    body_en: str = Field(min_length=1, max_length=20_000)
    subject_zh: str = Field(min_length=1, max_length=300)
    body_zh: str = Field(min_length=1, max_length=20_000)
    link_url: str = Field("", max_length=500, pattern=r"^(https?://\S+)?$")
    subject_en_b: str = Field("", max_length=300, description="a second subject to test")
    subject_zh_b: str = Field("", max_length=300, description="its Chinese; both or neither")


class CampaignPatchIn(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    segment: str | None = Field(None, min_length=1, max_length=40)
    subject_en: str | None = Field(None, min_length=1, max_length=300)
    body_en: str | None = Field(None, min_length=1, max_length=20_000)
    subject_zh: str | None = Field(None, min_length=1, max_length=300)
    body_zh: str | None = Field(None, min_length=1, max_length=20_000)
    link_url: str | None = Field(None, max_length=500, pattern=r"^(https?://\S+)?$")
    subject_en_b: str | None = Field(None, max_length=300, description="empty: no test")
    subject_zh_b: str | None = Field(None, max_length=300)


class CampaignScheduleIn(In):
    send_at: datetime | None = Field(
        None, description="when to start; without an offset, the shop's local time; none: now"
    )


class CampaignTestSendIn(In):
    to: str = Field(min_length=3, max_length=254)
    language: str = Field("en", pattern=LANGUAGE)


class CampaignOut(Schema):
    id: int
    name: str
    segment: str
    status: CampaignStatus
    subject_en: str
    subject_zh: str
    subject_en_b: str
    subject_zh_b: str
    link_url: str
    send_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    created_by: str
    created_at: datetime


class CampaignRateOut(Schema):
    count: int
    rate: float | None
    low: float | None = Field(description="95 % Wilson interval")
    high: float | None


class SubjectVariantOut(Schema):
    variant: str
    subject_en: str
    subject_zh: str
    recipients: int
    clicked: CampaignRateOut = Field(description="of its recipients")


class SubjectTestOut(Schema):
    a: SubjectVariantOut
    b: SubjectVariantOut
    p_value: float | None = Field(description="Fisher's exact test on the clicks, two-sided")
    winner: str = Field(description='"a", "b", or "" while the difference could be chance')
    alpha: float


class CampaignResultsOut(Schema):
    recipients: int
    skipped: int
    pending: int
    blocked: int
    sent: int
    delivered: CampaignRateOut
    bounced: CampaignRateOut
    unsubscribed: CampaignRateOut
    complained: CampaignRateOut
    clicked: CampaignRateOut
    orders: int = Field(description="placed within attribution_days of a recipient's click")
    revenue: dict[str, Decimal]
    attribution_days: int
    subject_test: SubjectTestOut | None = Field(description="null: no subject test")


class CampaignDetailOut(CampaignOut):
    body_en: str
    body_zh: str
    results: CampaignResultsOut


class CampaignPage(PageOut):
    items: list[CampaignOut]


class CampaignPreviewOut(Schema):
    subject: str
    text: str
    html: str


class CampaignTestSendOut(Schema):
    email_id: int
    to: str
    status: str


class SuppressionOut(Schema):
    email: str
    reason: str
    campaign_id: int | None
    created_at: datetime


class SuppressionPage(PageOut):
    items: list[SuppressionOut]


def _detail(campaign) -> dict:
    data = CampaignOut.from_orm(campaign).model_dump()
    results = selectors.campaign_results(campaign=campaign)
    return {
        **data,
        "body_en": campaign.body_en,
        "body_zh": campaign.body_zh,
        "results": results.__dict__,
    }


@router.get("/campaigns", response=CampaignPage, summary="Campaigns, newest first")
def campaigns_list(request, page: Query[PageParams]):
    return paginate(selectors.campaigns_list(), page)


@router.post("/campaigns", response={201: CampaignDetailOut}, summary="Draft a campaign")
def campaigns_create(request, payload: CampaignIn, response: HttpResponse):
    campaign = services.campaign_create(actor=request.auth, **payload.model_dump())
    return created(response, f"/campaigns/{campaign.pk}", _detail(campaign))


@router.get(
    "/campaigns/{campaign_id}", response=CampaignDetailOut, summary="One campaign and results"
)
def campaigns_get(request, campaign_id: int):
    return _detail(selectors.campaign_get(campaign_id=campaign_id))


@router.patch(
    "/campaigns/{campaign_id}",
    response=CampaignDetailOut,
    summary="Edit a draft or scheduled campaign (409 once it is sending or sent)",
)
def campaigns_update(request, campaign_id: int, payload: CampaignPatchIn):
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    changes = payload.model_dump(exclude_none=True)
    return _detail(services.campaign_update(campaign=campaign, actor=request.auth, **changes))


@router.get(
    "/campaigns/{campaign_id}/preview/{language}",
    response=CampaignPreviewOut,
    summary="The email as a customer gets it in en or zh-hans",
)
def campaigns_preview(request, campaign_id: int, language: Literal["en", "zh-hans"]):
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    return selectors.campaign_preview(campaign=campaign, language=language)


@router.post(
    "/campaigns/{campaign_id}/schedule",
    response=CampaignDetailOut,
    summary="Send now or at send_at, in throttled batches (owner only)",
    auth=api_auth("campaign.send"),
)
def campaigns_schedule(request, campaign_id: int, payload: CampaignScheduleIn):
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    campaign = services.campaign_schedule(
        campaign=campaign, send_at=payload.send_at, actor=request.auth
    )
    return _detail(campaign)


@router.post(
    "/campaigns/{campaign_id}/test",
    response={201: CampaignTestSendOut},
    summary="Send the campaign to one address, marked [TEST] (owner only)",
    auth=api_auth("campaign.send"),
)
def campaigns_test_send(
    request,
    campaign_id: int,
    payload: CampaignTestSendIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=100),
):
    campaign = selectors.campaign_get(campaign_id=campaign_id)
    send = services.campaign_test_send(
        campaign=campaign,
        to=payload.to,
        language=payload.language,
        actor=request.auth,
        key=idempotency_key,
    )
    return created(
        response, f"/emails/{send.pk}", {"email_id": send.pk, "to": send.to, "status": send.status}
    )


@router.get(
    "/suppressions", response=SuppressionPage, summary="Addresses no marketing email may reach"
)
def suppressions_list(request, page: Query[PageParams]):
    return paginate(selectors.suppressions_list(), page)
