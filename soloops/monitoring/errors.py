from enum import StrEnum


class MonitoringErrorCode(StrEnum):
    BACKUP_FAILED = "backup_failed"  # the database copy could not be made (says why)
    BACKUP_UNREADABLE = "backup_unreadable"  # not a backup, damaged, or a wrong passphrase
    DATABASE_NOT_EMPTY = "database_not_empty"  # restore refuses without --force
    WRONG_DATABASE = "wrong_database"  # a SQLite backup into PostgreSQL or the other way
    RESTORE_MISMATCH = "restore_mismatch"  # restored rows or migrations differ from the manifest
