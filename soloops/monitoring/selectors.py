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
