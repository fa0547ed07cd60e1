"""Monitoring's writes: process heartbeats, backups (made, rotated, restored, the nightly run),
and the hook through which the layer above hands over figures for ``/metrics``."""

from .alerts import (
    alert_acknowledge,
    alert_snooze,
    alert_source_add,
    alerts_evaluate,
    quiet_now,
)
from .backups import (
    BackupError,
    RestoreReport,
    backup_create,
    backup_nightly_claim,
    backup_nightly_run,
    backup_restore,
    backups_list,
    backups_rotate,
)
from .heartbeats import HeartbeatThread, heartbeat_beat, heartbeat_stop
from .metrics import metrics_gauge_add
from .offsite import backup_upload, backups_remote, backups_rotate_remote
from .recoveries import recoveries_record

__all__ = [
    "BackupError",
    "HeartbeatThread",
    "RestoreReport",
    "alert_acknowledge",
    "alert_snooze",
    "alert_source_add",
    "alerts_evaluate",
    "backup_create",
    "backup_nightly_claim",
    "backup_nightly_run",
    "backup_restore",
    "backup_upload",
    "backups_list",
    "backups_remote",
    "backups_rotate",
    "backups_rotate_remote",
    "heartbeat_beat",
    "heartbeat_stop",
    "metrics_gauge_add",
    "quiet_now",
    "recoveries_record",
]
