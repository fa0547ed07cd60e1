"""Read-only views for the owner: template edits go through the API, which checks the syntax,
and sends change only by being sent."""

from django.contrib import admin

from soloops.emails.models import EmailSend, EmailTemplate


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ReadOnly):
    list_display = ["key", "language", "subject", "updated_at"]
    list_filter = ["key", "language"]


@admin.register(EmailSend)
class EmailSendAdmin(ReadOnly):
    list_display = ["id", "template", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["=to", "subject_id", "=idempotency_key"]
