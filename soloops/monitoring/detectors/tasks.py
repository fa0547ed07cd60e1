"""Tasks failing repeatedly: more failed tasks in the last hour than the threshold."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.monitoring.detectors import Finding


def tasks_failing() -> list[Finding]:
    if settings.TASK_BACKEND != "db":
        return []  # Celery keeps its results elsewhere
    from django_tasks_db.models import DBTaskResult

    since = timezone.now() - timedelta(hours=1)
    failed = DBTaskResult.objects.filter(status="FAILED", finished_at__gte=since).count()
    if failed < settings.ALERT_TASKS_FAILED_PER_HOUR:
        return []
    return [
        Finding(
            key="tasks_failing",
            severity="warning",
            title=_("%(count)d tasks failed in the last hour") % {"count": failed},
            detail=_("The worker's log says why."),
        )
    ]
