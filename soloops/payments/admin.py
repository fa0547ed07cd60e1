"""Payments in the Django admin, read only: money moves through the services (and their
provider calls and events), never by editing a row."""

from django.contrib import admin

from soloops.payments.models import Payment, Refund, SandboxEntry, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ["amount", "reason", "status", "provider_reference", "failure_reason", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "provider", "status", "amount", "amount_refunded", "currency"]
    list_filter = ["provider", "status"]
    search_fields = ["order__number", "provider_reference"]
    list_select_related = ["order"]
    inlines = [RefundInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "provider", "type", "received_at", "processed_at", "error"]
    list_filter = ["provider", "type"]
    search_fields = ["event_id"]


@admin.register(SandboxEntry)
class SandboxEntryAdmin(ReadOnlyAdmin):
    list_display = ["reference", "operation", "charge_reference", "amount", "currency", "outcome"]
    list_filter = ["operation", "outcome"]
