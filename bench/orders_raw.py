"""The order intake transaction in raw SQL, the ceiling ``bench/orders.py`` measures against.

Insert the order, its lines and its two events, decrement stock with the no-oversell condition,
insert the reservations, commit. Its rows are copied from an order the real service placed
(``template``), so both write the same columns. Used straight through the driver (the raw
column) and behind a bare Django view (``bench/orders_bare.py``, the framework's ceiling).
No Django here: the driver's connection, one per thread.
"""

import sqlite3
import uuid
from datetime import UTC, datetime


class RawIntake:
    def __init__(
        self, template: dict, *, sqlite_path: str = "", pg_url: str = "", mysql_url: str = ""
    ) -> None:
        self.t = template
        self.sqlite_path = sqlite_path
        self.pg_url = pg_url
        self.pg = bool(pg_url)
        self.mysql_url = mysql_url
        self.my = bool(mysql_url)
        # psycopg and MySQLdb take %s; sqlite3 takes ?
        self.mark = "?" if not (self.pg or self.my) else "%s"

    def connect(self):
        if self.pg:
            import psycopg

            return psycopg.connect(self.pg_url)
        if self.my:
            return mysql_connect(self.mysql_url)
        conn = sqlite3.connect(self.sqlite_path, timeout=20, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    def place(self, conn, lines: list) -> str | None:
        """One order of ``lines`` ([sku, variant id, stock id] each) in its own transaction;
        None if it committed, else why not."""
        try:
            if self.my:  # MySQLdb: autocommit off, so the first statement begins it
                cursor = conn.cursor()
                error = self._transaction(cursor, lines)
                conn.rollback() if error else conn.commit()
                return error
            if self.pg:
                with conn.transaction(), conn.cursor() as cursor:
                    error = self._transaction(cursor, lines)
                    if error:
                        raise _Rollback(error)
                return None
            cursor = conn.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            error = self._transaction(cursor, lines)
            cursor.execute("ROLLBACK" if error else "COMMIT")
            return error
        except _Rollback as e:
            return str(e)
        except Exception as e:  # a bench reports what went wrong and goes on
            if self.my:
                conn.rollback()
            elif not self.pg and conn.in_transaction:
                conn.execute("ROLLBACK")
            return type(e).__name__

    def _now(self) -> str:
        now = datetime.now(UTC)
        return now.isoformat() if self.pg else now.replace(tzinfo=None).isoformat(" ")

    def _insert(self, cursor, part: dict, rows: list[dict]) -> list[int]:
        columns = [c for c in part["columns"] if c != "id"]
        one = "(" + ", ".join([self.mark] * len(columns)) + ")"
        sql = (
            f"INSERT INTO {part['table']} ({', '.join(columns)}) VALUES "  # noqa: S608
            + ", ".join([one] * len(rows))
        )
        params = [row[c] for row in rows for c in columns]
        if self.my:
            # MySQL 8 has no RETURNING: InnoDB gives one multi-row INSERT consecutive ids
            # from the first (a "simple insert", whatever innodb_autoinc_lock_mode is).
            cursor.execute(sql, params)
            return list(range(cursor.lastrowid, cursor.lastrowid + len(rows)))
        cursor.execute(sql + " RETURNING id", params)
        return [r[0] for r in cursor.fetchall()]

    def _rows(self, part: dict, **values) -> list[dict]:
        now = self._now()
        rows = []
        for template in part["rows"]:
            row = dict(zip(part["columns"], template, strict=True))
            for column in part["times"]:
                if row[column] is not None:
                    row[column] = now
            row.update(values)
            rows.append(row)
        return rows

    def _transaction(self, cursor, lines: list) -> str | None:
        number = "SO-B-" + uuid.uuid4().hex[:12].upper()
        (order_row,) = self._rows(
            self.t["order"], number=number, public_token=uuid.uuid4().hex, idempotency_key=None
        )
        (order_id,) = self._insert(cursor, self.t["order"], [order_row])
        (line_template,) = self._rows(self.t["line"], order_id=order_id)
        line_rows = [
            {**line_template, "variant_id": variant, "sku": sku, "quantity": 1}
            for sku, variant, _ in lines
        ]
        line_ids = self._insert(cursor, self.t["line"], line_rows)
        events = self._rows(self.t["events"], subject_id=str(order_id))
        for event in events:
            event["correlation_id"] = uuid.uuid4().hex if not self.pg else str(uuid.uuid4())
        self._insert(cursor, self.t["events"], events)
        mark = self.mark
        for _, _, stock in sorted(lines, key=lambda s: s[2]):  # primary-key lock order
            cursor.execute(
                "UPDATE inventory_stocklevel SET reserved = reserved + 1, "  # noqa: S608
                f"updated_at = {mark} WHERE id = {mark} AND on_hand - reserved >= 1",
                [self._now(), stock],
            )
            if cursor.rowcount != 1:
                return "out of stock"
        (reservation,) = self._rows(self.t["reservation"])
        self._insert(
            cursor,
            self.t["reservation"],
            [
                {**reservation, "stock_id": stock, "order_line_id": line_id, "quantity": 1}
                for (_, _, stock), line_id in zip(lines, line_ids, strict=True)
            ],
        )
        return None


class _Rollback(Exception):
    pass


def mysql_connect(url: str, *, database: bool = True):
    """A MySQLdb connection from ``mysql://user:pass@host:port/db`` (utf8mb4, UTC, READ
    COMMITTED: what SoloOps's own connections set)."""
    from urllib.parse import unquote, urlsplit

    import MySQLdb

    parts = urlsplit(url)
    conn = MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/") if database else "",
        charset="utf8mb4",
    )
    with conn.cursor() as cursor:
        cursor.execute("SET time_zone = '+00:00'")
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
    return conn
