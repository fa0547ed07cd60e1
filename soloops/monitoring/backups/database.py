"""A consistent copy of the running shop's database, and loading one back.

SQLite: the online backup API copies every page in one step under a read transaction; in WAL
mode writers go on meanwhile, and the copy is the database as of that transaction's start.
PostgreSQL: a REPEATABLE READ transaction exports its snapshot, the row counts are taken in it,
and ``pg_dump --snapshot`` dumps exactly that state (custom format, compressed), while orders
keep coming in.
MySQL/MariaDB: the server's dump tool in one snapshot (``mysql_dump``).
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.db import connection

from soloops.monitoring.backups import mysql_dump

SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": POSTGRES_MEMBER, "mysql": mysql_dump.MEMBER}


class DatabaseError(Exception):
    """The copy or the restore could not be made; the message says why and what to do."""


@dataclass
class Dump:
    vendor: str  # "sqlite" / "postgresql" / "mysql"
    member: str  # its name in the archive
    path: Path
    row_counts: dict[str, int]
    migrations: list[str]  # "app.name", sorted


def vendor() -> str:
    return connection.vendor


def _settings() -> dict:
    return connection.settings_dict


def _pg_env() -> dict:
    s = _settings()
    env = {**os.environ, "PGHOST": s["HOST"] or "127.0.0.1", "PGPORT": str(s["PORT"] or 5432)}
    env["PGUSER"] = s["USER"] or "postgres"
    env["PGDATABASE"] = s["NAME"]
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return env


def _pg_connect() -> psycopg.Connection:
    env = _pg_env()
    return psycopg.connect(
        host=env["PGHOST"],
        port=env["PGPORT"],
        user=env["PGUSER"],
        dbname=env["PGDATABASE"],
        password=env.get("PGPASSWORD"),
    )


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DatabaseError(
            f"{name} is not installed: install the PostgreSQL client of the server's major "
            f"version (Debian: apt-get install postgresql-client), or back up with your "
            f"provider's snapshots and keep var/ yourself"
        )
    return path


def _figures(cursor, tables: list[str]) -> tuple[dict[str, int], list[str]]:
    counts = {}
    for table in sorted(tables):
        quoted = connection.ops.quote_name(table)  # "t", or `t` on MySQL
        cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 (names from the catalog)
        counts[table] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
    return counts, migrations


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    )
    return [name for (name,) in rows]


def _pg_tables(cursor) -> list[str]:
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
    )
    return [name for (name,) in cursor.fetchall()]


def dump(directory: Path) -> Dump:
    if vendor() == "sqlite":
        target = directory / SQLITE_MEMBER
        source = sqlite3.connect(_settings()["NAME"], timeout=20)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # every page in one step: one consistent read transaction
            counts, migrations = _figures(copy.cursor(), _sqlite_tables(copy))
        finally:
            copy.close()
            source.close()
        return Dump("sqlite", SQLITE_MEMBER, target, counts, migrations)
    if vendor() == "postgresql":
        pg_dump = _tool("pg_dump")
        target = directory / POSTGRES_MEMBER
        with _pg_connect() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts, migrations = _figures(cursor, _pg_tables(cursor))
                # The snapshot lives as long as this transaction: pg_dump runs inside it.
                result = subprocess.run(
                    [
                        pg_dump,
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--no-owner",
                        "--no-privileges",
                        f"--file={target}",
                    ],
                    env=_pg_env(),
                    capture_output=True,
                    text=True,
                    check=False,
                )
            conn.rollback()
        if result.returncode != 0:
            raise DatabaseError(f"pg_dump failed: {result.stderr.strip()}")
        return Dump("postgresql", POSTGRES_MEMBER, target, counts, migrations)
    if vendor() == "mysql":
        target = directory / mysql_dump.MEMBER
        try:
            counts, migrations, error = mysql_dump.dump(target)
        except mysql_dump.ToolMissing as e:
            raise DatabaseError(str(e)) from None
        if error:
            raise DatabaseError(f"the dump failed: {error}")
        return Dump("mysql", mysql_dump.MEMBER, target, counts, migrations)
    raise DatabaseError(f"backing up a {vendor()} database is not supported")


def tables_present() -> list[str]:
    """The target database's tables: empty means a restore may go ahead without --force."""
    if vendor() == "sqlite":
        path = Path(_settings()["NAME"])
        if not path.exists():
            return []
        conn = sqlite3.connect(path, timeout=20)
        try:
            return _sqlite_tables(conn)
        finally:
            conn.close()
    if vendor() == "mysql":
        return mysql_dump.tables()
    with _pg_connect() as conn, conn.cursor() as cursor:
        return _pg_tables(cursor)


def load(member: Path, *, wipe: bool) -> None:
    """Replace the target database with the copy ``member`` (the caller checked emptiness)."""
    connection.close()  # nothing of ours may hold the database during the swap
    if vendor() == "sqlite":
        source = sqlite3.connect(member)
        target = sqlite3.connect(_settings()["NAME"], timeout=20)
        try:
            source.backup(target)  # page for page: the target becomes the copy
        finally:
            target.close()
            source.close()
        return
    if vendor() == "mysql":
        try:
            error = mysql_dump.load(member, wipe=wipe)
        except mysql_dump.ToolMissing as e:
            raise DatabaseError(str(e)) from None
        if error:
            raise DatabaseError(f"loading the dump failed: {error}")
        return
    pg_restore = _tool("pg_restore")
    if wipe:
        with _pg_connect() as conn, conn.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    result = subprocess.run(
        [
            pg_restore,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={_pg_env()['PGDATABASE']}",
            str(member),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise DatabaseError(f"pg_restore failed: {result.stderr.strip()}")


def figures() -> tuple[dict[str, int], list[str]]:
    """Row counts and applied migrations of the database as it is now (after a restore)."""
    connection.close()
    if vendor() == "sqlite":
        conn = sqlite3.connect(_settings()["NAME"], timeout=20)
        try:
            return _figures(conn.cursor(), _sqlite_tables(conn))
        finally:
            conn.close()
    if vendor() == "mysql":
        with connection.cursor() as cursor:
            return _figures(cursor, mysql_dump.tables())
    with _pg_connect() as conn, conn.cursor() as cursor:
        return _figures(cursor, _pg_tables(cursor))
