"""Stock, the ledger and reservations in the Django admin: to look at, never to edit.

Stock changes only through the inventory services (the API, the console, flows), so that every
change has its movement and event; an edit here would break ``on_hand == sum(movements)``.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from soloops.inventory.models import Location, Movement, Reservation, StockLevel


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Location)
class LocationAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "is_default"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["variant", "location", "on_hand", "reserved", "available", "updated_at"]
    list_filter = ["location"]
    list_select_related = ["variant", "location"]
    search_fields = ["=variant__sku", "variant__product__name"]

    @admin.display(description=_("available"))
    def available(self, obj) -> int:
        return obj.on_hand - obj.reserved


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "variant",
        "location",
        "kind",
        "quantity",
        "balance_after",
        "reason",
        "actor_label",
    ]
    list_filter = ["kind", "location"]
    list_select_related = ["variant", "location"]
    search_fields = ["=variant__sku", "reason", "reference_id"]
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = ["id", "stock", "order_line", "quantity", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["stock__variant", "stock__location", "order_line"]
    search_fields = ["=stock__variant__sku"]
