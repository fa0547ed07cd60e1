"""Event types monitoring emits, with their payloads.

- ``backup.completed`` (subject: the backup record): {name, database, size_bytes, sha256,
  encrypted, rows} — a backup file was written and checked; ``rows`` is the total row count.
- ``backup.uploaded`` (subject: the backup record): {name, key, sha256} — copied to the
  S3-compatible store (``SOLOOPS_BACKUP_S3_URL``).
- ``backup.failed``: {error} — a backup could not be made (the nightly run says why).
- ``backup.restored``: {name, created_at, rows} — this database was restored from a backup
  (recorded in the restored database, so its timeline says where it came from).

- ``alert.fired`` / ``alert.resolved`` / ``alert.acknowledged`` / ``alert.snoozed`` (subject:
  the alert): {key, detector, severity, title, status} — an alert's lifecycle; a flow may act
  on ``alert.fired`` (``where: {detector: backup_overdue}``).

Handles nothing.
"""

from soloops.events.catalogue import EventType, Payload, declare

HANDLERS: dict = {}


class BackupCompleted(Payload):
    name: str
    database: str
    size_bytes: int
    sha256: str
    encrypted: bool
    rows: int


class BackupUploaded(Payload):
    name: str
    key: str
    sha256: str


class BackupFailed(Payload):
    error: str


class BackupRestored(Payload):
    name: str
    created_at: str
    rows: int


class AlertChanged(Payload):
    key: str
    detector: str
    severity: str
    title: str
    status: str


EVENTS = declare(
    EventType(
        "alert.fired", AlertChanged, "a detector found a problem", subject="monitoring.alert"
    ),
    EventType(
        "alert.resolved", AlertChanged, "the alert's condition cleared", subject="monitoring.alert"
    ),
    EventType(
        "alert.acknowledged", AlertChanged, "someone took the alert on", subject="monitoring.alert"
    ),
    EventType(
        "alert.snoozed",
        AlertChanged,
        "someone hid the alert for a while",
        subject="monitoring.alert",
    ),
    EventType(
        "backup.completed",
        BackupCompleted,
        "a backup file was written and checked",
        subject="monitoring.backuprecord",
    ),
    EventType(
        "backup.uploaded",
        BackupUploaded,
        "a backup was copied to S3-compatible storage",
        subject="monitoring.backuprecord",
    ),
    EventType("backup.failed", BackupFailed, "a backup could not be made (or not copied off)"),
    EventType("backup.restored", BackupRestored, "this database was restored from a backup"),
)
