from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from soloops.monitoring.models import Heartbeat


@dataclass
class Readiness:
    ready: bool
    checks: dict[str, str] = field(default_factory=dict)


def fresh_heartbeat_exists(*, role: str) -> bool:
    cutoff = timezone.now() - timedelta(seconds=settings.HEARTBEAT_STALE_SECONDS)
    return Heartbeat.objects.filter(role=role, beat_at__gte=cutoff).exists()


def pending_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{m.app_label}.{m.name}" for m, _ in plan]


def readiness() -> Readiness:
    """Database reachable, migrations applied, a worker beating: each with its reason."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as e:
        return Readiness(False, {"database": f"unreachable: {e}"})
    pending = pending_migrations()
    checks["migrations"] = "ok" if not pending else f"{len(pending)} not applied: {pending[0]}…"
    if pending:
        checks["worker"] = "unknown until migrations are applied"
        return Readiness(False, checks)
    checks["worker"] = (
        "ok"
        if fresh_heartbeat_exists(role="worker")
        else f"no worker heartbeat in the last {settings.HEARTBEAT_STALE_SECONDS:g}s"
    )
    return Readiness(all(v == "ok" for v in checks.values()), checks)


# --- alerts ---------------------------------------------------------------------------------


def alerts_list(*, open_only: bool = False):
    """Alerts newest first; ``open_only``: firing, acknowledged or snoozed (on alert_status_idx)."""
    from soloops.monitoring.models import OPEN_ALERT, Alert

    alerts = Alert.objects.order_by("-fired_at", "-id")
    return alerts.filter(status__in=OPEN_ALERT) if open_only else alerts


def alerts_open_count() -> int:
    """Alerts that still want attention: firing (not acknowledged, not snoozed)."""
    from soloops.monitoring.models import Alert, AlertStatus

    return Alert.objects.filter(status=AlertStatus.FIRING).count()


def alert_get(*, alert_id: int):
    from soloops.errors import NotFound
    from soloops.monitoring.models import Alert

    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("not_found", f"no alert {alert_id}", field="alert_id")
    return alert


def unsafe_settings() -> list[str]:
    """Settings unsafe for a shop on the internet, each naming what to change."""
    from soloops.monitoring.deploy_checks import unsafe_settings as found

    return found()


def recoveries() -> dict[str, int]:
    """{kind: times SoloOps recovered by itself}: events relayed, emails handed out again."""
    from soloops.monitoring.models import RecoveryCount

    return dict(RecoveryCount.objects.values_list("kind", "count"))
