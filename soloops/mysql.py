"""MySQL and MariaDB: the start-up check, and the partial unique constraints they lack.

PostgreSQL and SQLite enforce ``UniqueConstraint(condition=…)``; MySQL and MariaDB have no
partial indexes, and Django silently skips such a constraint there (check models.W036). Three
promises rest on one (a flow runs once per event, one default location, one live payment per
order), so on MySQL each is made good by a stored generated column that holds the value only
when the condition holds (NULL otherwise) with a unique index on it: unique indexes ignore
NULLs, so the effect is the same.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations

# SKIP LOCKED (the relay and the run and email dispatch claim rows with it) and CHECK
# constraints (the no-oversell promise) need at least these.
MIN_MARIADB = (10, 6)
MIN_MYSQL = (8, 0, 1)


def server_check(connection) -> None:
    """Refuse a server too old for SoloOps' promises, with the reason."""
    if connection.vendor != "mysql":
        return
    version = connection.mysql_version
    if connection.mysql_is_mariadb and version < MIN_MARIADB:
        raise ImproperlyConfigured(
            f"MariaDB {'.'.join(map(str, version))} is too old: SoloOps needs 10.6 or newer "
            "(SELECT … SKIP LOCKED)"
        )
    if not connection.mysql_is_mariadb and version < MIN_MYSQL:
        raise ImproperlyConfigured(
            f"MySQL {'.'.join(map(str, version))} is too old: SoloOps needs 8.0.1 or newer "
            "(SELECT … SKIP LOCKED, CHECK constraints)"
        )


def server_check_on_connect(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: check each new MySQL connection's server (one
    attribute read: Django caches the version per connection)."""
    if connection.vendor == "mysql":
        server_check(connection)


def unique_where(*, table: str, name: str, column: str, expression: str) -> migrations.RunPython:
    """A migration operation: on MySQL/MariaDB only, a stored generated ``column`` =
    ``expression`` (NULL where the constraint's condition does not hold) with the unique index
    ``name`` on it. Elsewhere it does nothing: the model's own constraint is there."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(
                f"ALTER TABLE {table} ADD COLUMN {column} bigint "
                f"GENERATED ALWAYS AS ({expression}) STORED"
            )
            schema_editor.execute(f"CREATE UNIQUE INDEX {name} ON {table} ({column})")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(f"DROP INDEX {name} ON {table}")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN {column}")

    return migrations.RunPython(forwards, backwards, elidable=False)


def unique_index(*, table: str, name: str, columns: list[str]) -> migrations.RunPython:
    """On MySQL/MariaDB only, a plain unique index: enough for a condition that is only
    "these columns are not NULL", since unique indexes there ignore rows with a NULL."""

    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(f"CREATE UNIQUE INDEX {name} ON {table} ({', '.join(columns)})")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor == "mysql":
            schema_editor.execute(f"DROP INDEX {name} ON {table}")

    return migrations.RunPython(forwards, backwards, elidable=False)
