"""``/api/customers``: the list (search and filters, paged), one customer, and the writes —
create, edit, consent, tags, notes, merge, privacy export and erasure (owner only)."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse, HttpResponsePermanentRedirect
from ninja import Field, Query, Router, Schema, Status

from soloops.accounts.auth import api_auth
from soloops.api_input import Day, Email, Flag, In, Integer, Money
from soloops.api_output import API_ROOT, created
from soloops.customers import selectors, services
from soloops.customers.models import ConsentSource, RfmSegment
from soloops.errors import Conflict
from soloops.events.selectors import timeline_for
from soloops.pagination import PageOut, PageParams, paginate

router = Router(tags=["customers"])
PRIVACY = "customer.privacy"
LANGUAGE = "^(en|zh-hans)$"


class CustomerSummaryOut(Schema):
    id: int
    email: str = Field(
        description="ends in @customers.invalid for a customer known only by external_id: "
        "no address, never emailed"
    )
    external_id: str | None = Field(
        description="the customer's id on another platform, from an import (null: none)"
    )
    name: str
    phone: str
    language: str
    tags: list[str]
    segment: str = Field(description="the named RFM segment ('' before the first order)")
    rfm_recency: int
    rfm_frequency: int
    rfm_monetary: int
    marketing_consent: bool
    orders_count: int
    total_spent: Decimal
    last_order_at: datetime | None


class NoteOut(Schema):
    id: int
    text: str
    author: str
    created_at: datetime


class CustomerEventOut(Schema):
    type: str
    actor_kind: str
    actor_label: str
    payload: dict
    created_at: datetime


class CustomerOut(CustomerSummaryOut):
    shipping_address: dict
    billing_address: dict
    consent_at: datetime | None
    consent_source: str
    first_order_at: datetime | None
    erased_at: datetime | None
    created_at: datetime
    segment_since: datetime | None
    p_alive: float | None = Field(description="probability still a customer (BG/NBD)")
    expected_orders_90d: float | None
    expected_value_90d: Decimal | None
    segments: list[str] = Field([], description="the named segment, then saved segments' keys")
    notes: list[NoteOut] = []
    timeline: list[CustomerEventOut] = []


class CustomerPage(PageOut):
    items: list[CustomerSummaryOut]


class CustomerFiltersIn(PageParams):
    q: str | None = Field(
        None,
        max_length=254,
        description="a name, an email (or its start), a phone, an order number",
    )
    segment: str | None = Field(
        None, max_length=40, description="a named RFM segment (at_risk) or a saved segment's key"
    )
    tag: str | None = Field(None, max_length=40)
    min_spent: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    max_spent: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    last_order_from: Day | None = None
    last_order_to: Day | None = None
    consent: bool | None = None
    not_ordered_days: int | None = Field(None, ge=1, le=3650)
    language: str | None = Field(None, pattern=LANGUAGE)
    country: str | None = Field(None, pattern="^[A-Za-z]{2}$")
    bought_sku: str | None = Field(None, max_length=64)


class CustomerIn(In):
    email: Email = Field(min_length=3, max_length=254)
    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    language: str = Field("en", pattern=LANGUAGE)
    marketing_consent: Flag = False


class CustomerPatchIn(In):
    name: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    language: str | None = Field(None, pattern=LANGUAGE)


class ConsentIn(In):
    consent: Flag
    source: ConsentSource = ConsentSource.API


class TagIn(In):
    tag: str = Field(min_length=1, max_length=40)


class NoteIn(In):
    text: str = Field(min_length=1, max_length=5000)


class MergeIn(In):
    into: int = Field(ge=1, description="the customer who keeps everything")
    confirm: str = Field(max_length=254, description="the email of the customer merged away")


class ConfirmIn(In):
    confirm: str = Field(max_length=254, description="the customer's email, to confirm")


def _detail(customer) -> dict:
    data = CustomerOut.from_orm(customer).model_dump()
    data["notes"] = selectors.customer_notes(customer=customer)
    data["segments"] = selectors.customer_segments(customer=customer)
    data["timeline"] = timeline_for(subject_type="customers.customer", subject_id=customer.pk)
    return data


def _live(customer_id: int):
    """The customer, or for a merged-away record a redirect to the one that kept everything."""
    customer = selectors.customer_get(customer_id=customer_id)
    if customer.merged_into_id is not None:
        # 308: a client follows it with the same method (a PATCH stays a PATCH).
        return None, HttpResponsePermanentRedirect(
            f"{API_ROOT}/customers/{customer.merged_into_id}", preserve_request=True
        )
    return customer, None


@router.get("/customers", response=CustomerPage, summary="Customers, latest buyer first")
def customers_list(request, filters: Query[CustomerFiltersIn]):
    query = selectors.CustomerFilters(**filters.model_dump(exclude={"page", "page_size", "limit"}))
    return paginate(selectors.customers_list(query), filters)


@router.post("/customers", response={201: CustomerOut}, summary="Add a customer")
def customers_create(request, payload: CustomerIn, response: HttpResponse):
    customer = services.customer_create(
        actor=request.auth, consent_source=ConsentSource.API, **payload.model_dump()
    )
    return created(response, f"/customers/{customer.pk}", _detail(customer))


@router.get(
    "/customers/{customer_id}",
    response=CustomerOut,
    summary="One customer: contact, consent, totals, notes, timeline (merged: 308 to the keeper)",
)
def customers_get(request, customer_id: int):
    customer, redirect = _live(customer_id)
    return redirect or _detail(customer)


@router.patch("/customers/{customer_id}", response=CustomerOut)
def customers_update(request, customer_id: int, payload: CustomerPatchIn):
    customer = selectors.customer_get(customer_id=customer_id)
    changes = payload.model_dump(exclude_none=True)
    return _detail(services.customer_update(customer=customer, actor=request.auth, changes=changes))


@router.put("/customers/{customer_id}/consent", response=CustomerOut)
def customers_consent(request, customer_id: int, payload: ConsentIn):
    customer = selectors.customer_get(customer_id=customer_id)
    services.customer_consent_set(
        customer=customer, consent=payload.consent, source=payload.source, actor=request.auth
    )
    return _detail(selectors.customer_get(customer_id=customer_id))


@router.post("/customers/{customer_id}/tags", response=CustomerOut)
def customers_tag(request, customer_id: int, payload: TagIn):
    customer = selectors.customer_get(customer_id=customer_id)
    services.customer_tag(customer=customer, tag=payload.tag, actor=request.auth)
    return _detail(selectors.customer_get(customer_id=customer_id))


@router.delete("/customers/{customer_id}/tags/{tag}", response=CustomerOut)
def customers_untag(request, customer_id: int, tag: str):
    customer = selectors.customer_get(customer_id=customer_id)
    services.customer_tag(customer=customer, tag=tag, actor=request.auth, remove=True)
    return _detail(selectors.customer_get(customer_id=customer_id))


@router.post("/customers/{customer_id}/notes", response={201: NoteOut})
def customers_note(request, customer_id: int, payload: NoteIn, response: HttpResponse):
    customer = selectors.customer_get(customer_id=customer_id)
    note = services.customer_note_add(customer=customer, text=payload.text, actor=request.auth)
    return created(response, f"/customers/{customer.pk}", note)


@router.post("/customers/{customer_id}/merge", response=CustomerOut, auth=api_auth(PRIVACY))
def customers_merge(request, customer_id: int, payload: MergeIn):
    source = selectors.customer_get(customer_id=customer_id)
    target = selectors.customer_get(customer_id=payload.into)
    kept = services.customer_merge(
        source=source, target=target, actor=request.auth, confirm=payload.confirm
    )
    return _detail(kept)


@router.post("/customers/{customer_id}/export", response=dict, auth=api_auth(PRIVACY))
def customers_export(request, customer_id: int, payload: ConfirmIn):
    """Everything about the customer as JSON (an access request); the owner only."""
    customer = selectors.customer_get(customer_id=customer_id)
    return services.customer_export(customer=customer, actor=request.auth, confirm=payload.confirm)


@router.post("/customers/{customer_id}/erase", response=CustomerOut, auth=api_auth(PRIVACY))
def customers_erase(request, customer_id: int, payload: ConfirmIn):
    customer = selectors.customer_get(customer_id=customer_id)
    erased = services.customer_erase(customer=customer, actor=request.auth, confirm=payload.confirm)
    return _detail(erased)


# --- segments ---------------------------------------------------------------------------------


class RulesIn(In):
    min_spent: Money | None = Field(None, ge=0)
    max_spent: Money | None = Field(None, ge=0)
    tag: str | None = Field(None, max_length=40)
    rfm_segment: RfmSegment | None = None
    not_ordered_days: Integer | None = Field(None, ge=1, le=3650)
    language: str | None = Field(None, pattern=LANGUAGE)
    country: str | None = Field(None, pattern="^[A-Za-z]{2}$")
    bought_sku: str | None = Field(None, min_length=1, max_length=64)


class SegmentIn(In):
    name: str = Field(min_length=1, max_length=120)
    rules: RulesIn


class SegmentCreateIn(SegmentIn):
    key: str = Field(min_length=1, max_length=40, pattern="^[a-z0-9][a-z0-9_-]*$")


class SegmentOut(Schema):
    key: str
    name: str
    kind: str = Field(description="rfm (named, computed) or saved (the owner's filter)")
    rules: dict = {}
    customers: int


class SegmentList(Schema):
    items: list[SegmentOut]


def _saved(segment) -> dict:
    return {
        "key": segment.key,
        "name": segment.name,
        "kind": "saved",
        "rules": segment.rules,
        "customers": selectors.segment_members(segment=segment).count(),
    }


def _rules(payload: SegmentIn) -> dict:
    return payload.rules.model_dump(exclude_none=True, mode="json")


@router.get("/segments", response=SegmentList, summary="Named RFM segments and saved segments")
def segments_list(request):
    counts = selectors.segment_counts()
    named = [
        {"key": key, "name": str(label), "kind": "rfm", "customers": counts.get(key, 0)}
        for key, label in selectors.RFM_SEGMENTS
    ]
    return {"items": named + [_saved(s) for s in selectors.segments_list()]}


@router.post("/segments", response={201: SegmentOut}, summary="Save a segment (a filter)")
def segments_create(request, payload: SegmentCreateIn, response: HttpResponse):
    if selectors.segments_list().filter(key=payload.key).exists():
        raise Conflict("segment_exists", f"a segment {payload.key} exists", field="key")
    segment, _created = services.segment_save(
        key=payload.key, name=payload.name, rules=_rules(payload), actor=request.auth
    )
    return created(response, f"/segments/{segment.key}", _saved(segment))


@router.get("/segments/{key}", response=SegmentOut)
def segments_get(request, key: str):
    return _saved(selectors.segment_get(key=key))


@router.put("/segments/{key}", response=SegmentOut, summary="Change a saved segment")
def segments_update(request, key: str, payload: SegmentIn):
    segment = selectors.segment_get(key=key)
    segment, _created = services.segment_save(
        key=segment.key, name=payload.name, rules=_rules(payload), actor=request.auth
    )
    return _saved(segment)


@router.delete("/segments/{key}", response={204: None})
def segments_delete(request, key: str):
    services.segment_delete(segment=selectors.segment_get(key=key), actor=request.auth)
    return Status(204, None)


@router.get("/segments/{key}/customers", response=CustomerPage, summary="A segment's customers")
def segments_customers(request, key: str, page: Query[PageParams]):
    query = selectors.CustomerFilters(segment=key)
    if key not in {k for k, _label in selectors.RFM_SEGMENTS}:
        selectors.segment_get(key=key)  # 404 for an unknown key
    return paginate(selectors.customers_list(query), page)
