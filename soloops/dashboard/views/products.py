"""Products and stock: every SKU with its stock, a SKU's ledger and adjustments, its reorder
policy, and the suppliers that sell to us.

Viewers read; staff add products and adjust stock; the owner configures suppliers and reorder
policies. Every write goes through the catalog, inventory or purchasing services.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soloops.catalog.selectors import (
    supplier_items_for,
    supplier_with_items,
    suppliers_with_item_counts,
    variant_get,
)
from soloops.catalog.services import (
    product_catalog_create,
    supplier_create,
    supplier_item_set,
    supplier_update,
)
from soloops.dashboard.access import STAFF, console_view, role_for
from soloops.dashboard.forms.products import (
    ADJUST_MESSAGES,
    POLICY_FIELDS,
    SUPPLIER_MESSAGES,
    ProductCreateForm,
    ProductFilterForm,
    ReorderPolicyForm,
    StockAdjustForm,
    SupplierForm,
    SupplierItemForm,
    attach_service_error,
)
from soloops.dashboard.paging import Page, page_of
from soloops.errors import ApplicationError, NotFound
from soloops.inventory.selectors import ledger_for, stock_levels
from soloops.inventory.services import stock_change, stock_count
from soloops.orders.selectors import order_numbers
from soloops.purchasing.selectors import (
    OnOrder,
    on_order_by_variant,
    reorder_policy_for,
    sku_stock_list,
)
from soloops.purchasing.services import reorder_policy_set

# "On order" counts sent purchase orders only; drafts are shown apart (not sent yet).
NOTHING_ON_ORDER = OnOrder()
SECTION = "products"
LEDGER_PER_PAGE = 25  # a year of sales would push the rest of the SKU page far down

# --- the list -------------------------------------------------------------------------------


@console_view()
def index(request):
    """Every SKU with its stock; staff add a product here (POST)."""
    create_form = ProductCreateForm()
    status = 200
    if request.method == "POST":
        create_form = ProductCreateForm(request.POST)
        if create_form.is_valid():
            created = _product_create(request, create_form)
            if created:
                return redirect("dashboard:variant", sku=created)
        status = 400
    filters = ProductFilterForm(request.GET)
    page = page_of(sku_stock_list(**filters.values()), request)
    if page.items:
        on_order = on_order_by_variant([row.pk for row in page.items])
        for row in page.items:
            row.on_order = on_order.get(row.pk, NOTHING_ON_ORDER)
    context = {
        "section": SECTION,
        "filters": filters,
        "page": page,
        "create_form": create_form,
    }
    return render(request, "dashboard/products/list.html", context, status=status)


def _product_create(request, form: ProductCreateForm) -> str | None:
    data = form.cleaned_data
    try:
        product = product_catalog_create(
            # A name in another script slugifies to nothing: the SKU names the product then.
            product={"name": data["name"], "slug": slugify(data["name"]) or slugify(data["sku"])},
            variants=[
                {
                    "sku": data["sku"],
                    "price": data["price"],
                    "low_stock_threshold": data["low_stock_threshold"],
                }
            ],
            actor=request.actor,
        )
    except ApplicationError as e:
        attach_service_error(
            form,
            e,
            fields={"variants[0].sku": "sku", "variants[0].price": "price", "slug": "name"},
            messages={
                "duplicate_sku": _("Another SKU already has this code."),
                "duplicate_slug": _("A product with a name like this exists already."),
            },
        )
        return None
    messages.success(
        request,
        _("Product %(name)s added with SKU %(sku)s. Receive its first stock below.")
        % {"name": product.name, "sku": data["sku"].strip()},
    )
    return data["sku"].strip()


# --- one SKU --------------------------------------------------------------------------------


def _variant_or_404(sku: str):
    try:
        return variant_get(sku=sku)
    except NotFound:
        raise Http404(sku) from None


def _adjust_form(data, stock_rows) -> StockAdjustForm:
    return StockAdjustForm(
        data, locations=[(row.location_id, row.location.display_name) for row in stock_rows]
    )


def _policy_form(data, variant, policy, items) -> ReorderPolicyForm:
    suppliers = [(item.supplier_id, item.supplier.name) for item in items]
    initial = None
    if data is None:
        saved_point = policy.reorder_point_source == "policy"
        saved_target = policy.target_level_source == "policy"
        initial = {
            "reorder_point": policy.reorder_point if saved_point else None,
            "target_level": policy.target_level if saved_target else None,
            "preferred_supplier": policy.preferred_supplier_id,
            "auto_send": policy.auto_send,
        }
    return ReorderPolicyForm(
        data, initial=initial, suppliers=suppliers, threshold=variant.low_stock_threshold
    )


def _ledger_page(request, variant) -> tuple[Page, list[tuple]]:
    """A page of the SKU's ledger, newest first, and its rows as (movement, order number): a
    sale's reference is the order's id, shown as its number and linked (one query a page)."""
    ledger = page_of(
        ledger_for(variant_id=variant.pk).order_by("-id"), request, per_page=LEDGER_PER_PAGE
    )
    refs = [m.reference_id for m in ledger.items if m.reference_type == "orders.order"]
    numbers = order_numbers(ids=refs) if refs else {}
    return ledger, [(m, numbers.get(m.reference_id, "")) for m in ledger.items]


def _variant_page(request, variant, *, adjust_form=None, policy_form=None, status=200):
    stock_rows = list(stock_levels(sku=variant.sku))
    items = list(supplier_items_for(variant=variant))
    policy = reorder_policy_for(variant=variant)
    ledger, ledger_rows = _ledger_page(request, variant)
    on_hand = sum(row.on_hand for row in stock_rows)
    reserved = sum(row.reserved for row in stock_rows)
    context = {
        "section": SECTION,
        "variant": variant,
        "stock_rows": stock_rows,
        "on_hand": on_hand,
        "reserved": reserved,
        "available": on_hand - reserved,
        "on_order": on_order_by_variant([variant.pk]).get(variant.pk, NOTHING_ON_ORDER),
        "ledger": ledger,
        "ledger_rows": ledger_rows,
        "items": items,
        "policy": policy,
        "adjust_form": adjust_form or _adjust_form(None, stock_rows),
        "policy_form": policy_form or _policy_form(None, variant, policy, items),
        "multi_location": len(stock_rows) > 1,
    }
    return render(request, "dashboard/products/variant.html", context, status=status)


@console_view()
def variant_detail(request, sku: str):
    return _variant_page(request, _variant_or_404(sku))


@console_view(STAFF)
@require_POST
def variant_adjust(request, sku: str):
    """Change on-hand stock by a signed quantity, or set it to what a count found."""
    variant = _variant_or_404(sku)
    stock_rows = list(stock_levels(sku=variant.sku))
    form = _adjust_form(request.POST, stock_rows)
    if form.is_valid():
        data = form.cleaned_data
        location = next(
            (row.location for row in stock_rows if row.location_id == data.get("location")), None
        )
        try:
            if data["mode"] == "count":
                movement = stock_count(
                    variant=variant,
                    counted=data["quantity"],
                    reason=data["reason"],
                    location=location,
                    actor=request.actor,
                )
            else:
                movement = stock_change(
                    variant=variant,
                    quantity=data["quantity"],
                    kind="adjustment",
                    reason=data["reason"],
                    location=location,
                    actor=request.actor,
                )
        except ApplicationError as e:
            attach_service_error(form, e, fields={"counted": "quantity"}, messages=ADJUST_MESSAGES)
        else:
            if movement is None:
                messages.info(
                    request,
                    _("The count matches what is on hand (%(sku)s): nothing changed.")
                    % {"sku": variant.sku},
                )
            else:
                messages.success(
                    request,
                    _("Stock of %(sku)s changed by %(change)s: %(on_hand)s now on hand.")
                    % {
                        "sku": variant.sku,
                        "change": f"{movement.quantity:+d}",
                        "on_hand": movement.balance_after,
                    },
                )
            return redirect("dashboard:variant", sku=variant.sku)
    return _variant_page(request, variant, adjust_form=form, status=400)


@console_view(role_for("reorder_policy.set"))
@require_POST
def variant_policy(request, sku: str):
    """Set how the SKU is reordered (configuration: the owner)."""
    variant = _variant_or_404(sku)
    items = list(supplier_items_for(variant=variant))
    form = _policy_form(request.POST, variant, None, items)
    if form.is_valid():
        try:
            reorder_policy_set(variant=variant, actor=request.actor, **form.service_values())
        except ApplicationError as e:
            attach_service_error(form, e, fields=POLICY_FIELDS)
        else:
            messages.success(request, _("Reorder policy of %(sku)s saved.") % {"sku": variant.sku})
            return redirect("dashboard:variant", sku=variant.sku)
    return _variant_page(request, variant, policy_form=form, status=400)


# --- suppliers ------------------------------------------------------------------------------


@console_view()
def suppliers(request):
    context = {"section": SECTION, "page": page_of(suppliers_with_item_counts(), request)}
    return render(request, "dashboard/products/suppliers.html", context)


def _supplier_or_404(pk: int):
    try:
        return supplier_with_items(supplier_id=pk)
    except NotFound:
        raise Http404(str(pk)) from None


def _supplier_page(request, supplier, *, item_form=None, status=200):
    context = {
        "section": SECTION,
        "supplier": supplier,
        "items": list(supplier.items.all()),
        "item_form": item_form or SupplierItemForm(),
    }
    return render(request, "dashboard/products/supplier.html", context, status=status)


@console_view()
def supplier_detail(request, pk: int):
    return _supplier_page(request, _supplier_or_404(pk))


@console_view(role_for("supplier.change"))
def supplier_new(request):
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = supplier_create(actor=request.actor, **form.cleaned_data)
        except ApplicationError as e:
            attach_service_error(form, e, messages=SUPPLIER_MESSAGES)
        else:
            messages.success(request, _("Supplier %(name)s added.") % {"name": supplier.name})
            return redirect("dashboard:supplier", pk=supplier.pk)
    return _supplier_form_page(request, form, None)


@console_view(role_for("supplier.change"))
def supplier_edit(request, pk: int):
    supplier = _supplier_or_404(pk)
    initial = {
        "name": supplier.name,
        "email": supplier.email,
        "lead_time_days": supplier.lead_time_days,
        "min_order_quantity": supplier.min_order_quantity,
    }
    form = SupplierForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            supplier = supplier_update(supplier=supplier, actor=request.actor, **form.cleaned_data)
        except ApplicationError as e:
            attach_service_error(form, e, messages=SUPPLIER_MESSAGES)
        else:
            messages.success(request, _("Supplier %(name)s saved.") % {"name": supplier.name})
            return redirect("dashboard:supplier", pk=supplier.pk)
    return _supplier_form_page(request, form, supplier)


def _supplier_form_page(request, form, supplier):
    context = {"section": SECTION, "form": form, "supplier": supplier}
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dashboard/products/supplier_form.html", context, status=status)


@console_view(role_for("supplier.change"))
@require_POST
def supplier_item(request, pk: int):
    """Add (or change) what the supplier sells us for one SKU."""
    supplier = _supplier_or_404(pk)
    form = SupplierItemForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            variant = variant_get(sku=data["sku"].strip())
            supplier_item_set(
                supplier=supplier,
                variant=variant,
                supplier_sku=data["supplier_sku"].strip(),
                unit_cost=data["unit_cost"],
                actor=request.actor,
            )
        except ApplicationError as e:
            attach_service_error(
                form, e, messages={"not_found": _("There is no SKU with this code.")}
            )
        else:
            messages.success(
                request,
                _("%(supplier)s now sells us %(sku)s.")
                % {"supplier": supplier.name, "sku": variant.sku},
            )
            return redirect(reverse("dashboard:supplier", args=[supplier.pk]))
    return _supplier_page(request, supplier, item_form=form, status=400)


urlpatterns = [
    path("products/", index, name="products"),
    path("products/<str:sku>/", variant_detail, name="variant"),
    path("products/<str:sku>/adjust/", variant_adjust, name="variant_adjust"),
    path("products/<str:sku>/reorder-policy/", variant_policy, name="variant_policy"),
    path("suppliers/", suppliers, name="suppliers"),
    path("suppliers/new/", supplier_new, name="supplier_new"),
    path("suppliers/<int:pk>/", supplier_detail, name="supplier"),
    path("suppliers/<int:pk>/edit/", supplier_edit, name="supplier_edit"),
    path("suppliers/<int:pk>/items/", supplier_item, name="supplier_item"),
]
