"""The support API: conversations in (another program posts a customer's question), the inbox
list and one conversation, the shop's reply (emailed, exactly once per Idempotency-Key),
closing."""

from datetime import datetime
from enum import StrEnum

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from soloops.api_input import Email, In
from soloops.api_output import created
from soloops.errors import InvalidInput, NotFound
from soloops.events.selectors import timeline_for
from soloops.orders.selectors import order_get_for
from soloops.pagination import PageOut, PageParams, paginate
from soloops.support import selectors, services
from soloops.support.errors import SupportErrorCode as Code
from soloops.support.intents import INTENTS
from soloops.support.models import Channel, ConversationStatus

Intent = StrEnum("Intent", {name: name for name in INTENTS})

router = Router(tags=["support"])


class ConversationMessageOut(Schema):
    id: int
    direction: str = Field(description="in: from the customer; out: from the shop")
    author: str
    body: str
    intent: str = Field(description="inbound: what it asks for; outbound: what it answers")
    corrected_intent: str = Field(description="the owner's correction (empty: none)")
    confidence: float | None = Field(description="the classifier's calibrated probability")
    model_version: str
    rating: str = Field(description="outbound: the customer's good / bad (empty: not rated)")
    entities: dict = Field(
        description="inbound: order_numbers, emails, tracking_numbers, amounts, dates found"
    )
    created_at: datetime


class ConversationEventOut(Schema):
    type: str
    actor_kind: str
    actor_label: str
    payload: dict
    created_at: datetime


class ConversationSummaryOut(Schema):
    ref: str
    channel: str
    status: str
    subject: str
    email: str
    name: str
    order_number: str | None = None
    order_link: str = Field(description="which rule linked the order (empty: none)")
    intent: str = Field(description="what the customer's latest message asks for")
    confidence: float | None
    message_count: int
    last_message_at: datetime
    first_response_due_at: datetime | None
    first_responded_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_order_number(obj) -> str | None:
        return obj.order.number if obj.order_id else None


class ConversationOut(ConversationSummaryOut):
    language: str
    messages: list[ConversationMessageOut]
    timeline: list[ConversationEventOut] = []


class ConversationPage(PageOut):
    items: list[ConversationSummaryOut]


class ConversationFiltersIn(PageParams):
    status: ConversationStatus | None = None
    channel: Channel | None = None
    intent: Intent | None = None
    email: str | None = Field(None, max_length=254)
    order_number: str | None = Field(None, max_length=20)


class ConversationIn(In):
    email: Email
    body: str = Field(min_length=1, max_length=services.MESSAGE_MAX)
    name: str = Field("", max_length=200)
    subject: str = Field("", max_length=services.SUBJECT_MAX)
    language: str = Field("en", max_length=16)
    order_number: str | None = Field(
        None, max_length=20, description="the order it is about; else found in the text"
    )


class ConversationMessageIn(In):
    body: str = Field(min_length=1, max_length=services.MESSAGE_MAX)


def _detail(conversation):
    conversation.timeline = timeline_for(
        subject_type="support.conversation", subject_id=conversation.pk
    )
    return conversation


def _get(request, ref: str):
    return selectors.conversation_get_for(actor=request.auth, ref=ref)


@router.get("/conversations", response=ConversationPage, summary="The inbox, unanswered first")
def conversations_list(request, filters: Query[ConversationFiltersIn]):
    query = selectors.ConversationFilters(
        **filters.model_dump(exclude={"page", "page_size", "limit"})
    )
    return paginate(selectors.conversations_list(query), filters)


@router.post("/conversations", response={201: ConversationOut}, summary="A customer's new question")
def conversations_create(request, payload: ConversationIn, response: HttpResponse):
    order = None
    if payload.order_number:
        order = order_get_for(actor=request.auth, number=payload.order_number.strip().upper())
        if order.email.lower() != payload.email.strip().lower():
            raise InvalidInput(
                Code.UNKNOWN_ORDER,
                "that order was not placed with this email",
                field="order_number",
            )
    conversation = services.conversation_open(
        channel=Channel.API, actor=request.auth, order=order, **payload.model_dump(
            exclude={"order_number"}
        )
    )  # fmt: skip
    conversation = _get(request, conversation.ref)
    return created(response, f"/conversations/{conversation.ref}", _detail(conversation))


@router.get("/conversations/{ref}", response=ConversationOut, summary="One conversation")
def conversation_get(request, ref: str):
    return _detail(_get(request, ref))


@router.post(
    "/conversations/{ref}/messages",
    response={201: ConversationMessageOut},
    summary="Another message from the customer",
)
def conversation_message(request, ref: str, payload: ConversationMessageIn, response: HttpResponse):
    message = services.conversation_receive(
        conversation=_get(request, ref), body=payload.body, actor=request.auth
    )
    return created(response, f"/conversations/{ref}", message)


@router.post(
    "/conversations/{ref}/replies",
    response={201: ConversationMessageOut},
    summary="The shop's answer, emailed to the customer",
)
def conversation_reply(
    request,
    ref: str,
    payload: ConversationMessageIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
):
    message = services.conversation_reply(
        conversation=_get(request, ref),
        body=payload.body,
        actor=request.auth,
        idempotency_key=idempotency_key,
    )
    return created(response, f"/conversations/{ref}", message)


class IntentIn(In):
    intent: Intent


@router.put(
    "/conversations/{ref}/messages/{message_id}/intent",
    response=ConversationMessageOut,
    summary="Correct what a customer's message asks for",
)
def message_intent_put(request, ref: str, message_id: int, payload: IntentIn):
    conversation = _get(request, ref)
    message = next((m for m in conversation.messages.all() if m.pk == message_id), None)
    if message is None:
        raise NotFound(Code.NOT_FOUND, f"no message {message_id} in {ref}")
    return services.message_relabel(message=message, intent=payload.intent, actor=request.auth)


@router.post("/conversations/{ref}/close", response=ConversationOut, summary="Nothing left to do")
def conversation_close(request, ref: str):
    services.conversation_close(conversation=_get(request, ref), actor=request.auth)
    return _detail(_get(request, ref))
