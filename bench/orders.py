"""Order intake throughput: ``POST /api/orders`` on the real web server, against its ceiling.

For each backend (SQLite file, PostgreSQL database ``soloops_bench``) this prepares a fresh
database (migrate; thousands of SKUs with ample stock and one hot SKU; an owner write token; a
review policy that holds nothing; ANALYZE on PostgreSQL), starts ``soloops web`` on it and
drives ``POST /api/orders`` from threads with keep-alive ``http.client`` connections at
concurrency 1, 8 and 32, in two scenarios:

- low contention: 1 to 3 lines, each a random SKU out of thousands;
- high contention: every order has the hot SKU (and 0 to 2 random others).

The ceiling is the same transaction in raw SQL straight through the driver (psycopg or
sqlite3), one connection per thread: insert the order, its lines and its two events, decrement
stock with the no-oversell condition, insert the reservations, commit. Its rows are copied
from an order the real service placed, so both write the same columns.

Queries per order are counted once in-process around ``order_place`` (savepoints excluded).
It prints figures and asserts nothing about time. Usage:

    .venv/bin/python bench/orders.py [--backend sqlite|postgres|both] [--requests N] [--quick]

The server it starts runs in its own process group, stopped on exit, Ctrl-C or SIGTERM.
"""

import argparse
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "soloops_bench"
HOT_SKU = "HOT-0001"
CONCURRENCY = (1, 8, 32)
SCENARIOS = ("low", "high")
WEB_WORKERS, WEB_THREADS = 2, 8
ADDRESS = {
    "name": "Bench Buyer",
    "line1": "Lindenweg 12",
    "city": "Berlin",
    "postal_code": "10115",
    "country": "DE",
}


# --- the prepare step (a child process: Django is set up once per database) -------------------


def prepare(skus: int) -> dict:
    """Migrate, seed, make a token, relax the review; measure queries; describe the rows."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import Role
    from soloops.accounts.services import token_create, user_create
    from soloops.bulk_insert import insert_rows
    from soloops.catalog.models import Product, Variant
    from soloops.inventory.models import Location, Movement, StockLevel
    from soloops.orders.models import Order, ReviewPolicy
    from soloops.orders.services import LineDraft, OrderDraft, order_place

    call_command("migrate", interactive=False, verbosity=0)
    system = Actor.system("bench")
    now = timezone.now()
    names = [HOT_SKU] + [f"SKU-{i:05d}" for i in range(1, skus)]
    with transaction.atomic():
        product_ids = insert_rows(
            Product,
            ("name", "slug", "description", "active", "created_at", "updated_at"),
            [(f"Bench product {s}", s.lower(), "", True, now, now) for s in names],
            return_ids=True,
        )
        variant_ids = insert_rows(
            Variant,
            (
                "product_id",
                "sku",
                "name",
                "price",
                "currency",
                "weight_grams",
                "requires_shipping",
                "active",
                "low_stock_threshold",
                "created_at",
                "updated_at",
            ),
            [
                (p, s, "", "9.90", "EUR", 300, True, True, 5, now, now)
                for p, s in zip(product_ids, names, strict=True)
            ],
            return_ids=True,
        )
        location = Location.objects.get(is_default=True).pk
        on_hand = 10_000_000
        stock_ids = insert_rows(
            StockLevel,
            ("variant_id", "location_id", "on_hand", "reserved", "created_at", "updated_at"),
            [(v, location, on_hand, 0, now, now) for v in variant_ids],
            return_ids=True,
        )
        insert_rows(
            Movement,
            (
                "variant_id",
                "location_id",
                "kind",
                "quantity",
                "balance_after",
                "reason",
                "reference_type",
                "reference_id",
                "actor_kind",
                "actor_label",
                "created_at",
                "updated_at",
            ),
            [
                (
                    v,
                    location,
                    "receipt",
                    on_hand,
                    on_hand,
                    "bench",
                    "",
                    "",
                    "system",
                    "bench",
                    now,
                    now,
                )
                for v in variant_ids
            ],
        )
        ReviewPolicy.objects.update_or_create(
            pk=1,
            defaults={
                "max_quantity_per_line": 1000,
                "first_order_limit": 10**9,
                "max_orders_per_email": 10**9,
                "max_orders_per_ip": 10**9,
                "hold_at_score": 10**6,
                "reject_at_score": 10**6,
            },
        )
        owner = user_create(
            username="bench",
            email="bench@bench.example",
            password=uuid.uuid4().hex + "Aa1!",
            role=Role.OWNER,
            actor=system,
        )
        token = token_create(user=owner, name="bench", scope="write", actor=system).secret
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def draft(email: str, lines: list[str]) -> OrderDraft:
        return OrderDraft(
            email=email,
            name="Bench Buyer",
            lines=[LineDraft(sku=s, quantity=1) for s in lines],
            shipping_address=ADDRESS,
        )

    def counted(d: OrderDraft) -> tuple[int, Order]:
        with CaptureQueriesContext(connection) as queries:
            order, _ = order_place(draft=d, channel="api", actor=system, client_ip="127.0.0.1")
        sqls = [q["sql"] for q in queries.captured_queries]
        return sum(1 for s in sqls if "SAVEPOINT" not in s.upper()), order

    # The policy and rate tables are cached after the first order; count steady state.
    counted(draft("warm@bench.example", [names[1]]))
    first, template = counted(draft("first@bench.example", [names[2]]))
    repeat, _ = counted(draft("first@bench.example", [names[3], names[4]]))
    hot, _ = counted(draft("first@bench.example", [HOT_SKU, names[5]]))
    return {
        "token": token,
        "skus": [[n, v, s] for n, v, s in zip(names, variant_ids, stock_ids, strict=True)],
        "queries": {"first_order": first, "repeat_order": repeat, "hot_order": hot},
        "template": _template_rows(template),
    }


def _template_rows(order) -> dict:
    """The rows the service wrote for one order, as (columns, values), plus which are times."""
    from django.db import connection

    from soloops.automation.models import Event
    from soloops.inventory.models import Reservation
    from soloops.orders.models import Order, OrderLine

    def dump(model, where: str, value) -> dict:
        table = model._meta.db_table
        times = [
            f.column
            for f in model._meta.concrete_fields
            if f.get_internal_type() == "DateTimeField"
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} WHERE {where} = %s ORDER BY id", [value])  # noqa: S608
            columns = [c[0] for c in cursor.description]
            rows = [[_plain(v) for v in row] for row in cursor.fetchall()]
        return {"table": table, "columns": columns, "rows": rows, "times": times}

    line = OrderLine.objects.filter(order=order).first()
    return {
        "order": dump(Order, "id", order.pk),
        "line": dump(OrderLine, "id", line.pk),
        "events": dump(Event, "subject_id", str(order.pk)) | {"subject": "orders.order"},
        "reservation": dump(Reservation, "order_line_id", line.pk),
    }


def _plain(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


# --- the database and the server --------------------------------------------------------------


@dataclass
class Target:
    backend: str
    tmp: Path
    env: dict = field(default_factory=dict)
    sqlite_path: Path | None = None
    pg_url: str = ""
    server: subprocess.Popen | None = None
    port: int = 0

    @classmethod
    def make(cls, backend: str, tmp: Path) -> "Target":
        target = cls(backend, tmp)
        var = tmp / backend
        var.mkdir()
        if backend == "sqlite":
            target.sqlite_path = var / "bench.sqlite3"
            url = f"sqlite:///{target.sqlite_path}"
        else:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)", f"CREATE DATABASE {PG_DB}")
            url = target.pg_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"
        target.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "soloops.settings",
            "SOLOOPS_VAR_DIR": str(var),
            "SOLOOPS_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SOLOOPS_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(REPO),
        }
        return target

    def prepare(self, skus: int) -> dict:
        out = subprocess.run(
            [sys.executable, __file__, "--_prepare", str(skus)],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if out.returncode != 0:
            raise SystemExit(f"bench: preparing {self.backend} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])

    def start(self) -> None:
        self.port = _free_port()
        log = open(self.tmp / f"web-{self.backend}.log", "wb")  # noqa: SIM115 - the child's
        self.server = subprocess.Popen(
            [
                *(sys.executable, "-m", "soloops.cli", "web", "--port", str(self.port)),
                *("--workers", str(WEB_WORKERS), "--threads", str(WEB_THREADS)),
            ],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one
        )
        _RUNNING.append(self)
        deadline = time.monotonic() + 120
        last = "no answer"
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise SystemExit(f"bench: the web server exited:\n{self._log_tail(log.name)}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                last = f"HTTP {response.status}: {response.read()[:200]!r}"
                if response.status == 200:
                    return
            except OSError as e:
                last = f"{type(e).__name__}: {e}"
            time.sleep(0.3)
        raise SystemExit(
            f"bench: /healthz did not answer 200 within 120 s ({last}):\n{self._log_tail(log.name)}"
        )

    @staticmethod
    def _log_tail(path: str) -> str:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-15:])

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.server.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.server.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.server = None
        if self in _RUNNING:
            _RUNNING.remove(self)

    def drop(self, keep: bool) -> None:
        if self.backend == "postgres" and not keep:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


_RUNNING: list[Target] = []


def _stop_all(*_) -> None:
    for target in list(_RUNNING):
        target.stop()


def _pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- load ----------------------------------------------------------------------------------


@dataclass
class Run:
    ok: int = 0
    errors: dict = field(default_factory=dict)
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def _lines(rng: random.Random, scenario: str, skus: list) -> list:
    """1 to 3 distinct SKUs; ``skus[0]`` is the hot one, in every high-contention order."""
    count = rng.randint(1, 3)
    picked: list = [skus[0]] if scenario == "high" else []
    while len(picked) < count:
        sku = skus[rng.randrange(1, len(skus))]
        if sku not in picked:
            picked.append(sku)
    return picked


def _drive(concurrency: int, requests: int, seconds: float, one) -> Run:
    """Call ``one(rng, state)`` ``requests`` times from ``concurrency`` threads, or until time."""
    run = Run()
    counter = itertools.count()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        rng = random.Random(n)
        state: dict = {}
        try:
            while next(counter) < requests and time.monotonic() < stop_at:
                started = time.perf_counter()
                error = one(rng, state)
                elapsed = time.perf_counter() - started
                with lock:
                    if error is None:
                        run.ok += 1
                        run.latencies.append(elapsed)
                    else:
                        run.errors[error] = run.errors.get(error, 0) + 1
        finally:
            if "close" in state:
                state["close"]()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - started
    return run


def api_one(port: int, token: str, scenario: str, skus: list):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one(rng: random.Random, state: dict):
        if "conn" not in state:
            state["conn"] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            state["close"] = state["conn"].close
        body = {
            "email": f"buyer{rng.randint(1, 2000)}@bench.example",
            "name": "Bench Buyer",
            "lines": [{"sku": s[0], "quantity": 1} for s in _lines(rng, scenario, skus)],
            "shipping_address": ADDRESS,
        }
        try:
            state["conn"].request("POST", "/api/orders", json.dumps(body), headers)
            response = state["conn"].getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as e:
            state["conn"].close()
            del state["conn"]
            return type(e).__name__
        return None if response.status == 201 else f"HTTP {response.status}"

    return one


class Ceiling:
    """The intake transaction in raw SQL, rows shaped like the ones the service wrote."""

    def __init__(self, target: Target, template: dict, scenario: str, skus: list) -> None:
        self.target = target
        self.t = template
        self.scenario = scenario
        self.skus = skus
        self.pg = target.backend == "postgres"

    def _now(self) -> str:
        now = datetime.now(UTC)
        return now.isoformat() if self.pg else now.replace(tzinfo=None).isoformat(" ")

    def _insert(self, cursor, part: dict, rows: list[dict]) -> list[int]:
        columns = [c for c in part["columns"] if c != "id"]
        mark = "%s" if self.pg else "?"
        one = "(" + ", ".join([mark] * len(columns)) + ")"
        sql = (
            f"INSERT INTO {part['table']} ({', '.join(columns)}) VALUES "  # noqa: S608
            + ", ".join([one] * len(rows))
            + " RETURNING id"
        )
        params = [row[c] for row in rows for c in columns]
        cursor.execute(sql, params)
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

    def transaction(self, cursor, rng: random.Random) -> str | None:
        """One order; None if it committed, else why not."""
        lines = _lines(rng, self.scenario, self.skus)
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
        mark = "%s" if self.pg else "?"
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

    def one(self):
        def one(rng: random.Random, state: dict):
            if "conn" not in state:
                state["conn"] = self._connect()
                state["close"] = state["conn"].close
            conn = state["conn"]
            try:
                if self.pg:
                    with conn.transaction(), conn.cursor() as cursor:
                        error = self.transaction(cursor, rng)
                        if error:
                            raise _Rollback(error)
                    return None
                cursor = conn.cursor()
                cursor.execute("BEGIN IMMEDIATE")
                error = self.transaction(cursor, rng)
                cursor.execute("ROLLBACK" if error else "COMMIT")
                return error
            except _Rollback as e:
                return str(e)
            except Exception as e:  # a bench reports what went wrong and goes on
                if not self.pg and conn.in_transaction:
                    conn.execute("ROLLBACK")
                return type(e).__name__

        return one

    def _connect(self):
        if self.pg:
            import psycopg

            return psycopg.connect(self.target.pg_url)
        conn = sqlite3.connect(self.target.sqlite_path, timeout=20, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn


class _Rollback(Exception):
    pass


# --- the report ----------------------------------------------------------------------------


def _print_table(rows: list[dict]) -> None:
    head = (
        f"{'backend':<9} {'scenario':<9} {'conc':>4} | {'API ord/s':>9} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'q/order':>7} {'err':>4} | {'raw ord/s':>9} {'p50 ms':>7} {'p95 ms':>7} "
        f"| {'API/raw':>7}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        api, raw = r["api"], r["raw"]
        errors = sum(api.errors.values()) + sum(raw.errors.values())
        ratio = api.rate / raw.rate if raw.rate else float("nan")
        print(
            f"{r['backend']:<9} {r['scenario']:<9} {r['concurrency']:>4} | {api.rate:>9.1f} "
            f"{api.percentile(0.5):>7.1f} {api.percentile(0.95):>7.1f} {r['queries']:>7} "
            f"{errors:>4} | {raw.rate:>9.1f} {raw.percentile(0.5):>7.1f} "
            f"{raw.percentile(0.95):>7.1f} | {ratio:>7.2f}"
        )
    for r in rows:
        for label, run in (("API", r["api"]), ("raw", r["raw"])):
            if run.errors:
                print(f"  {r['backend']} {r['scenario']} x{r['concurrency']} {label}: {run.errors}")


def bench(args) -> None:
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    requests = args.requests or (60 if args.quick else 300)
    skus = 500 if args.quick else 3000
    seconds = 5.0 if args.quick else 15.0  # per run, so a slow machine still ends in minutes
    tmp = Path(tempfile.mkdtemp(prefix="soloops-bench-"))
    rows = []
    began = time.monotonic()
    print(
        f"bench: {requests} orders per run (at most {seconds:.0f} s), {skus:,} SKUs + 1 hot, "
        f"web: {WEB_WORKERS} workers x {WEB_THREADS} threads, {os.cpu_count()} CPUs",
        flush=True,
    )
    try:
        for backend in backends:
            target = Target.make(backend, tmp)
            try:
                started = time.monotonic()
                info = target.prepare(skus)
                q = info["queries"]
                print(
                    f"bench: {backend} prepared in {time.monotonic() - started:.1f} s; queries "
                    f"per order_place: first order {q['first_order']}, repeat {q['repeat_order']}, "
                    f"with the hot SKU {q['hot_order']}",
                    flush=True,
                )
                target.start()
                warm = api_one(target.port, info["token"], "low", info["skus"])
                _drive(4, 40, seconds, warm)
                for scenario in SCENARIOS:
                    for concurrency in CONCURRENCY:
                        api = _drive(
                            concurrency,
                            requests,
                            seconds,
                            api_one(target.port, info["token"], scenario, info["skus"]),
                        )
                        ceiling = Ceiling(target, info["template"], scenario, info["skus"])
                        raw = _drive(concurrency, requests, seconds, ceiling.one())
                        rows.append(
                            {
                                "backend": backend,
                                "scenario": scenario,
                                "concurrency": concurrency,
                                "api": api,
                                "raw": raw,
                                "queries": q["hot_order" if scenario == "high" else "repeat_order"],
                            }
                        )
                        print(
                            f"bench: {backend} {scenario} x{concurrency}: API {api.rate:.0f}/s, "
                            f"raw {raw.rate:.0f}/s",
                            flush=True,
                        )
            finally:
                target.stop()
                target.drop(args.keep)
    finally:
        _stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    _print_table(rows)
    print(f"\nbench: {time.monotonic() - began:.0f} s in all")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--_prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--requests", type=int, default=0, help="orders per run (default 300)")
    parser.add_argument("--quick", action="store_true", help="fewer SKUs and orders, shorter runs")
    parser.add_argument("--keep", action="store_true", help="keep the databases and logs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    try:
        bench(args)
    except KeyboardInterrupt:
        _stop_all()
        sys.exit(130)


if __name__ == "__main__":
    main()
