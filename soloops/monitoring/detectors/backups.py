"""Backup overdue: the newest backup is older than the threshold, or the nightly backup was
claimed and none has been written since."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.monitoring.detectors import Finding
from soloops.monitoring.models import BackupRecord, BackupSlot


def backup_overdue() -> list[Finding]:
    if settings.BACKUP_HOUR is None:
        return []  # backups are the owner's own business then
    hours = settings.ALERT_BACKUP_OVERDUE_HOURS
    cutoff = timezone.now() - timedelta(hours=hours)
    newest = BackupRecord.objects.order_by("-created_at").values_list("created_at", flat=True)
    last = newest.first()
    if last is None:
        # Never backed up: overdue once a night was claimed longer ago than the threshold.
        first_try = BackupSlot.objects.order_by("created_at").values_list("created_at", flat=True)
        since = first_try.first()
        if since is None or since > cutoff:
            return []
    elif last > cutoff:
        return []
    return [
        Finding(
            key="backup_overdue",
            severity="critical",
            title=_("No backup for more than %(hours)g hours") % {"hours": hours},
            detail=_("Run soloops backup and read the scheduler's log for backup.failed."),
        )
    ]
