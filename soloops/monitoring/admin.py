from django.contrib import admin

from soloops.monitoring.models import Heartbeat


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["role", "hostname", "pid", "beats", "started_at", "beat_at"]
