"""soloops backup / restore: a running shop copied consistently, restored elsewhere with the
same rows, the ledger consistent; damaged files and wrong passphrases refused; retention."""

import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from soloops.monitoring.backups.retention import to_keep
from soloops.monitoring.services import backup_create, backups_rotate
from soloops.orders.services import order_place
from tests.conftest import REPO
from tests.factories import SYSTEM, draft, make_variant

TABLES = ["orders_order", "orders_orderline", "inventory_stocklevel", "inventory_movement"]


def rows(query) -> dict[str, list[tuple]]:
    return {t: query(f"SELECT * FROM {t} ORDER BY id") for t in TABLES}  # noqa: S608


def raw_query(database_url_or_path: str):
    """Rows as the database driver gives them, without Django's conversions, so both sides
    of a comparison are read alike."""
    if connection.vendor == "sqlite":

        def query(sql):
            conn = sqlite3.connect(database_url_or_path)
            try:
                return [tuple(r) for r in conn.execute(sql).fetchall()]
            finally:
                conn.close()

        return query

    if connection.vendor == "mysql":
        import MySQLdb  # the mysql extra

        def query(sql):
            conn = MySQLdb.connect(**mysql_params(database_url_or_path))
            try:
                with conn.cursor() as cursor:
                    cursor.execute(sql)
                    return [tuple(r) for r in cursor.fetchall()]
            finally:
                conn.close()

        return query

    def query(sql):
        with psycopg.connect(database_url_or_path) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]

    return query


def mysql_params(name: str) -> dict:
    s = connection.settings_dict
    params = dict(host=s["HOST"] or "127.0.0.1", port=int(s["PORT"] or 3306), user=s["USER"])
    return {**params, "password": s["PASSWORD"] or "", "database": name, "charset": "utf8mb4"}


def our_rows() -> dict[str, list[tuple]]:
    s = connection.settings_dict
    if connection.vendor in ("sqlite", "mysql"):
        return rows(raw_query(s["NAME"]))
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 5432
    return rows(raw_query(f"postgresql://{s['USER']}@{host}:{port}/{s['NAME']}"))


@pytest.fixture
def elsewhere(tmp_path, process_env):
    """An empty installation beside this one: its own var/ and database, and a way to run
    ``soloops`` there and read its tables."""
    var = tmp_path / "elsewhere"
    var.mkdir()
    env = {**process_env, "SOLOOPS_VAR_DIR": str(var)}
    if connection.vendor == "sqlite":
        path = var / "restored.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{path}"
        yield env, raw_query(str(path))
        return
    s = connection.settings_dict
    name = f"{s['NAME']}_restored"
    if connection.vendor == "mysql":
        yield from mysql_elsewhere(env, name)
        return
    admin = dict(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"])
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"postgres://{s['USER']}@{admin['host']}:{admin['port']}/{name}"
    yield env, raw_query(f"postgresql://{s['USER']}@{admin['host']}:{admin['port']}/{name}")
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mysql_elsewhere(env, name):
    import MySQLdb  # the mysql extra

    def admin(sql):
        conn = MySQLdb.connect(**{**mysql_params(name), "database": ""})
        try:
            conn.cursor().execute(sql)
        finally:
            conn.close()

    s = connection.settings_dict
    admin(f"DROP DATABASE IF EXISTS `{name}`")
    admin(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    host, port = s["HOST"] or "127.0.0.1", s["PORT"] or 3306
    env["DATABASE_URL"] = f"mysql://{s['USER']}@{host}:{port}/{name}"
    yield env, raw_query(name)
    admin(f"DROP DATABASE IF EXISTS `{name}`")


def soloops(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "soloops.cli", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def place(n: int, first: int = 0) -> None:
    for i in range(first, first + n):
        order_place(
            draft=draft(("MUG-1", 1), email=f"c{i}@example.com"), channel="api", actor=SYSTEM
        )


@pytest.mark.processes
def test_backup_then_change_then_restore_elsewhere_gives_the_same_rows(
    transactional_db, elsewhere, tmp_path
):
    # given a shop with orders, reservations and a ledger
    env, query = elsewhere
    make_variant("MUG-1", stock=500)
    place(5)
    record = backup_create(actor=SYSTEM, output=tmp_path / "shop.tar.gz")
    at_backup = our_rows()
    place(3, first=100)  # a change after the backup

    # when
    restored = soloops(env, "restore", record.path)

    # then the restored shop is the shop as it was at the backup
    assert restored.returncode == 0, restored.stderr
    assert "ledger       ok" in restored.stdout
    assert rows(query) == at_backup
    assert len(at_backup["orders_order"]) == 5
    # and its generated secrets came along (sessions and signatures stay valid)
    secret = (Path(env["SOLOOPS_VAR_DIR"]) / "secret_key").read_text()
    assert secret == (settings.VAR_DIR / "secret_key").read_text()


@pytest.mark.processes
def test_a_backup_taken_while_orders_come_in_is_consistent(transactional_db, elsewhere, tmp_path):
    # given orders placed from another thread during the backup
    env, query = elsewhere
    make_variant("MUG-1", stock=5000)
    place(3)
    stop = threading.Event()

    def keep_ordering():
        i = 1000
        try:
            while not stop.is_set():
                place(1, first=i)
                i += 1
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=keep_ordering)
    thread.start()
    try:
        record = backup_create(actor=SYSTEM, output=tmp_path / "busy.tar.gz")
    finally:
        stop.set()
        thread.join()

    # when
    restored = soloops(env, "restore", record.path)

    # then every table holds what the manifest counted in one snapshot, and each order
    # restored is exactly the order as it is here
    assert restored.returncode == 0, restored.stderr
    assert "ledger       ok" in restored.stdout
    ours = {r[0]: r for r in our_rows()["orders_order"]}
    theirs = rows(query)["orders_order"]
    assert len(theirs) == record.manifest["row_counts"]["orders_order"] >= 3
    assert all(ours[r[0]] == r for r in theirs)


@pytest.mark.processes
def test_restore_refuses_a_database_with_tables_without_force(
    transactional_db, elsewhere, tmp_path
):
    # given an installation that has its tables already
    env, _ = elsewhere
    make_variant("MUG-1", stock=5)
    record = backup_create(actor=SYSTEM, output=tmp_path / "shop.tar.gz")
    assert soloops(env, "init").returncode == 0

    # when
    refused = soloops(env, "restore", record.path)
    forced = soloops(env, "restore", record.path, "--force")

    # then
    assert refused.returncode == 1
    assert "database:" in refused.stderr and "--force" in refused.stderr
    assert forced.returncode == 0, forced.stderr


def test_an_encrypted_backup_needs_its_passphrase(transactional_db, tmp_path, elsewhere):
    # given
    env, _ = elsewhere
    record = backup_create(actor=SYSTEM, output=tmp_path / "s.tar.gz.enc", passphrase="open sesame")
    (tmp_path / "right").write_text("open sesame\n")
    (tmp_path / "wrong").write_text("close sesame\n")
    assert b"secret_key" not in Path(record.path).read_bytes()

    # when
    without = soloops(env, "restore", record.path)
    wrong = soloops(env, "restore", record.path, "--passphrase-file", str(tmp_path / "wrong"))
    right = soloops(env, "restore", record.path, "--passphrase-file", str(tmp_path / "right"))

    # then
    assert "encrypted" in without.stderr and without.returncode == 1
    assert "wrong passphrase" in wrong.stderr and wrong.returncode == 1
    assert right.returncode == 0, right.stderr


def test_a_damaged_backup_is_refused_before_anything_is_written(
    transactional_db, tmp_path, elsewhere
):
    # given a backup with one byte changed
    env, _ = elsewhere
    record = backup_create(actor=SYSTEM, output=tmp_path / "s.tar.gz")
    data = bytearray(Path(record.path).read_bytes())
    data[len(data) // 2] ^= 0xFF
    Path(record.path).write_bytes(bytes(data))

    # when
    result = soloops(env, "restore", record.path)

    # then
    assert result.returncode == 1
    assert "file:" in result.stderr and "checksum" in result.stderr


def test_retention_keeps_7_daily_4_weekly_12_monthly():
    # given two backups a day for 400 days
    start = datetime(2025, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(hours=12 * i) for i in range(800)]

    # when
    kept = sorted(to_keep(moments), reverse=True)

    # then the newest of each of the last 7 days, 4 weeks and 12 months: no more
    days = {m.date() for m in kept}
    assert kept[0] == moments[-1]
    assert len([m for m in kept if m > moments[-1] - timedelta(days=7)]) == 7
    assert len({(m.year, m.month) for m in kept}) == 12
    assert len(kept) == len(set(kept)) <= 7 + 4 + 12
    assert len(days) == len(kept)  # one per day at most


def test_rotation_deletes_files_retention_does_not_keep(db, settings, tmp_path):
    # given a folder with 10 backups of one day and 3 of 40 days ago
    settings.BACKUP_DIR = tmp_path
    now = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    names = []
    for moment in [now - timedelta(minutes=i) for i in range(10)] + [
        now - timedelta(days=40, minutes=i) for i in range(3)
    ]:
        name = moment.strftime("soloops-%Y%m%d-%H%M%S-%f") + ".tar.gz"
        (tmp_path / name).write_bytes(b"x")
        (tmp_path / f"{name}.sha256").write_text("x")
        names.append(name)
    (tmp_path / "notes.txt").write_text("not a backup")

    # when
    deleted = backups_rotate()

    # then the newest of today and the newest of 40 days ago stay (daily and monthly)
    left = sorted(p.name for p in tmp_path.glob("soloops-*.tar.gz"))
    assert left == sorted([names[0], names[10]])
    assert len(deleted) == 11
    assert (tmp_path / "notes.txt").exists()
    assert not (tmp_path / f"{names[1]}.sha256").exists()
