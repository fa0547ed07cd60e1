"""MySQL/MariaDB: a consistent copy with the server's own dump tool, and loading one back.

``mysqldump --single-transaction`` (or ``mariadb-dump``) reads every table in one REPEATABLE
READ snapshot while orders keep coming in (InnoDB, as SoloOps requires). It writes one
``INSERT`` a row (``--skip-extended-insert``), and the dump escapes line breaks inside values,
so the row counts and applied migrations are read from the dump itself: they describe exactly
the state it holds, not a moment before or after it. The password goes to the tools in a
defaults file readable only by us, never on a command line.
"""

import re
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.db import connection

MEMBER = "database.sql"
_INSERT = re.compile(rb"^INSERT INTO `([^`]+)` VALUES ")
_CREATE = re.compile(rb"^CREATE TABLE `([^`]+)`")
_MIGRATION = re.compile(rb"^INSERT INTO `django_migrations` VALUES \(\d+,'([^']*)','([^']*)'")


class ToolMissing(Exception):
    pass


def _tool(*names: str) -> str:
    for name in names:
        if path := shutil.which(name):
            return path
    raise ToolMissing(
        f"{names[0]} is not installed: install the MariaDB/MySQL client tools (Debian: apt-get "
        f"install mariadb-client), or back up with your provider's snapshots and keep var/ yourself"
    )


@contextmanager
def _defaults_file():
    """The connection settings as a client defaults file (0600, deleted afterwards)."""
    s = connection.settings_dict
    lines = [
        "[client]",
        f"host={s['HOST'] or '127.0.0.1'}",
        f"port={s['PORT'] or 3306}",
        f"user={s['USER'] or 'root'}",
    ]
    if s.get("PASSWORD"):
        lines.append(f"password={s['PASSWORD']}")
    with tempfile.NamedTemporaryFile("w", prefix="soloops-my-", suffix=".cnf") as f:
        f.write("\n".join(lines) + "\n")  # NamedTemporaryFile is created 0600
        f.flush()
        yield f"--defaults-extra-file={f.name}"


def _run(args: list[str], *, stdin=None, stdout=None) -> str:
    """Run a client tool; return its error text ('' when it succeeded)."""
    result = subprocess.run(args, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, check=False)
    return result.stderr.decode(errors="replace").strip() if result.returncode else ""


def dump(target: Path) -> tuple[dict[str, int], list[str], str]:
    """Write the dump to ``target``; return (row counts, migrations, error text or '')."""
    tool = _tool("mariadb-dump", "mysqldump")
    with _defaults_file() as defaults, target.open("wb") as out:
        error = _run(
            [
                tool,
                defaults,  # must come first
                "--single-transaction",
                "--skip-extended-insert",
                "--no-autocommit",
                "--skip-lock-tables",
                "--no-tablespaces",
                "--hex-blob",
                "--default-character-set=utf8mb4",
                "--skip-comments",
                connection.settings_dict["NAME"],
            ],
            stdout=out,
        )
    if error:
        return {}, [], error
    counts: dict[str, int] = {}
    migrations = []
    with target.open("rb") as f:
        for line in f:
            if m := _INSERT.match(line):
                table = m.group(1).decode()
                counts[table] = counts.get(table, 0) + 1
                if mig := _MIGRATION.match(line):
                    migrations.append(f"{mig.group(1).decode()}.{mig.group(2).decode()}")
            elif m := _CREATE.match(line):
                counts.setdefault(m.group(1).decode(), 0)
    return dict(sorted(counts.items())), sorted(migrations), ""


def tables() -> list[str]:
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def load(member: Path, *, wipe: bool) -> str:
    """Load the dump into the configured database; return the error text ('' when loaded).
    DDL commits on its own in MySQL, so a failed load leaves a partial database: the caller
    checked the archive first, and a restore can be repeated with --force."""
    tool = _tool("mariadb", "mysql")
    if wipe:
        present = tables()
        with connection.cursor() as cursor:
            cursor.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table in present:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
            cursor.execute("SET FOREIGN_KEY_CHECKS = 1")
        connection.close()
    with _defaults_file() as defaults, member.open("rb") as source:
        return _run(
            [tool, defaults, "--default-character-set=utf8mb4", connection.settings_dict["NAME"]],
            stdin=source,
        )
