"""Shipments in the Django admin: to look at, never to edit.

A shipment changes only through the fulfillment services, so that shipping turns reservations
into sale movements and every change has its event.
"""

from django.contrib import admin

from soloops.fulfillment.models import Shipment, ShipmentLine


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    fields = ["order_line", "quantity"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "order",
        "status",
        "carrier",
        "service",
        "tracking_number",
        "created_at",
    ]
    list_filter = ["status", "carrier"]
    list_select_related = ["order"]
    search_fields = ["=number", "=order__number", "=tracking_number"]
    exclude = ["label", "request_hash"]
    inlines = [ShipmentLineInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
