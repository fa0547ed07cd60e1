"""Backups: make one (record + ``backup.completed``), rotate the folder, restore one, and the
nightly run the scheduler starts.

A backup file holds the shop's secrets (``var/secret_key``, ``var/webhook_signing_secret``):
files and folder are readable by their owner only; set ``SOLOOPS_BACKUP_PASSPHRASE`` to encrypt
them before they leave the machine.
"""

import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError, Conflict
from soloops.events.services import event_emit
from soloops.monitoring.backups import archive, database, retention
from soloops.monitoring.errors import MonitoringErrorCode as Code
from soloops.monitoring.models import BackupRecord, BackupSlot

logger = logging.getLogger(__name__)

# Secrets SoloOps generates into var/ when the environment does not set them.
SECRET_FILES = ("secret_key", "webhook_signing_secret")
NAME_FORMAT = "soloops-%Y%m%d-%H%M%S-%f"
NAME_RE = re.compile(r"^soloops-(\d{8}-\d{6}-\d{6})\.tar\.gz(\.enc)?$")


class BackupError(ApplicationError):
    status = 500


def _soloops_version() -> str:
    try:
        return version("soloops")
    except PackageNotFoundError:
        return "unknown"


def backup_dir() -> Path:
    path = Path(settings.BACKUP_DIR)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def backup_create(
    *, actor: Actor, output: Path | None = None, passphrase: str | None = None
) -> BackupRecord:
    """Copy the running shop's database and generated secrets into one checked file."""
    now = timezone.now()
    name = now.astimezone(UTC).strftime(NAME_FORMAT) + ".tar.gz" + (".enc" if passphrase else "")
    output = Path(output) if output else backup_dir() / name
    with tempfile.TemporaryDirectory(prefix="soloops-backup-", dir=output.parent) as tmp:
        try:
            dumped = database.dump(Path(tmp))
        except database.DatabaseError as e:
            raise BackupError(Code.BACKUP_FAILED, str(e), field="database") from None
        members = {dumped.member: dumped.path}
        for secret in SECRET_FILES:
            if (settings.VAR_DIR / secret).is_file():
                members[f"var/{secret}"] = settings.VAR_DIR / secret
        manifest = {
            "soloops_version": _soloops_version(),
            "created_at": now.isoformat(),
            "database": dumped.vendor,
            "migrations": dumped.migrations,
            "row_counts": dumped.row_counts,
        }
        checksum = archive.write(
            output=output, manifest=manifest, members=members, passphrase=passphrase
        )
    rows = sum(dumped.row_counts.values())
    with transaction.atomic():
        record = BackupRecord.objects.create(
            name=output.name,
            path=str(output),
            database=dumped.vendor,
            size_bytes=output.stat().st_size,
            sha256=checksum,
            encrypted=bool(passphrase),
            manifest={k: v for k, v in manifest.items() if k != "migrations"},
            created_at=now,
        )
        event_emit(
            type="backup.completed",
            subject=record,
            payload={
                "name": record.name,
                "database": record.database,
                "size_bytes": record.size_bytes,
                "sha256": checksum,
                "encrypted": record.encrypted,
                "rows": rows,
            },
            actor=actor,
        )
    return record


def backups_list() -> list[BackupRecord]:
    """The backups in the folder, newest first (a file without a record still shows)."""
    known = {r.name: r for r in BackupRecord.objects.all()}
    found = []
    for path in sorted(backup_dir().iterdir(), reverse=True):
        match = NAME_RE.match(path.name)
        if not match:
            continue
        record = known.get(path.name) or BackupRecord(
            name=path.name,
            path=str(path),
            database="?",
            size_bytes=path.stat().st_size,
            encrypted=bool(match.group(2)),
            created_at=datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC),
        )
        found.append(record)
    return found


def backups_rotate() -> list[str]:
    """Delete the folder's backups that retention does not keep (7 daily, 4 weekly, 12
    monthly); the names deleted."""
    directory = backup_dir()
    moments = {}
    for path in directory.iterdir():
        if match := NAME_RE.match(path.name):
            stamp = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
            moments[path] = stamp
    keep = retention.to_keep(moments.values())
    deleted = [path.name for path, moment in moments.items() if moment not in keep]
    for name in deleted:
        (directory / name).unlink(missing_ok=True)
        (directory / f"{name}.sha256").unlink(missing_ok=True)
    BackupRecord.objects.filter(name__in=deleted).delete()
    return sorted(deleted)


# --- the nightly run ------------------------------------------------------------------------


_settled: set[str] = set()  # nights this process knows are claimed


def backup_nightly_claim(*, now: datetime, claimed_by: str) -> str | None:
    """Claim tonight's backup (``SOLOOPS_BACKUP_HOUR``, UTC) once: the slot, or None when it is
    not time yet, backups are off, or another scheduler claimed it (a unique row)."""
    hour = settings.BACKUP_HOUR
    if hour is None or now.astimezone(UTC).hour < hour:
        return None
    slot = now.astimezone(UTC).date().isoformat()
    if slot in _settled or BackupSlot.objects.filter(slot=slot).exists():
        _settled.add(slot)  # one query a night per scheduler, not one a tick
        return None
    try:
        with transaction.atomic():
            BackupSlot.objects.create(slot=slot, claimed_by=claimed_by)
    except IntegrityError:
        return None
    _settled.add(slot)
    return slot


def backup_nightly_run(*, slot: str) -> None:
    """Make tonight's backup and rotate the folder; a failure is recorded as
    ``backup.failed`` (the backup-overdue alert and /metrics show it). Runs in a thread of
    the scheduler, with its own connection."""
    actor = Actor.system("scheduler")
    try:
        passphrase = settings.BACKUP_PASSPHRASE or None
        record = backup_create(actor=actor, passphrase=passphrase)
        deleted = backups_rotate()
        _offsite(record, actor=actor)
        BackupSlot.objects.filter(slot=slot).update(backup_name=record.name)
        logger.info("nightly backup %s written; %d old ones deleted", record.name, len(deleted))
    except Exception as e:
        logger.exception("nightly backup failed")
        with transaction.atomic():
            event_emit(
                type="backup.failed",
                subject=("monitoring.backupslot", slot),
                payload={"error": str(e)[:500]},
                actor=actor,
            )
    finally:
        connection.close()


def _offsite(record: BackupRecord, *, actor: Actor) -> None:
    from soloops.monitoring.backups import remote
    from soloops.monitoring.services.offsite import backup_upload, backups_rotate_remote

    if remote.configured():
        backup_upload(record=record, actor=actor)
        backups_rotate_remote()


# --- restore --------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    name: str
    created_at: str
    database: str
    rows: int
    tables: int
    secrets_written: list[str] = field(default_factory=list)


def _check_restored(manifest: dict) -> None:
    counts, migrations = database.figures()
    if migrations != sorted(manifest.get("migrations", [])):
        raise ApplicationError(
            Code.RESTORE_MISMATCH, "the restored migrations differ from the backup's manifest"
        )
    expected = manifest.get("row_counts", {})
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        table, (want, got) = sorted(wrong.items())[0]
        raise ApplicationError(
            Code.RESTORE_MISMATCH,
            f"{len(wrong)} tables differ from the manifest, e.g. {table}: {got} rows, not {want}",
            extra={"tables": sorted(wrong)},
        )


def _restore_secrets(directory: Path, *, report: RestoreReport) -> None:
    """The backup's generated secrets replace this installation's: sessions, password-reset
    links and signed webhook bodies of the restored shop stay valid. (A secret set in the
    environment wins over the file anyway.)"""
    for secret in SECRET_FILES:
        source = directory / "var" / secret
        if not source.is_file():
            continue
        target = settings.VAR_DIR / secret
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        part = target.with_name(f"{secret}.restoring")
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(source.read_bytes())
        os.replace(part, target)
        report.secrets_written.append(secret)


def backup_restore(
    *, path: Path, actor: Actor, passphrase: str | None = None, force: bool = False
) -> RestoreReport:
    """Load a backup into this installation's database (empty, unless ``force``), then check
    every table's rows and the migrations against the manifest."""
    present = database.tables_present()
    if present and not force:
        raise Conflict(
            Code.DATABASE_NOT_EMPTY,
            f"the database has {len(present)} tables; restore into an empty one, or pass "
            "--force to replace everything in it",
            field="database",
        )
    with tempfile.TemporaryDirectory(prefix="soloops-restore-") as tmp:
        try:
            opened = archive.open_into(Path(path), Path(tmp), passphrase=passphrase)
        except archive.ArchiveError as e:
            raise ApplicationError(Code.BACKUP_UNREADABLE, str(e), field="file") from None
        manifest = opened.manifest
        if manifest.get("database") != database.vendor():
            raise ApplicationError(
                Code.WRONG_DATABASE,
                f"the backup is of a {manifest.get('database')} database; this installation "
                f"uses {database.vendor()} (DATABASE_URL)",
                field="file",
            )
        try:
            database.load(Path(tmp) / database.MEMBERS[database.vendor()], wipe=bool(present))
        except database.DatabaseError as e:
            raise BackupError(Code.BACKUP_FAILED, str(e), field="database") from None
        _check_restored(manifest)
        report = RestoreReport(
            name=Path(path).name,
            created_at=manifest["created_at"],
            database=manifest["database"],
            rows=sum(manifest["row_counts"].values()),
            tables=len(manifest["row_counts"]),
        )
        _restore_secrets(Path(tmp), report=report)
    with transaction.atomic():
        event_emit(
            type="backup.restored",
            subject=("monitoring.backuprecord", report.name),
            payload={"name": report.name, "created_at": report.created_at, "rows": report.rows},
            actor=actor,
        )
    return report
