"""Event types monitoring emits, with their payloads.

- ``backup.completed`` (subject: the backup record): {name, database, size_bytes, sha256,
  encrypted, rows} — a backup file was written and checked; ``rows`` is the total row count.
- ``backup.failed``: {error} — a backup could not be made (the nightly run says why).
- ``backup.restored``: {name, created_at, rows} — this database was restored from a backup
  (recorded in the restored database, so its timeline says where it came from).

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


class BackupFailed(Payload):
    error: str


class BackupRestored(Payload):
    name: str
    created_at: str
    rows: int


EVENTS = declare(
    EventType(
        "backup.completed",
        BackupCompleted,
        "a backup file was written and checked",
        subject="monitoring.backuprecord",
    ),
    EventType("backup.failed", BackupFailed, "a backup could not be made"),
    EventType("backup.restored", BackupRestored, "this database was restored from a backup"),
)
