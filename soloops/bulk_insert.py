"""Bulk INSERTs for loaders that write hundreds of thousands of rows (the demo, imports).

``QuerySet.bulk_create`` compiles every value of every row through the model field machinery,
about 10 µs a value: most of the time of a 100,000-order demo load. Here each column's adapter
is chosen once and values go in as given. Timestamps stay as the caller set them (history keeps
its dates); a column the caller leaves out gets its field's default, "now" for ``auto_now``
fields, or NULL, so a field added to a model later does not break a loader that predates it.

SQLite (and others) get multi-row ``INSERT ... VALUES`` statements as large as the parameter
limit allows; PostgreSQL gets ``COPY ... FROM STDIN``, with ids drawn from the table's sequence
first when the caller needs them (psycopg parses statements with thousands of placeholders
slowly; COPY streams rows through its C writer).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC
from itertools import islice

from django.db import connections, models, router
from django.utils import timezone

MAX_ROWS_PER_STATEMENT = 1000
COPY_CHUNK = 5000
# Fewer rows than this, given as a list, go to PostgreSQL as one INSERT … RETURNING: for a
# handful of rows (an event or two) a COPY and a separate read of the sequence cost more.
COPY_MIN_ROWS = 50


def _adapter(field: models.Field, connection) -> Callable | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite" and connection.timezone == UTC:
            # What the SQLite backend stores (naive UTC text), without its per-value checks.
            return lambda value: value.astimezone(UTC).isoformat(" ")[:-6]
        return ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: ops.adapt_json_value(value, field.encoder)
    if isinstance(field, models.GenericIPAddressField):
        return ops.adapt_ipaddressfield_value
    if isinstance(field, models.UUIDField):
        return lambda value: field.get_db_prep_value(value, connection)
    if isinstance(field, models.DecimalField | models.BooleanField | models.IntegerField):
        return None  # both drivers take Decimal, bool and int as they are
    if isinstance(field, models.CharField | models.TextField | models.ForeignKey):
        return None
    return lambda value: field.get_db_prep_save(value, connection)


class _Rows:
    """The columns to write and how to turn a caller's row into database values."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], connection) -> None:
        meta = model._meta
        self.columns = [meta.get_field(name) for name in fields]
        given = {f.attname for f in self.columns}
        now = timezone.now()
        self.fillers: list[Callable[[], object]] = []
        for f in meta.concrete_fields:
            if f.primary_key or f.attname in given or f.has_db_default():
                continue
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.fillers.append(_constant(now))
            elif f.has_default():
                if callable(f.default):  # uuid4, dict, timezone.now: a fresh value per row
                    self.fillers.append(f.get_default)
                else:
                    self.fillers.append(_constant(f.get_default()))
            elif f.null:
                continue
            else:
                raise ValueError(f"{meta.label}.{f.name} has no default: give it a value")
            self.columns.append(f)
        adapters = [_adapter(f, connection) for f in self.columns]
        # Datetime columns share one adapter, so a value repeated across them (created_at and
        # updated_at of a row, one "now" in every row) is converted once.
        shared = next((a for f, a in zip(self.columns, adapters, strict=True) if _is_dt(f)), None)
        adapters = [shared if _is_dt(f) else a for f, a in zip(self.columns, adapters, strict=True)]
        kinds = list({id(a): a for a in adapters if a is not None}.values())
        self.indexed = [(i, a, kinds.index(a)) for i, a in enumerate(adapters) if a is not None]
        self.last_in: list[object] = [None] * len(kinds)
        self.last_out: list[object] = [None] * len(kinds)

    def values(self, row: Sequence) -> list:
        values = list(row)
        values.extend(fill() for fill in self.fillers)
        last_in, last_out = self.last_in, self.last_out
        for i, adapt, kind in self.indexed:
            value = values[i]
            if value is None:
                continue
            if value is last_in[kind]:
                values[i] = last_out[kind]
            else:
                values[i] = last_out[kind] = adapt(value)
                last_in[kind] = value
        return values


def _constant(value) -> Callable[[], object]:
    return lambda: value


def _is_dt(field: models.Field) -> bool:
    return isinstance(field, models.DateTimeField)


def _chunks(rows: Iterable[Sequence], size: int) -> Iterator[list[Sequence]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence],
    *,
    return_ids: bool = False,
    skip_conflicts: bool = False,
) -> list[int] | int:
    """Insert ``rows`` (sequences of Python values in ``fields`` order).

    Returns the new ids in row order with ``return_ids``, else how many rows went in. Nothing
    is validated and no signal is sent. Precondition: inside a transaction.

    ``skip_conflicts``: a row a unique constraint refuses is left out without an error
    (``INSERT … ON CONFLICT DO NOTHING``), and only the ids of the rows inserted are returned.
    SQLite and PostgreSQL only (``supports_skip_conflicts``): MySQL's ``INSERT IGNORE`` also
    turns other errors into warnings.
    """
    connection = connections[router.db_for_write(model)]
    if skip_conflicts and not supports_skip_conflicts(connection):
        raise NotImplementedError(f"skip_conflicts on {connection.vendor}")
    plan = _Rows(model, fields, connection)
    meta = model._meta
    quote = connection.ops.quote_name
    names = [quote(f.column) for f in plan.columns]
    pk = quote(meta.pk.column)
    ids: list[int] = []
    count = 0
    few = isinstance(rows, list) and len(rows) < COPY_MIN_ROWS
    if connection.vendor == "postgresql" and not few and not skip_conflicts:
        with connection.cursor() as cursor:
            for chunk in _chunks(rows, COPY_CHUNK):
                count += len(chunk)
                values = [plan.values(row) for row in chunk]
                columns = names
                if return_ids:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
                        "FROM generate_series(1, %s)",
                        [meta.db_table, meta.pk.column, len(chunk)],
                    )
                    new = sorted(r[0] for r in cursor.fetchall())
                    ids.extend(new)
                    values = [[pk_value, *v] for pk_value, v in zip(new, values, strict=True)]
                    columns = [pk, *names]
                sql = f"COPY {quote(meta.db_table)} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for v in values:
                        copy.write_row(v)
        return ids if return_ids else count
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(names)}) VALUES "  # noqa: S608
    one_row = "(" + ", ".join(["%s"] * len(names)) + ")"
    if return_ids and connection.vendor == "mysql" and not connection.mysql_is_mariadb:
        # MySQL has no INSERT … RETURNING, and its ids of a multi-row insert need not be
        # consecutive: one row per statement, each id from the cursor.
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(head + one_row, plan.values(row))
                ids.append(cursor.lastrowid)
        return ids
    tail = (" ON CONFLICT DO NOTHING" if skip_conflicts else "") + (
        f" RETURNING {pk}" if return_ids else ""
    )
    # SQLite caps a statement's parameters; MySQL/MariaDB (mysqlclient fills them in on the
    # client) cap only the packet size, which 1,000 rows stay far below.
    limit = connection.features.max_query_params or MAX_ROWS_PER_STATEMENT * len(names)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, max(1, min(MAX_ROWS_PER_STATEMENT, limit // len(names)))):
            count += len(chunk)
            params = [value for row in chunk for value in plan.values(row)]
            cursor.execute(head + ", ".join([one_row] * len(chunk)) + tail, params)
            if return_ids:
                ids.extend(r[0] for r in cursor.fetchall())
            elif skip_conflicts:
                count += cursor.rowcount - len(chunk)
    return ids if return_ids else count


def supports_skip_conflicts(connection) -> bool:
    """Whether ``insert_rows(skip_conflicts=True)`` works on ``connection``."""
    return connection.vendor in ("sqlite", "postgresql")


def insert_instances(objs: Sequence[models.Model]) -> list[models.Model]:
    """Save new instances of one model in one INSERT, as ``bulk_create`` does but without its
    per-value field machinery: for the handful of rows of intake's hot path, where building
    that INSERT was a third of its time. ``auto_now``/``auto_now_add`` fields are set to now;
    each instance gets its id and counts as saved. Nothing is validated and no signal is sent
    (as with ``bulk_create``). Precondition: inside a transaction."""
    if not objs:
        return []
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    names = [f.attname for f in fields]
    rows = [[getattr(obj, name) for name in names] for obj in objs]
    ids = insert_rows(model, names, rows, return_ids=True)
    db = router.db_for_write(model)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db
    return list(objs)
