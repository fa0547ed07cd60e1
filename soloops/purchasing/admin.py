"""Purchase orders and reorder policies in the Django admin: to look at, never to edit.

Orders change only through the purchasing services (the API, flows), so that every change has
its event and every receipt its ledger movement.
"""

from django.contrib import admin

from soloops.purchasing.models import PurchaseOrder, PurchaseOrderLine, ReorderPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    fields = ["sku", "supplier_sku", "unit_cost", "quantity_ordered", "quantity_received"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "supplier", "status", "total", "expected_date", "created_at"]
    list_filter = ["status", "supplier"]
    list_select_related = ["supplier"]
    search_fields = ["=number", "supplier__name"]
    inlines = [LineInline]


@admin.register(ReorderPolicy)
class ReorderPolicyAdmin(ReadOnlyAdmin):
    list_display = ["variant", "reorder_point", "target_level", "preferred_supplier", "auto_send"]
    list_select_related = ["variant", "preferred_supplier"]
    search_fields = ["=variant__sku"]
