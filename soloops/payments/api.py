"""Payments over HTTP: start one for an order, capture, mark a manual one paid, refund.

Writes need a write token of the owner or staff (``ActorAuth``); viewers and read tokens get
403. POSTs that move money honour ``Idempotency-Key``: the same key and body answer the same
payment or refund (``Idempotent-Replayed: true``), a different body is a 422 naming the header.
"""

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema

from soloops.api_input import In, Money
from soloops.api_output import created
from soloops.orders.selectors import order_get_for
from soloops.pagination import PageOut, PageParams, paginate
from soloops.payments import selectors, services
from soloops.payments.models import Provider

router = Router(tags=["payments"])

IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    max_length=200,
    description="repeat a request safely: the same key and body answer the first result",
)


class PaymentIn(In):
    provider: Provider
    card_number: str | None = Field(
        None,
        max_length=32,
        pattern=r"^[0-9 -]*$",
        description="sandbox only: one of its test card numbers (4242424242424242 succeeds, "
        "4000000000000002 is declined, 4000000000003220 waits for confirmation); "
        "never stored",
    )


class RefundIn(In):
    amount: Money = Field(gt=0, max_digits=12, decimal_places=2)
    reason: str = Field(min_length=1, max_length=500)


class ReferenceIn(In):
    reference: str = Field(
        "", max_length=200, description="e.g. the bank transfer's reference, for your records"
    )


class PaymentReasonIn(In):
    reason: str = Field(min_length=1, max_length=500)


class RefundOut(Schema):
    id: int
    payment_id: int
    amount: Decimal
    currency: str = Field(alias="payment.currency")
    reason: str
    status: str
    provider_reference: str
    failure_reason: str
    created_at: datetime


class PaymentOut(Schema):
    id: int
    order_number: str = Field(alias="order.number")
    provider: str
    status: str
    amount: Decimal
    currency: str
    amount_refunded: Decimal
    refundable: Decimal = Field(
        description="what a refund may still give back: captured, not refunded, not held by "
        "a pending refund"
    )
    provider_reference: str
    failure_reason: str
    card_last4: str
    next_action: dict = Field(description="Stripe: the client_secret for Stripe.js")
    authorized_at: datetime | None
    captured_at: datetime | None
    created_at: datetime
    updated_at: datetime
    refunds: list[RefundOut]


class PaymentBriefOut(Schema):
    id: int
    order_number: str = Field(alias="order.number")
    status: str
    amount: Decimal
    currency: str
    amount_refunded: Decimal
    refundable: Decimal


class RefundResultOut(RefundOut):
    payment: PaymentBriefOut


class CancelledOut(Schema):
    order_number: str
    order_status: str
    refunds: list[RefundResultOut]


def _payment(request, payment_id: int):
    return selectors.payment_get_for(actor=request.auth, payment_id=payment_id)


@router.post(
    "/orders/{number}/payments",
    response={201: PaymentOut},
    summary="Take payment for an accepted order",
    description="A declined card answers 201 with status `failed` (the attempt is recorded; "
    "the order stays unpaid and may be paid again).",
)
def payments_create(
    request,
    number: str,
    payload: PaymentIn,
    response: HttpResponse,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
):
    order = order_get_for(actor=request.auth, number=number)
    payment, is_new = services.payment_start(
        order=order,
        provider=payload.provider,
        actor=request.auth,
        card_number=payload.card_number,
        idempotency_key=idempotency_key,
    )
    if not is_new:
        response["Idempotent-Replayed"] = "true"
    return created(response, f"/payments/{payment.pk}", _payment(request, payment.pk))


class PaymentPage(PageOut):
    items: list[PaymentOut]


@router.get(
    "/orders/{number}/payments",
    response=PaymentPage,
    summary="An order's payments, newest first, paged",
)
def payments_list(request, number: str, paging: Query[PageParams]):
    order = order_get_for(actor=request.auth, number=number)
    return paginate(selectors.payments_for_order(order=order), paging)


@router.get("/payments/{payment_id}", response=PaymentOut, summary="One payment with its refunds")
def payments_get(request, payment_id: int):
    return _payment(request, payment_id)


@router.post(
    "/payments/{payment_id}/capture",
    response=PaymentOut,
    summary="Capture an authorized card payment (the order becomes paid)",
)
def payments_capture(request, payment_id: int):
    payment = services.payment_capture(payment=_payment(request, payment_id), actor=request.auth)
    return _payment(request, payment.pk)


@router.post(
    "/payments/{payment_id}/mark-paid",
    response=PaymentOut,
    summary="Mark a manual payment (bank transfer, cash on delivery) received",
)
def payments_mark_paid(request, payment_id: int, payload: ReferenceIn):
    payment = services.payment_mark_paid_manual(
        payment=_payment(request, payment_id), actor=request.auth, reference=payload.reference
    )
    return _payment(request, payment.pk)


@router.post(
    "/payments/{payment_id}/sandbox-confirm",
    response=PaymentOut,
    summary="Sandbox: the simulated processor confirms a delayed charge (captures it)",
)
def payments_sandbox_confirm(request, payment_id: int):
    payment = services.payment_sandbox_confirm(
        payment=_payment(request, payment_id), actor=request.auth
    )
    return _payment(request, payment.pk)


@router.post(
    "/payments/{payment_id}/cancel",
    response=PaymentOut,
    summary="Cancel a payment that took no money yet (releases a card authorization)",
    description="The payment becomes `failed` and the order may be paid another way. "
    "A captured payment is refunded instead (409 `not_cancellable`).",
)
def payments_cancel(request, payment_id: int, payload: PaymentReasonIn):
    payment = services.payment_cancel(
        payment=_payment(request, payment_id), actor=request.auth, reason=payload.reason
    )
    return _payment(request, payment.pk)


@router.post(
    "/payments/{payment_id}/refunds",
    response={201: RefundResultOut},
    summary="Refund all or part of a captured payment, with a reason",
    description="Refusing more than captured minus refunded (and pending): 422 naming `amount`, "
    "with `extra.refundable`.",
)
def refunds_create(
    request,
    payment_id: int,
    payload: RefundIn,
    response: HttpResponse,
    idempotency_key: str | None = IDEMPOTENCY_KEY,
):
    refund, is_new = services.payment_refund(
        payment=_payment(request, payment_id),
        amount=payload.amount,
        reason=payload.reason,
        actor=request.auth,
        idempotency_key=idempotency_key,
    )
    if not is_new:
        response["Idempotent-Replayed"] = "true"
    refund = selectors.refund_get_for(actor=request.auth, refund_id=refund.pk)
    return created(response, f"/refunds/{refund.pk}", refund)


@router.get("/refunds/{refund_id}", response=RefundResultOut, summary="One refund")
def refunds_get(request, refund_id: int):
    return selectors.refund_get_for(actor=request.auth, refund_id=refund_id)


@router.post(
    "/refunds/{refund_id}/retry",
    response=RefundResultOut,
    summary="Ask the provider again about a pending refund (never refunds twice)",
)
def refunds_retry(request, refund_id: int):
    refund = services.refund_retry(
        refund=selectors.refund_get_for(actor=request.auth, refund_id=refund_id),
        actor=request.auth,
    )
    return selectors.refund_get_for(actor=request.auth, refund_id=refund.pk)


@router.post(
    "/orders/{number}/cancel-and-refund",
    response=CancelledOut,
    summary="Cancel an order and give its money back",
    description="Refunds everything captured and cancels payments not captured yet. "
    "`POST /api/orders/{number}/cancel` cancels without touching the money (a paid order then "
    "emits `payment.refund_due`).",
)
def orders_cancel_and_refund(request, number: str, payload: PaymentReasonIn):
    order, refunds = services.order_cancel_and_refund(
        order=order_get_for(actor=request.auth, number=number),
        actor=request.auth,
        reason=payload.reason,
    )
    return {
        "order_number": order.number,
        "order_status": order.status,
        "refunds": [
            selectors.refund_get_for(actor=request.auth, refund_id=refund.pk) for refund in refunds
        ],
    }
