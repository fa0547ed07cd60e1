"""Event backlog: an event has waited for dispatch longer than the threshold (the relay hands
lost ones out again; this fires when that does not catch up)."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.events.selectors import dispatch_backlog
from soloops.monitoring.detectors import Finding


def event_backlog() -> list[Finding]:
    backlog = dispatch_backlog()
    limit = settings.ALERT_EVENT_BACKLOG_MINUTES
    if backlog.oldest_at is None:
        return []
    minutes = (timezone.now() - backlog.oldest_at).total_seconds() / 60
    if minutes < limit:
        return []
    return [
        Finding(
            key="event_backlog",
            severity="critical",
            title=_("%(count)d events wait for dispatch, the oldest for %(minutes)d minutes")
            % {"count": backlog.undispatched, "minutes": minutes},
            detail=_("Is a worker running and keeping up? Threshold: %(limit)g minutes.")
            % {"limit": limit},
        )
    ]
