"""Order intake throughput: ``POST /api/orders`` on the real web server, against its ceiling.

For each backend (SQLite file, PostgreSQL or MySQL/MariaDB database ``soloops_bench_<pid>``;
``--backend mysql`` uses ``BENCH_MYSQL_URL``, default root on 127.0.0.1:3306) this prepares a fresh
database (migrate; thousands of SKUs with ample stock and one hot SKU; an owner write token; a
review policy that holds nothing; ANALYZE on PostgreSQL), starts ``soloops web`` on it and
drives ``POST /api/orders`` from threads with keep-alive ``http.client`` connections at
concurrency 1, 8 and 32, in two scenarios:

- low contention: 1 to 3 lines, each a random SKU out of thousands;
- high contention: every order has the hot SKU (and 0 to 2 random others).

Each row has three columns: the API; a bare Django view (``bench/orders_bare.py``) that runs
the raw transaction behind the same gunicorn settings, the framework's own ceiling; and the raw
transaction straight through the driver (psycopg or sqlite3), one connection per thread
(``bench/orders_raw.py``: insert the order, its lines and its two events, decrement stock with
the no-oversell condition, insert the reservations, commit; rows copied from an order the real
service placed, so both write the same columns).

Both servers run the gunicorn workers and threads ``soloops web`` chooses by default for the
backend on this machine (``--web 2x8`` sets others). Orders come from 2,000 buyers, each with
an address of their own in ``X-Forwarded-For`` (the servers trust 127.0.0.1 as a reverse proxy).

SQL statements per request (q/req) are counted once, in-process, around a whole
``POST /api/orders`` through the test client (middleware, token, intake, task enqueue, response).
On SQLite it also prints, from the API server's ``/metrics``, how long write transactions
waited for the write lock: queued behind threads of their process, or in SQLite's busy handler.
It prints figures and asserts nothing about time. Usage:

    .venv/bin/python bench/orders.py [--backend sqlite|postgres|mysql|both|all] [--requests N]
        [--web WORKERSxTHREADS] [--quick] [--keep]

Each server it starts runs in its own process group, stopped on exit, Ctrl-C or SIGTERM.
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
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from orders_raw import RawIntake, mysql_connect

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Its own database per run: several people (or worktrees) bench on one PostgreSQL at once.
PG_DB = os.environ.get("BENCH_PG_DB") or f"soloops_bench_{os.getpid()}"
MYSQL_ADMIN_URL = os.environ.get("BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/")
HOT_SKU = "HOT-0001"
CONCURRENCY = (1, 8, 32)
SCENARIOS = ("low", "high")
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
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import Role
    from soloops.accounts.services import token_create, user_create
    from soloops.bulk_insert import insert_rows
    from soloops.catalog.models import Product, Variant
    from soloops.inventory.models import Location, Movement, StockLevel
    from soloops.orders.models import Order, ReviewPolicy

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
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE TABLE inventory_stocklevel, catalog_variant")

    client = Client(headers={"Authorization": f"Bearer {token}"})

    def counted(email: str, lines: list[str]) -> tuple[int, Order]:
        """Every SQL statement of one whole ``POST /api/orders`` (middleware, token, intake,
        the task enqueue, the response), as the web server runs it."""
        body = {
            "email": email,
            "name": "Bench Buyer",
            "lines": [{"sku": s, "quantity": 1} for s in lines],
            "shipping_address": ADDRESS,
        }
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/orders", body, content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"bench: POST /api/orders: {response.status_code} {response.content}")
        return len(queries.captured_queries), Order.objects.get(number=response.json()["number"])

    # Caches (profile, policy, rate tables, the token's last use) warm up on the first order.
    counted("warm@bench.example", [names[1]])
    first, template = counted("first@bench.example", [names[2]])
    repeat, _ = counted("first@bench.example", [names[3], names[4], names[5]])
    hot, _ = counted("first@bench.example", [HOT_SKU, names[6], names[7]])
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
    mysql_url: str = ""
    web: tuple[int, int] = (2, 8)  # gunicorn workers, threads

    @classmethod
    def make(cls, backend: str, tmp: Path, web: tuple[int, int]) -> "Target":
        target = cls(backend, tmp, web=web)
        var = tmp / backend
        var.mkdir()
        if backend == "sqlite":
            target.sqlite_path = var / "bench.sqlite3"
            url = f"sqlite:///{target.sqlite_path}"
        elif backend == "mysql":
            _mysql_admin(
                f"DROP DATABASE IF EXISTS {PG_DB}",
                f"CREATE DATABASE {PG_DB} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            )
            url = target.mysql_url = MYSQL_ADMIN_URL.rstrip("/") + f"/{PG_DB}"
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
            "SOLOOPS_TRUSTED_PROXIES": "127.0.0.1",  # the bench stands in for the proxy
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

    def start(self, kind: str, spec: Path | None = None) -> "Server":
        """``soloops web`` ("api") or the bare view ("bare"), on the same gunicorn settings."""
        port = _free_port()
        gunicorn = ("--workers", str(self.web[0]), "--threads", str(self.web[1]))
        if kind == "api":
            argv = [sys.executable, "-m", "soloops.cli", "web", "--port", str(port), *gunicorn]
            env = self.env
        else:  # the flags soloops web gives gunicorn (soloops/cli/processes.py)
            argv = [
                *(sys.executable, "-m", "gunicorn", "orders_bare:application"),
                *("--bind", f"127.0.0.1:{port}", *gunicorn, "--graceful-timeout", "10"),
                *("--no-control-socket", "--access-logfile", "-"),
            ]
            env = {**self.env, "BENCH_BARE_SPEC": str(spec)}
        log = open(self.tmp / f"{kind}-{self.backend}.log", "wb")  # noqa: SIM115 - the child's
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=Path(__file__).parent if kind == "bare" else REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one
        )
        server = Server(process, port, log.name)
        _RUNNING.append(server)
        server.wait_healthy()
        return server

    def drop(self, keep: bool) -> None:
        if self.backend == "postgres" and not keep:
            _pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        if self.backend == "mysql" and not keep:
            _mysql_admin(f"DROP DATABASE IF EXISTS {PG_DB}")


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: str

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + 120
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: the web server exited:\n{self._log_tail()}")
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
            f"bench: /healthz did not answer 200 within 120 s ({last}):\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        return "\n".join(Path(self.log).read_text(errors="replace").splitlines()[-15:])

    def stop(self) -> None:
        if self.process.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self in _RUNNING:
            _RUNNING.remove(self)


_RUNNING: list[Server] = []


def _stop_all(*_) -> None:
    for server in list(_RUNNING):
        server.stop()


def _pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _mysql_admin(*statements: str) -> None:
    conn = mysql_connect(MYSQL_ADMIN_URL, database=False)
    try:
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


def _web_default(backend: str) -> tuple[int, int]:
    """What ``soloops web`` runs by default on this backend and machine."""
    sys.path.insert(0, str(REPO))
    from soloops.cli.processes import web_concurrency

    return web_concurrency(backend, os.cpu_count() or 1)


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
    common = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def one(rng: random.Random, state: dict):
        headers = dict(common)
        if "conn" not in state:
            state["conn"] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            state["close"] = state["conn"].close
        buyer = rng.randint(1, 2000)
        # Each buyer from an address of their own, as behind a reverse proxy (the API server
        # trusts 127.0.0.1 as one): not every order from one IP, whose count would then grow
        # with the run (intake counts the IP's recent orders).
        headers["X-Forwarded-For"] = f"10.0.{buyer // 256}.{buyer % 256}"
        body = {
            "email": f"buyer{buyer}@bench.example",
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


def raw_one(target: Target, template: dict, scenario: str, skus: list):
    """The ceiling: the same transaction straight through the driver, a connection per thread."""
    raw = RawIntake(
        template,
        sqlite_path=str(target.sqlite_path or ""),
        pg_url=target.pg_url,
        mysql_url=target.mysql_url,
    )

    def one(rng: random.Random, state: dict):
        if "conn" not in state:
            state["conn"] = raw.connect()
            state["close"] = state["conn"].close
        return raw.place(state["conn"], _lines(rng, scenario, skus))

    return one


# --- the report ----------------------------------------------------------------------------


def _print_table(rows: list[dict]) -> None:
    head = (
        f"{'backend':<9} {'scenario':<9} {'conc':>4} | {'API ord/s':>9} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'q/req':>5} {'err':>4} | {'bare ord/s':>10} {'p95 ms':>7} "
        f"| {'raw ord/s':>9} {'p95 ms':>7} | {'API/bare':>8} {'API/raw':>7}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        api, bare, raw = r["api"], r["bare"], r["raw"]
        errors = sum(api.errors.values())
        print(
            f"{r['backend']:<9} {r['scenario']:<9} {r['concurrency']:>4} | {api.rate:>9.1f} "
            f"{api.percentile(0.5):>7.1f} {api.percentile(0.95):>7.1f} {r['queries']:>5} "
            f"{errors:>4} | {bare.rate:>10.1f} {bare.percentile(0.95):>7.1f} "
            f"| {raw.rate:>9.1f} {raw.percentile(0.95):>7.1f} "
            f"| {_ratio(api, bare):>8.2f} {_ratio(api, raw):>7.2f}"
        )
    for r in rows:
        for label in ("api", "bare", "raw"):
            if r[label].errors:
                print(f"  {r['backend']} {r['scenario']} x{r['concurrency']} {label}: ", end="")
                print(r[label].errors)


@dataclass
class LockWaits:
    """The API server's SQLite write-lock counters (``/metrics``, soloops/sqlite/base.py)."""

    process: float = 0.0  # seconds queued behind threads of the same process
    sqlite: float = 0.0  # seconds in SQLite's busy handler (behind another process)
    transactions: float = 0.0

    def __sub__(self, other: "LockWaits") -> "LockWaits":
        return LockWaits(
            self.process - other.process,
            self.sqlite - other.sqlite,
            self.transactions - other.transactions,
        )


def _lock_waits(port: int) -> LockWaits:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    text = conn.getresponse().read().decode()
    conn.close()
    waits = LockWaits()
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == 'soloops_sqlite_write_lock_wait_seconds_total{where="process"}':
            waits.process = float(value)
        elif name == 'soloops_sqlite_write_lock_wait_seconds_total{where="sqlite"}':
            waits.sqlite = float(value)
        elif name == "soloops_sqlite_write_transactions_total":
            waits.transactions = float(value)
    return waits


def _print_waits(rows: list[dict]) -> None:
    rows = [r for r in rows if "waits" in r]
    if not rows:
        return
    print(
        "\nSQLite write lock, API server (/metrics): mean wait per write transaction, queued "
        "behind threads of its process / in SQLite's busy handler (behind another process)"
    )
    for r in rows:
        w = r["waits"]
        per = 1000 / w.transactions if w.transactions else float("nan")
        print(
            f"  {r['scenario']:<5} x{r['concurrency']:<3} {w.transactions:>6.0f} transactions: "
            f"queued {w.process * per:7.2f} ms / busy handler {w.sqlite * per:7.2f} ms"
        )


def _ratio(a: Run, b: Run) -> float:
    return a.rate / b.rate if b.rate else float("nan")


def _bench_backend(target: Target, skus: int, requests: int, seconds: float) -> list[dict]:
    started = time.monotonic()
    info = target.prepare(skus)
    q = info["queries"]
    print(
        f"bench: {target.backend} prepared in {time.monotonic() - started:.1f} s; web: "
        f"{target.web[0]} workers x {target.web[1]} threads; SQL statements "
        f"per POST /api/orders (whole request): first order {q['first_order']}, "
        f"returning customer with 3 lines {q['repeat_order']}, with the hot SKU {q['hot_order']}",
        flush=True,
    )
    spec = target.tmp / f"bare-{target.backend}.json"
    spec.write_text(
        json.dumps(
            {
                "template": info["template"],
                "skus": info["skus"],
                "sqlite_path": str(target.sqlite_path or ""),
                "pg_url": target.pg_url,
                "mysql_url": target.mysql_url,
            }
        )
    )
    api_server = target.start("api")
    bare_server = target.start("bare", spec)
    token, all_skus = info["token"], info["skus"]
    for server in (api_server, bare_server):
        _drive(4, 40, seconds, api_one(server.port, token, "low", all_skus))  # warm up
    rows = []
    for scenario in SCENARIOS:
        for concurrency in CONCURRENCY:

            def drive(one, c=concurrency):
                return _drive(c, requests, seconds, one)

            waits = _lock_waits(api_server.port) if target.backend == "sqlite" else None
            row = {
                "backend": target.backend,
                "scenario": scenario,
                "concurrency": concurrency,
                "api": drive(api_one(api_server.port, token, scenario, all_skus)),
                "bare": drive(api_one(bare_server.port, token, scenario, all_skus)),
                "raw": drive(raw_one(target, info["template"], scenario, all_skus)),
                "queries": q["hot_order" if scenario == "high" else "repeat_order"],
            }
            if waits is not None:
                row["waits"] = _lock_waits(api_server.port) - waits
            rows.append(row)
            print(
                f"bench: {target.backend} {scenario} x{concurrency}: API {row['api'].rate:.0f}/s, "
                f"bare {row['bare'].rate:.0f}/s, raw {row['raw'].rate:.0f}/s",
                flush=True,
            )
    return rows


def bench(args) -> None:
    backends = {"both": ("sqlite", "postgres"), "all": ("sqlite", "postgres", "mysql")}.get(
        args.backend, (args.backend,)
    )
    requests = args.requests or (60 if args.quick else 300)
    skus = 500 if args.quick else 3000
    seconds = 5.0 if args.quick else 15.0  # per run, so a slow machine still ends in minutes
    tmp = Path(tempfile.mkdtemp(prefix="soloops-bench-"))
    rows = []
    began = time.monotonic()
    print(
        f"bench: {requests} orders per run (at most {seconds:.0f} s), {skus:,} SKUs + 1 hot, "
        f"{os.cpu_count()} CPUs",
        flush=True,
    )
    try:
        for backend in backends:
            target = Target.make(backend, tmp, args.web or _web_default(backend))
            try:
                rows += _bench_backend(target, skus, requests, seconds)
            finally:
                _stop_all()
                target.drop(args.keep)
    finally:
        _stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    _print_table(rows)
    _print_waits(rows)
    print(f"\nbench: {time.monotonic() - began:.0f} s in all")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--_prepare":
        print(json.dumps(prepare(int(sys.argv[2]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres", "mysql", "both", "all"], default="both"
    )
    parser.add_argument("--requests", type=int, default=0, help="orders per run (default 300)")
    parser.add_argument("--quick", action="store_true", help="fewer SKUs and orders, shorter runs")
    parser.add_argument(
        "--web",
        type=lambda text: tuple(int(n) for n in text.split("x", 1)),
        default=None,
        help="gunicorn workers x threads, for both servers (default: what soloops web runs)",
    )
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
