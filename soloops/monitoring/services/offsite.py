"""Backups copied off the machine to S3-compatible storage (``backups.remote``), recorded on
the backup's row and as ``backup.uploaded``; the store rotated by the folder's retention."""

from pathlib import Path

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.events.services import event_emit
from soloops.monitoring.backups import remote
from soloops.monitoring.errors import MonitoringErrorCode as Code
from soloops.monitoring.models import BackupRecord
from soloops.monitoring.services.backups import NAME_RE, BackupError


def backup_upload(*, record: BackupRecord, actor: Actor) -> BackupRecord:
    """Copy a backup to the store (``SOLOOPS_BACKUP_S3_URL``). The upload runs outside any
    transaction; the row and the event are written once the store has confirmed it."""
    if not remote.configured():
        raise BackupError(Code.BACKUP_FAILED, "SOLOOPS_BACKUP_S3_URL is not set", field="s3")
    try:
        key = remote.upload(Path(record.path), sha256=record.sha256)
    except remote.RemoteError as e:
        raise BackupError(Code.BACKUP_FAILED, str(e), field="s3") from None
    with transaction.atomic():
        record = BackupRecord.objects.select_for_update().get(pk=record.pk)
        record.remote_key = key
        record.save(update_fields=["remote_key", "updated_at"])
        event_emit(
            type="backup.uploaded",
            subject=record,
            payload={"name": record.name, "key": key, "sha256": record.sha256},
            actor=actor,
        )
    return record


def backups_rotate_remote() -> list[str]:
    """Delete the store's backups that retention does not keep; the names deleted."""
    try:
        return remote.rotate(NAME_RE)
    except remote.RemoteError as e:
        raise BackupError(Code.BACKUP_FAILED, str(e), field="s3") from None


def backups_remote() -> list[str]:
    """The names of the backups in the store, newest first."""
    try:
        return sorted(remote.listed(NAME_RE), reverse=True)
    except remote.RemoteError as e:
        raise BackupError(Code.BACKUP_FAILED, str(e), field="s3") from None
