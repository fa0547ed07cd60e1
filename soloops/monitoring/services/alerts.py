"""Alerts: detectors' findings become alerts (fired once, deduplicated while they last,
resolved when the condition clears), the owner acknowledges or snoozes them, and the channels
(email to the owner, a chat webhook) are told — only critical ones during quiet hours.

Each transition is one event in the same transaction (``alert.fired``, ``alert.resolved``,
``alert.acknowledged``, ``alert.snoozed``), so flows can act on them; notices leave after
commit, each with an idempotency key (the email's, and ``Idempotency-Key`` on the webhook).
"""

import logging
from datetime import datetime, time

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from soloops.accounts.actors import Actor
from soloops.emails.services import email_enqueue
from soloops.errors import Conflict
from soloops.events.services import event_emit
from soloops.monitoring.detectors import SOURCES, Finding, detectors
from soloops.monitoring.models import OPEN_ALERT, Alert, AlertSeverity, AlertStatus
from soloops.shop.selectors import owner_notice_addresses, shop_profile, shop_zone

logger = logging.getLogger(__name__)
SYSTEM = Actor.system("monitoring")


def _payload(alert: Alert) -> dict:
    return {
        "key": alert.key,
        "detector": alert.detector,
        "severity": alert.severity,
        "title": alert.title,
        "status": alert.status,
    }


def quiet_now(now: datetime | None = None) -> bool:
    """Within the owner's quiet hours (``SOLOOPS_ALERT_QUIET_HOURS``, "22-7", shop time)."""
    hours = settings.ALERT_QUIET_HOURS
    if hours is None:
        return False
    start, end = hours
    local = (now or timezone.now()).astimezone(shop_zone()).time()
    begin, finish = time(start), time(end)
    return begin <= local or local < finish if begin > finish else begin <= local < finish


def _notify(alert: Alert, *, what: str) -> None:
    """Queue the notices of one transition (in the caller's transaction: the email row commits
    with the alert, the webhook task is enqueued on commit)."""
    verb = {"fired": "ALERT", "resolved": "RESOLVED"}[what]
    text = f"[{verb}] {alert.title}"
    body = f"{alert.detail}\n\n{settings.SITE_URL}/alerts/" if alert.detail else ""
    language = shop_profile().language
    for address in owner_notice_addresses():
        email_enqueue(
            to=address,
            template="owner_notification",
            context={"subject": text, "body": body, "url": f"{settings.SITE_URL}/alerts/"},
            language=language,
            idempotency_key=f"alert:{alert.pk}:{what}:{address}",
            subject=("monitoring.alert", alert.pk),
            actor=SYSTEM,
        )
    if settings.ALERT_WEBHOOK_URL:
        from soloops.monitoring.tasks import alert_webhook_post

        message = {
            "text": text,
            "msg_type": "text",  # Feishu
            "content": {"text": text},
            "alert": {**_payload(alert), "detail": alert.detail, "event": what},
        }
        key = f"soloops-alert-{alert.pk}-{what}"
        transaction.on_commit(
            lambda: alert_webhook_post.enqueue(
                url=settings.ALERT_WEBHOOK_URL, message=message, idempotency_key=key
            )
        )


def _fire(finding: Finding, detector: str, now: datetime) -> Alert:
    alert = Alert.objects.create(
        key=finding.key,
        detector=detector,
        severity=finding.severity,
        title=finding.title,
        detail=finding.detail,
        fired_at=now,
        last_seen_at=now,
    )
    event_emit(type="alert.fired", subject=alert, payload=_payload(alert), actor=SYSTEM)
    if finding.severity == AlertSeverity.CRITICAL or not quiet_now(now):
        _notify(alert, what="fired")
        alert.notified_at = now
        alert.save(update_fields=["notified_at", "updated_at"])
    return alert


def alerts_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Run every detector once; fire new alerts, refresh open ones, resolve cleared ones, wake
    snoozed ones whose time is up, and send notices quiet hours held back."""
    now = now or timezone.now()
    found: dict[str, tuple[str, Finding]] = {}
    running = detectors()
    # Titles are kept as written: in the shop's language, as its emails are.
    with translation.override(shop_profile().language):
        for name, detector in running.items():
            try:
                for finding in detector():
                    found[finding.key] = (name, finding)
            except Exception:
                logger.exception("alert detector %s failed", name)
                found.update(_open_keys(name))  # a detector that fails keeps its alerts open
    counts = {"fired": 0, "resolved": 0, "open": 0}
    with transaction.atomic():
        open_alerts = {
            a.key: a for a in Alert.objects.select_for_update().filter(status__in=OPEN_ALERT)
        }
        for key, (name, finding) in found.items():
            alert = open_alerts.get(key)
            if alert is None:
                _fire(finding, name, now)
                counts["fired"] += 1
                continue
            alert.last_seen_at, alert.seen_count = now, alert.seen_count + 1
            alert.title, alert.detail = finding.title, finding.detail
            fields = ["last_seen_at", "seen_count", "title", "detail", "updated_at"]
            if alert.status == AlertStatus.SNOOZED and alert.snoozed_until <= now:
                alert.status, alert.snoozed_until = AlertStatus.FIRING, None
                fields += ["status", "snoozed_until"]
            if alert.notified_at is None and not quiet_now(now):
                _notify(alert, what="fired")
                alert.notified_at = now
                fields.append("notified_at")
            alert.save(update_fields=fields)
        for key, alert in open_alerts.items():
            if key in found or alert.detector not in running:
                continue  # still holds, or its detector does not run in this process
            alert.status, alert.resolved_at = AlertStatus.RESOLVED, now
            alert.save(update_fields=["status", "resolved_at", "updated_at"])
            event_emit(type="alert.resolved", subject=alert, payload=_payload(alert), actor=SYSTEM)
            if alert.notified_at is not None:
                _notify(alert, what="resolved")
            counts["resolved"] += 1
    counts["open"] = len(found)
    return counts


def _open_keys(detector: str) -> dict[str, tuple[str, Finding]]:
    rows = Alert.objects.filter(detector=detector, status__in=OPEN_ALERT)
    return {a.key: (detector, Finding(a.key, a.severity, a.title, a.detail)) for a in rows}


def alert_source_add(*, name: str, read) -> None:
    """Hand a detector the figures of an app monitoring may not import (``flow_runs_failed``,
    ``flow_runs_stalled``, ``webhooks_paused``): called at start-up by the layer above both."""
    SOURCES[name] = read


def alert_acknowledge(*, alert: Alert, actor: Actor) -> Alert:
    """The owner has seen it: it stays until the condition clears, without more notices."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status not in (AlertStatus.FIRING, AlertStatus.SNOOZED):
            raise Conflict("illegal_transition", f"the alert is {alert.status}", field="status")
        alert.status, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, actor.label[:150]
        alert.save(update_fields=["status", "acknowledged_by", "updated_at"])
        event_emit(type="alert.acknowledged", subject=alert, payload=_payload(alert), actor=actor)
    return alert


def alert_snooze(*, alert: Alert, until: datetime, actor: Actor) -> Alert:
    """Hide it until ``until``; if the condition still holds then, it fires again."""
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.status == AlertStatus.RESOLVED:
            raise Conflict("illegal_transition", "the alert is resolved", field="status")
        alert.status, alert.snoozed_until = AlertStatus.SNOOZED, until
        alert.save(update_fields=["status", "snoozed_until", "updated_at"])
        event_emit(type="alert.snoozed", subject=alert, payload=_payload(alert), actor=actor)
    return alert
