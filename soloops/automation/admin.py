from django.contrib import admin

from soloops.automation.models import Delivery, Event, Schedule, ScheduleFiring


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "type",
        "subject_type",
        "subject_id",
        "actor_label",
        "created_at",
        "dispatched_at",
    ]
    list_filter = ["type"]
    search_fields = ["subject_id", "=correlation_id"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "handler", "status", "attempts", "updated_at"]
    list_filter = ["status"]


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "cron", "time_zone", "task_path", "enabled"]


@admin.register(ScheduleFiring)
class ScheduleFiringAdmin(admin.ModelAdmin):
    list_display = ["schedule", "slot", "fired_by", "created_at"]
