from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from soloops.accounts.models import ApiToken, User


@admin.register(User)
class SoloOpsUserAdmin(UserAdmin):
    list_display = ["username", "email", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    fieldsets = [*UserAdmin.fieldsets, ("SoloOps", {"fields": ["role", "language"]})]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scope", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    # Tokens are issued and revoked through the services (so the events are recorded).
    readonly_fields = [f.name for f in ApiToken._meta.fields]

    def has_add_permission(self, request):
        return False
