"""Worker or scheduler silent: no process of the role has beaten within the threshold."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.monitoring.detectors import Finding
from soloops.monitoring.models import Heartbeat, ProcessRole


def process_silent() -> list[Finding]:
    seconds = settings.ALERT_PROCESS_SILENT_SECONDS
    cutoff = timezone.now() - timedelta(seconds=seconds)
    alive = set(Heartbeat.objects.filter(beat_at__gte=cutoff).values_list("role", flat=True))
    return [
        Finding(
            key=f"process_silent:{role}",
            severity="critical",
            title=_("No %(role)s has given a sign of life for %(seconds)d seconds")
            % {"role": str(label).lower(), "seconds": seconds},
            detail=_("Start it (soloops %(role)s), or check its service and logs.")
            % {"role": role},
        )
        for role, label in ProcessRole.choices
        if role not in alive
    ]
