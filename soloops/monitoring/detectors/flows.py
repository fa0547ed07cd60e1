"""Flow runs failed (in the failed-runs inbox) or stalled (should have moved by now and have
not, though stalled runs are handed to a live worker by themselves)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.monitoring.detectors import SOURCES, Finding


def runs_failed() -> list[Finding]:
    failed = SOURCES["flow_runs_failed"]()
    if failed < settings.ALERT_RUNS_FAILED:
        return []
    return [
        Finding(
            key="runs_failed",
            severity="warning",
            title=_("%(count)d flow runs failed and wait in the failed-runs inbox")
            % {"count": failed},
            detail=_("Retry or skip them on the Flows page; each says why it failed."),
        )
    ]


def runs_stalled() -> list[Finding]:
    minutes = settings.ALERT_RUNS_STALLED_MINUTES
    stalled = SOURCES["flow_runs_stalled"](before=timezone.now() - timedelta(minutes=minutes))
    if not stalled["count"]:
        return []
    return [
        Finding(
            key="runs_stalled",
            severity="critical",
            title=_("%(count)d flow runs have not moved for more than %(minutes)g minutes")
            % {"count": stalled["count"], "minutes": minutes},
            detail=_("Are the worker and the scheduler running? Their logs say why."),
        )
    ]
