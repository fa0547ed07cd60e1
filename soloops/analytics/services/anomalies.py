"""Anomalies: scoring a day against the same weekdays before, and the owner marking one
expected."""

from datetime import date, timedelta

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.analytics import anomalies, selectors
from soloops.analytics.models import Anomaly
from soloops.analytics.services.facts import shop_today
from soloops.errors import NotFound
from soloops.events.services import event_emit
from soloops.shop.selectors import shop_zone


def _explain(finding: anomalies.Finding, day: date) -> str:
    """For flows and emails (data, in English): "orders_placed 23 vs usually 61-88 on a
    Tuesday"."""
    return (
        f"{finding.metric} {finding.value:g} vs usually {finding.expected_low:g}-"
        f"{finding.expected_high:g} on a {day.strftime('%A')}"
    )


def anomalies_detect(*, actor: Actor, day: date | None = None) -> list[Anomaly]:
    """Score ``day`` (default yesterday, the last whole day) against the same weekday of the
    five weeks before, leaving out days that had an anomaly; record each new anomaly with an
    ``analytics.anomaly_detected`` event. Running it again for the same day records nothing
    new."""
    day = day or shop_today(shop_zone()) - timedelta(days=1)
    since = day - timedelta(weeks=anomalies.WEEKS)
    values = {
        row["day"]: row
        for row in selectors.daily_facts_list(since=since, until=day).values(
            "day", *anomalies.METRICS
        )
    }
    # Days with an anomaly (marked expected or not) are no baseline for the days after.
    skip = set(Anomaly.objects.filter(day__gte=since, day__lt=day).values_list("day", flat=True))
    found = anomalies.score_day(day, values, skip)
    recorded = []
    with transaction.atomic():
        known = set(Anomaly.objects.filter(day=day).values_list("metric", flat=True))
        for finding in found:
            if finding.metric in known:
                continue
            row = Anomaly.objects.create(
                day=day,
                metric=finding.metric,
                value=finding.value,
                expected_low=finding.expected_low,
                expected_high=finding.expected_high,
                z=finding.z,
                direction=finding.direction,
            )
            event_emit(
                type="analytics.anomaly_detected",
                subject=row,
                payload={
                    "day": day.isoformat(),
                    "metric": finding.metric,
                    "value": finding.value,
                    "expected_low": finding.expected_low,
                    "expected_high": finding.expected_high,
                    "direction": finding.direction,
                    "z": round(finding.z, 2),
                    "explanation": _explain(finding, day),
                },
                actor=actor,
            )
            recorded.append(row)
    return recorded


def anomaly_mark_expected(*, anomaly_id: int, actor: Actor) -> Anomaly:
    """The owner says the day was expected (a holiday, a promotion): it is no alarm, and the
    day stays out of the history later days are scored against."""
    with transaction.atomic():
        row = Anomaly.objects.select_for_update().filter(pk=anomaly_id).first()
        if row is None:
            raise NotFound("no_anomaly", f"no anomaly {anomaly_id}")
        if not row.expected:
            row.expected = True
            row.save(update_fields=["expected", "updated_at"])
            event_emit(
                type="analytics.anomaly_marked_expected",
                subject=row,
                payload={"day": row.day.isoformat(), "metric": row.metric},
                actor=actor,
            )
    return row
