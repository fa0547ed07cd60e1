"""The catalog in the Django admin: editable, but every save goes through the catalog services.

So an admin edit records its event (with the user as actor) and a new variant gets its stock
row, exactly as through the API. Nothing is deleted here: products and variants have stock and
a ledger (deactivate them instead); suppliers have no delete service.
"""

from django.contrib import admin

from soloops.accounts.actors import Actor
from soloops.catalog import services
from soloops.catalog.models import Product, Supplier, SupplierItem, Variant


def _changes(form, fields: set[str]) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in fields}


def _adopt(obj, saved) -> None:
    """Make the admin's unsaved ``obj`` the row the service saved (for the redirect and log)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False


class NoDeleteAdmin(admin.ModelAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


class VariantInline(admin.TabularInline):
    """The product's variants at a glance; each is edited on its own page."""

    model = Variant
    fields = ["sku", "name", "price", "currency", "active", "low_stock_threshold"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Product)
class ProductAdmin(NoDeleteAdmin):
    list_display = ["name", "slug", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["name", "slug", "=variants__sku"]
    fields = ["name", "slug", "description", "active"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [VariantInline]

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if change:
            services.product_update(
                product=obj, actor=actor, **_changes(form, services.PRODUCT_FIELDS)
            )
        else:
            data = form.cleaned_data
            _adopt(
                obj,
                services.product_create(
                    name=data["name"],
                    slug=data["slug"],
                    description=data["description"],
                    active=data["active"],
                    actor=actor,
                ),
            )


@admin.register(Variant)
class VariantAdmin(NoDeleteAdmin):
    list_display = ["sku", "product", "name", "price", "currency", "active", "low_stock_threshold"]
    list_filter = ["active", "requires_shipping"]
    list_select_related = ["product"]
    search_fields = ["sku", "name", "product__name"]
    autocomplete_fields = ["product"]
    fields = [
        "product",
        "sku",
        "name",
        "price",
        "currency",
        "weight_grams",
        "requires_shipping",
        "active",
        "low_stock_threshold",
    ]
    readonly_fields = ["currency"]  # always the shop currency

    def get_readonly_fields(self, request, obj=None):
        # A variant stays with its product; its stock and ledger belong to it.
        return [*self.readonly_fields, "product"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if change:
            services.variant_update(
                variant=obj, actor=actor, **_changes(form, services.VARIANT_FIELDS)
            )
        else:
            data = form.cleaned_data
            extra = {k: data[k] for k in services.VARIANT_FIELDS - {"sku", "price"}}
            _adopt(
                obj,
                services.variant_create(
                    product=data["product"],
                    sku=data["sku"],
                    price=data["price"],
                    actor=actor,
                    **extra,
                ),
            )


class SupplierItemInline(admin.TabularInline):
    model = SupplierItem
    fields = ["variant", "supplier_sku", "unit_cost", "currency"]
    readonly_fields = ["currency"]
    autocomplete_fields = ["variant"]
    extra = 1
    can_delete = False


@admin.register(Supplier)
class SupplierAdmin(NoDeleteAdmin):
    list_display = ["name", "email", "lead_time_days", "min_order_quantity"]
    search_fields = ["name", "email"]
    fields = ["name", "email", "lead_time_days", "min_order_quantity"]
    inlines = [SupplierItemInline]

    def save_model(self, request, obj, form, change):
        actor = Actor.for_user(request.user)
        if change:
            services.supplier_update(
                supplier=obj, actor=actor, **_changes(form, services.SUPPLIER_FIELDS)
            )
        else:
            data = form.cleaned_data
            extra = {k: data[k] for k in services.SUPPLIER_FIELDS - {"name", "email"}}
            _adopt(
                obj,
                services.supplier_create(
                    name=data["name"], email=data["email"], actor=actor, **extra
                ),
            )

    def save_formset(self, request, form, formset, change):
        actor = Actor.for_user(request.user)
        # What the admin's change message reads from a formset that saved itself.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for item_form in formset.forms:
            if not item_form.has_changed() or not item_form.cleaned_data:
                continue
            data = item_form.cleaned_data
            item = services.supplier_item_set(
                supplier=form.instance,
                variant=data["variant"],
                supplier_sku=data["supplier_sku"],
                unit_cost=data["unit_cost"],
                actor=actor,
            )
            if item_form.instance.pk:
                formset.changed_objects.append((item, item_form.changed_data))
            else:
                formset.new_objects.append(item)
