"""The customers section: the list (search, filters, paged) and one customer with everything
about them — contact, consent, tags, notes, orders with totals, refunds, emails sent, a place
for conversations, the timeline — and the owner's privacy actions (export, merge, erase)."""

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.customers import services
from soloops.customers.selectors import (
    RFM_SEGMENTS,
    customer_get,
    customer_get_by_email,
    customer_notes,
    customer_segments,
    customers_list,
    segment_counts,
    segment_members,
    segments_list,
)
from soloops.dashboard import timeline
from soloops.dashboard.access import console_view, has_role, role_for
from soloops.dashboard.forms.customers import (
    ConfirmEmailForm,
    ConsentForm,
    ContactForm,
    CustomerFiltersForm,
    MergeForm,
    NoteForm,
    SegmentForm,
    TagForm,
)
from soloops.dashboard.paging import page_of
from soloops.emails.selectors import SendFilters, emails_list
from soloops.errors import ApplicationError, NotFound
from soloops.events.selectors import timeline_for_subjects
from soloops.marketing.selectors import recommendations_for_customer
from soloops.orders.selectors import ORDER_STATUSES, OrderFilters, orders_list
from soloops.payments.selectors import refunds_for_orders
from soloops.shop.selectors import shop_currency
from soloops.support.selectors import ConversationFilters, conversations_list

LIST = "dashboard/customers/list.html"
DETAIL = "dashboard/customers/detail.html"
SEGMENTS = "dashboard/customers/segments.html"
ORDERS_SHOWN = 50
EMAILS_SHOWN = 50
PRIVACY = role_for("customer.privacy")


@console_view()
def index(request):
    form = CustomerFiltersForm(request.GET or None)
    form.is_valid()  # an invalid filter is shown beside its field and not applied
    page = page_of(customers_list(form.filters()), request)
    return render(
        request,
        LIST,
        {
            "section": "customers",
            "form": form,
            "page": page,
            "filtered": form.is_bound and form.active,
            "currency": shop_currency(),
        },
    )


def _customer_or_404(customer_id: int):
    try:
        return customer_get(customer_id=customer_id)
    except NotFound:
        raise Http404(_("No such customer.")) from None


def _forms(customer, bound: tuple[str, object] | None = None) -> dict:
    forms = {
        "contact": ContactForm(
            initial={"name": customer.name, "phone": customer.phone, "language": customer.language},
            prefix="contact",
        ),
        "consent": ConsentForm(
            initial={"consent": "yes" if customer.marketing_consent else "no"}, prefix="consent"
        ),
        "tag": TagForm(prefix="tag"),
        "note": NoteForm(prefix="note"),
        "export": ConfirmEmailForm(prefix="export"),
        "merge": MergeForm(prefix="merge"),
        "erase": ConfirmEmailForm(prefix="erase"),
    }
    if bound is not None:
        forms[bound[0]] = bound[1]
    return forms


CONVERSATIONS_SHOWN = 10


def _detail_context(request, customer, bound=None) -> dict:
    """Everything the customer page shows, in a fixed number of queries however many orders,
    refunds, emails and events the customer has."""
    statuses = {value: str(label) for value, label in ORDER_STATUSES}
    orders = list(orders_list(OrderFilters(customer_id=customer.pk))[:ORDERS_SHOWN])
    for order in orders:
        order.status_label = statuses.get(order.status, order.status)
    order_ids = [o.pk for o in orders]
    emails = list(emails_list(SendFilters(to=customer.email))[:EMAILS_SHOWN])
    events = timeline_for_subjects(
        subjects={"customers.customer": [customer.pk], "orders.order": order_ids}
    )
    return {
        "section": "customers",
        "customer": customer,
        "currency": shop_currency(),
        "orders": orders,
        "more_orders": customer.orders_count > len(orders),
        "refunds": refunds_for_orders(order_ids=order_ids),
        "emails": emails,
        "notes": customer_notes(customer=customer),
        "conversations": list(
            conversations_list(ConversationFilters(email=customer.email))[:CONVERSATIONS_SHOWN]
        ),
        "segment_label": dict(RFM_SEGMENTS).get(customer.segment, ""),
        "p_alive_percent": round(customer.p_alive * 100) if customer.p_alive is not None else None,
        "saved_segments": [
            s for s in customer_segments(customer=customer) if s != customer.segment
        ],
        "timeline": timeline.entries(events),
        "suggestions": recommendations_for_customer(customer.pk, limit=4),
        "forms": _forms(customer, bound),
        "can_privacy": has_role(request.actor, PRIVACY),
    }


@console_view()
def detail(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    if customer.merged_into_id is not None:
        messages.info(
            request,
            _("Customer %(email)s was merged into this one.") % {"email": customer.email},
        )
        return redirect("dashboard:customer", customer.merged_into_id)
    return render(request, DETAIL, _detail_context(request, customer))


# --- changes ----------------------------------------------------------------------------------


def _contact(request, customer, data):
    services.customer_update(customer=customer, actor=request.actor, changes=data)
    return _("Contact details saved.")


def _consent(request, customer, data):
    changed = services.customer_consent_set(
        customer=customer, consent=data["consent"], source="console", actor=request.actor
    )
    if not changed:
        return _("Nothing changed.")
    return (
        _("Opted in to marketing email.") if data["consent"] else _("Opted out of marketing email.")
    )


def _tag(request, customer, data):
    services.customer_tag(customer=customer, tag=data["tag"], actor=request.actor)
    return _("Tag %(tag)s added.") % {"tag": data["tag"].lower()}


def _note(request, customer, data):
    services.customer_note_add(customer=customer, text=data["text"], actor=request.actor)
    return _("Note kept.")


# action -> (its form, what it does); every one needs staff (a POST in the console)
CHANGES = {
    "contact": (ContactForm, _contact),
    "consent": (ConsentForm, _consent),
    "tag": (TagForm, _tag),
    "note": (NoteForm, _note),
}


@console_view()
@require_POST
def change(request, customer_id: int, action: str):
    """One change to the customer (staff and owner). Bad input: the page again with the error
    beside the field (400), nothing changed."""
    if action not in CHANGES:
        raise Http404(_("No such action."))
    form_class, run = CHANGES[action]
    customer = _customer_or_404(customer_id)
    form = form_class(request.POST, prefix=action)
    if form.is_valid():
        try:
            done = run(request, customer, form.cleaned_data)
        except ApplicationError as error:
            _error_on(form, error)
        else:
            messages.success(request, done)
            return redirect("dashboard:customer", customer.pk)
    return render(request, DETAIL, _detail_context(request, customer, (action, form)), status=400)


@console_view()
@require_POST
def untag(request, customer_id: int, tag: str):
    customer = _customer_or_404(customer_id)
    try:
        services.customer_tag(customer=customer, tag=tag, actor=request.actor, remove=True)
    except ApplicationError as error:
        messages.error(request, _("Nothing was changed: %(error)s") % {"error": error.message})
    else:
        messages.success(request, _("Tag %(tag)s removed.") % {"tag": tag})
    return redirect("dashboard:customer", customer.pk)


def _error_on(form, error: ApplicationError) -> None:
    """The service's error beside the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


# --- privacy (the owner) ----------------------------------------------------------------------


@console_view(PRIVACY)
@require_POST
def export(request, customer_id: int):
    """Everything about the customer as a JSON download, once the owner typed their email."""
    customer = _customer_or_404(customer_id)
    form = ConfirmEmailForm(request.POST, prefix="export")
    if form.is_valid():
        try:
            data = services.customer_export(
                customer=customer, actor=request.actor, confirm=form.cleaned_data["confirm"]
            )
        except ApplicationError as error:
            _error_on(form, error)
        else:
            body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            return HttpResponse(
                body,
                content_type="application/json; charset=utf-8",
                headers={
                    "Content-Disposition": f'attachment; filename="customer-{customer.pk}.json"',
                    "Cache-Control": "private, no-store",  # personal data
                },
            )
    return render(request, DETAIL, _detail_context(request, customer, ("export", form)), status=400)


@console_view(PRIVACY)
@require_POST
def merge(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = MergeForm(request.POST, prefix="merge")
    if form.is_valid():
        try:
            target = customer_get_by_email(form.cleaned_data["into"])
            kept = services.customer_merge(
                source=customer,
                target=target,
                actor=request.actor,
                confirm=form.cleaned_data["confirm"],
            )
        except ApplicationError as error:
            if error.field == "customer":
                error.field = "into"
            _error_on(form, error)
        else:
            messages.success(
                request,
                _("%(source)s was merged into %(target)s: orders, notes and history moved.")
                % {"source": customer.email, "target": kept.email},
            )
            return redirect("dashboard:customer", kept.pk)
    return render(request, DETAIL, _detail_context(request, customer, ("merge", form)), status=400)


@console_view(PRIVACY)
@require_POST
def erase(request, customer_id: int):
    customer = _customer_or_404(customer_id)
    form = ConfirmEmailForm(request.POST, prefix="erase")
    if form.is_valid():
        try:
            services.customer_erase(
                customer=customer, actor=request.actor, confirm=form.cleaned_data["confirm"]
            )
        except ApplicationError as error:
            _error_on(form, error)
        else:
            messages.success(
                request,
                _("The customer's personal data was erased; their orders and money stay."),
            )
            return redirect("dashboard:customer", customer.pk)
    return render(request, DETAIL, _detail_context(request, customer, ("erase", form)), status=400)


# --- segments ---------------------------------------------------------------------------------


def _segments_context(form: SegmentForm) -> dict:
    counts = segment_counts()
    saved = list(segments_list())
    for segment in saved:
        segment.members = segment_members(segment=segment).count()
    return {
        "section": "customers",
        "named": [(key, label, counts.get(key, 0)) for key, label in RFM_SEGMENTS],
        "saved": saved,
        "form": form,
    }


@console_view()
def segments(request):
    """The named RFM segments with how many customers each holds, the owner's saved segments,
    and a form to save a new one (staff)."""
    if request.method == "POST":
        form = SegmentForm(request.POST)
        if form.is_valid():
            try:
                segment, _created = services.segment_save(
                    key=form.cleaned_data["key"],
                    name=form.cleaned_data["name"],
                    rules=form.rules(),
                    actor=request.actor,
                )
            except ApplicationError as error:
                if error.field and error.field.startswith("rules."):
                    error.field = error.field.removeprefix("rules.")
                _error_on(form, error)
            else:
                messages.success(request, _("Segment %(name)s saved.") % {"name": segment.name})
                return redirect(f"{reverse('dashboard:customers')}?segment={segment.key}")
        return render(request, SEGMENTS, _segments_context(form), status=400)
    return render(request, SEGMENTS, _segments_context(SegmentForm()))


urlpatterns = [
    path("customers/", index, name="customers"),
    path("customers/segments/", segments, name="customer_segments"),
    path("customers/<int:customer_id>/", detail, name="customer"),
    path("customers/<int:customer_id>/export/", export, name="customer_export"),
    path("customers/<int:customer_id>/merge/", merge, name="customer_merge"),
    path("customers/<int:customer_id>/erase/", erase, name="customer_erase"),
    path("customers/<int:customer_id>/tags/<slug:tag>/remove/", untag, name="customer_untag"),
    path("customers/<int:customer_id>/<slug:action>/", change, name="customer_change"),
]
