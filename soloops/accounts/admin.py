from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from soloops.accounts.models import ApiToken, TwoFactor, User


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


@admin.register(TwoFactor)
class TwoFactorAdmin(admin.ModelAdmin):
    """Only to remove a person's second factor when their phone and recovery codes are lost
    (they set it up again from Settings > Two-factor); nothing here shows the secret."""

    list_display = ["user", "confirmed_at", "updated_at"]
    fields = ["user", "confirmed_at"]
    readonly_fields = ["user", "confirmed_at"]

    def has_add_permission(self, request):
        return False
