"""Disk nearly full: the disk holding var/ (the SQLite file, backups, mail) has less free
space than the threshold."""

import shutil

from django.conf import settings
from django.utils.translation import gettext as _

from soloops.monitoring.detectors import Finding


def disk_nearly_full() -> list[Finding]:
    usage = shutil.disk_usage(settings.VAR_DIR)
    free = 100 * usage.free / usage.total
    if free >= settings.ALERT_DISK_FREE_PERCENT:
        return []
    return [
        Finding(
            key="disk_nearly_full",
            severity="critical" if free < settings.ALERT_DISK_FREE_PERCENT / 2 else "warning",
            title=_("Only %(free).1f%% of the disk holding var/ is free") % {"free": free},
            detail=_("Delete old backups or logs, or grow the disk."),
        )
    ]
