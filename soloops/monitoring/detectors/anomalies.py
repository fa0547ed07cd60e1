"""Unusual days found by the analytics app: it emits ``analytics.anomaly_detected``; this reads
those events from the log (monitoring does not import analytics). Each fires one alert, which
resolves when the owner marks the day expected or after ``ALERT_ANOMALY_HOURS``."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from soloops.events.selectors import events_of_types_since
from soloops.monitoring.detectors import Finding

DETECTED, EXPECTED = "analytics.anomaly_detected", "analytics.anomaly_marked_expected"


def anomalies() -> list[Finding]:
    since = timezone.now() - timedelta(hours=settings.ALERT_ANOMALY_HOURS)
    events = events_of_types_since(types=[DETECTED, EXPECTED], since=since)
    expected = {
        (e.payload.get("day"), e.payload.get("metric")) for e in events if e.type == EXPECTED
    }
    found: dict[str, Finding] = {}
    for event in events:  # newest first: a day detected twice keeps its newest figures
        day, metric = event.payload.get("day"), event.payload.get("metric")
        key = f"anomaly:{metric}:{day}"
        if event.type != DETECTED or (day, metric) in expected or key in found:
            continue
        found[key] = Finding(
            key=key,
            severity="warning",
            title=_("Unusual %(metric)s on %(day)s: %(value)g (expected %(low)g to %(high)g)")
            % {
                "metric": metric,
                "day": day,
                "value": event.payload.get("value", 0),
                "low": event.payload.get("expected_low", 0),
                "high": event.payload.get("expected_high", 0),
            },
            detail=str(event.payload.get("explanation", ""))[:500],
        )
    return list(found.values())
