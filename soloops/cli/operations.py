"""``soloops backup`` (make one, ``backup list``) and ``soloops restore FILE``."""

import os
from pathlib import Path

from .console import add_command, fail


def _passphrase(args) -> str | None:
    """From ``--passphrase-file`` (never a command-line argument: ps would show it), else
    ``SOLOOPS_BACKUP_PASSPHRASE``, else none."""
    if getattr(args, "passphrase_file", None):
        try:
            return Path(args.passphrase_file).read_text().strip() or None
        except OSError as e:
            raise SystemExit(
                f"soloops: error: cannot read {args.passphrase_file}: {e.strerror}"
            ) from None
    return os.environ.get("SOLOOPS_BACKUP_PASSPHRASE") or None


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def cmd_backup(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.monitoring.services import backup_create, backups_list, backups_rotate

    if args.action == "list":
        stored = _remote_names()
        for record in backups_list():
            lock = " encrypted" if record.encrypted else ""
            copy = " (also in S3)" if record.name in stored else ""
            print(
                f"{record.created_at:%Y-%m-%d %H:%M:%S} UTC  {_size(record.size_bytes):>9}"
                f"  {record.name}{lock}{copy}"
            )
        local = {r.name for r in backups_list()}
        for name in sorted(stored - local, reverse=True):
            print(f"{'in S3 only':>34}  {name}")
        return 0
    record = backup_create(
        actor=Actor.system("soloops backup"),
        output=Path(args.output).resolve() if args.output else None,
        passphrase=_passphrase(args),
    )
    rows = sum(record.manifest.get("row_counts", {}).values())
    print(
        f"soloops: backup written: {record.path} ({_size(record.size_bytes)}, {rows:,} rows"
        f"{', encrypted' if record.encrypted else ''})"
    )
    print(f"soloops: sha256 {record.sha256}")
    if not args.output:
        deleted = backups_rotate()
        if deleted:
            print(f"soloops: {len(deleted)} older backups deleted (7 daily, 4 weekly, 12 monthly)")
    _upload(record)
    return 0


def _remote_names() -> set[str]:
    from django.conf import settings

    from soloops.monitoring.services import backups_remote

    return set(backups_remote()) if settings.BACKUP_S3_URL else set()


def _upload(record) -> None:
    """With SOLOOPS_BACKUP_S3_URL set, copy the backup there and rotate the store."""
    from django.conf import settings

    from soloops.accounts.actors import Actor
    from soloops.monitoring.services import backup_upload, backups_rotate_remote

    if not settings.BACKUP_S3_URL:
        return
    record = backup_upload(record=record, actor=Actor.system("soloops backup"))
    print(f"soloops: copied to {settings.BACKUP_S3_URL.rstrip('/')} as {record.remote_key}")
    deleted = backups_rotate_remote()
    if deleted:
        print(f"soloops: {len(deleted)} older backups deleted from the store")


def cmd_restore(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.inventory.selectors import ledger_mismatches
    from soloops.monitoring.selectors import pending_migrations
    from soloops.monitoring.services import backup_restore

    path = Path(args.file)
    if not path.is_file():
        return fail(f"file: {args.file} does not exist")
    report = backup_restore(
        path=path,
        actor=Actor.system("soloops restore"),
        passphrase=_passphrase(args),
        force=args.force,
    )
    print(
        f"soloops: restored {report.name} (made {report.created_at}): {report.tables} tables, "
        f"{report.rows:,} rows, each table as the manifest counts"
    )
    for secret in report.secrets_written:
        print(f"soloops: var/{secret} restored from the backup")
    # What `soloops check` checks, less the worker heartbeat: no worker runs here yet.
    pending = pending_migrations()
    if pending:
        return fail(f"{len(pending)} migrations not applied: run soloops init ({pending[0]}…)")
    mismatches = ledger_mismatches()
    if mismatches:
        return fail(f"ledger: {len(mismatches)} stock rows disagree with their ledger")
    print("migrations   ok\nledger       ok")
    print("soloops: start the worker and scheduler, then `soloops check`")
    return 0


def register(sub) -> None:
    backup = add_command(
        sub, "backup", cmd_backup, "Back up the database and var/ secrets, or list backups."
    )
    backup.add_argument("action", nargs="?", choices=["list"], help="list: the backups kept")
    backup.add_argument("--output", help="write here instead of SOLOOPS_BACKUP_DIR (no rotation)")
    backup.add_argument("--passphrase-file", help="encrypt with the passphrase in this file")
    restore = add_command(
        sub, "restore", cmd_restore, "Restore a backup into an empty database (--force: any)."
    )
    restore.add_argument("file", help="a file `soloops backup` wrote")
    restore.add_argument("--force", action="store_true", help="replace a non-empty database")
    restore.add_argument("--passphrase-file", help="the passphrase of an encrypted backup")
