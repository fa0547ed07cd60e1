"""A shop deployed as at scale, on one machine: its own PostgreSQL database, Redis as the Celery
broker (and the shared cache), N ``soloops web`` processes, M Celery ``soloops worker``
processes, one ``soloops scheduler``, and a real SMTP server (aiosmtpd) that keeps every message.

Shared by the scale test (``tests/test_scale.py``) and ``bench/scale.py``; the HTTP driver is
``bench/scale_driver.py``. Every process runs in its own process group, so killing a worker
(SIGKILL) takes its Celery pool with it, as a machine losing the worker would.

The database is prepared and read back by child processes (``python -m bench.scale_shop
--_prepare`` / ``--_check``), which set Django up on that database: the caller's own Django, if
any, stays on its own.
"""

import email.parser
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "SOLOOPS_SCALE_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# The Redis databases test runs claim (tests/automation/test_celery.py claims from the same
# range with the same key), so two runs on one Redis never consume each other's messages;
# SOLOOPS_TEST_REDIS_DB pins one of them (people sharing a Redis may each be given one).
_PINNED_DB = os.environ.get("SOLOOPS_TEST_REDIS_DB")
REDIS_DBS = range(int(_PINNED_DB), int(_PINNED_DB) + 1) if _PINNED_DB else range(8, 16)
REDIS_OWNER_KEY = "soloops-test-run"
SKUS = [f"SCALE-{i:02d}" for i in range(20)]
STOCK_PER_SKU = 100_000  # far above any low-stock threshold: no reordering in the loop
# The customer emails one order gets on its way from placed to delivered (default flows).
ORDER_EMAILS = ("order_confirmation", "order_paid", "order_shipped", "order_delivered")
# Recovery after a worker is killed, sooner than production's defaults: a lost dispatch or
# email task is handed out again after 10 s, an email claimed by the dead worker after 20 s, a
# flow run it left mid-step after 20 s. Each still far above what one send or step takes here.
# Not shorter: the relays cannot tell a lost task from one still queued behind a backlog, so
# each relay of a queued event or email is one more task (at 2 s, 400 orders with 3 workers
# ran 20 send_email tasks per order for 4 emails).
RECOVERY_ENV = {
    "SOLOOPS_RELAY_DELAY": "10",
    "SOLOOPS_EMAIL_SEND_LEASE": "20",
    "SOLOOPS_RUN_STALLED_AFTER": "20",
}


# --- Redis and PostgreSQL ------------------------------------------------------------------------


@contextmanager
def redis_claimed() -> Iterator[str]:
    """A Redis database of this run's own (its URL), emptied when done."""
    import redis

    token = uuid.uuid4().hex
    for db in REDIS_DBS:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        if client.set(REDIS_OWNER_KEY, token, nx=True, ex=3600):
            break
    else:
        raise RuntimeError(f"every Redis database in {REDIS_DBS} is claimed by another run")
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}"
    finally:
        if client.get(REDIS_OWNER_KEY) == token.encode():
            client.flushdb()  # our queues, cache and the claim


def _pg_admin(*statements: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


# --- the SMTP sink -------------------------------------------------------------------------------


class Sink:
    """A real SMTP server on loopback keeping (recipient, Message-ID) of every message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._controller = None
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.original_content or b"")
        with self._lock:
            for to in envelope.rcpt_tos:
                self.received.append((to.lower(), str(headers.get("Message-ID", "")).strip()))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def messages(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self.received)


# --- the processes -------------------------------------------------------------------------------


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback http)
            return response.status == 200
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Shop:
    """The deployment: call ``start`` with the process counts, ``stop`` at the end."""

    tmp: Path
    redis_url: str
    database: str = field(default_factory=lambda: f"soloops_scale_{os.getpid()}")
    sink: Sink = field(default_factory=Sink)
    env: dict = field(default_factory=dict)
    token: str = ""
    web_urls: list[str] = field(default_factory=list)
    workers: list[subprocess.Popen] = field(default_factory=list)
    worker_concurrency: int = 2
    started: list[subprocess.Popen] = field(default_factory=list)
    killed: list[subprocess.Popen] = field(default_factory=list)

    def create(self) -> None:
        """The database (dropped first if a dead run left it), the sink, the prepared shop."""
        _pg_admin(
            f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)',
            f'CREATE DATABASE "{self.database}"',
        )
        self.sink.start()
        var = self.tmp / "var"
        var.mkdir(parents=True, exist_ok=True)
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))},
            "DATABASE_URL": PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.database}",
            "DJANGO_SETTINGS_MODULE": "soloops.settings",
            "SOLOOPS_VAR_DIR": str(var),
            "SOLOOPS_TASK_BACKEND": "celery",
            "CELERY_BROKER_URL": self.redis_url,
            "CACHE_URL": self.redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{self.sink.port}?timeout=30",
            "SOLOOPS_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SOLOOPS_LOG_LEVEL": "WARNING",
            # Nothing nightly and no owner alerts: only the order loop sends mail.
            "SOLOOPS_BACKUP_HOUR": "off",
            "SOLOOPS_INSIGHTS_HOUR": "off",
            "SOLOOPS_ALERT_INTERVAL": "0",
            "SOLOOPS_SUPPORT_CLASSIFIER_TRAIN": "off",
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            **RECOVERY_ENV,
        }
        self.token = self._child("--_prepare")["token"]

    def start(self, *, web: int, workers: int, concurrency: int = 2) -> None:
        self.worker_concurrency = concurrency
        for _ in range(web):
            port = _free_port()
            self._start("web", "--port", str(port), "--workers", "2", "--threads", "4")
            self.web_urls.append(f"http://127.0.0.1:{port}")
        for _ in range(workers):
            self.workers.append(self._start_worker())
        self._start("scheduler")
        for url in self.web_urls:
            self._wait_healthy(url)

    def _wait_healthy(self, url: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not _answers(f"{url}/healthz"):
            if dead := self.dead():
                raise RuntimeError("a process died at start:\n" + "\n".join(dead))
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}/healthz did not answer within {timeout:.0f} s")
            time.sleep(0.2)

    def _start_worker(self) -> subprocess.Popen:
        return self._start("worker", "--concurrency", str(self.worker_concurrency))

    def _start(self, *args: str) -> subprocess.Popen:
        log = open(self.tmp / f"{args[0]}-{len(self.started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "soloops.cli", *args],
            env=self.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a worker dies with its pool
        )
        proc.log_path = log.name
        self.started.append(proc)
        return proc

    def kill_worker(self, index: int) -> int:
        """SIGKILL the worker and its pool processes, mid-task; its pid."""
        proc = self.workers[index]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        self.killed.append(proc)
        return proc.pid

    def restart_worker(self, index: int) -> subprocess.Popen:
        self.workers[index] = self._start_worker()
        return self.workers[index]

    def dead(self) -> list[str]:
        """Processes that exited without being killed on purpose, with their log's tail."""
        return [
            f"{' '.join(p.args[3:])} exited {p.returncode}:\n{self.log_tail(p)}"
            for p in self.started
            if p.poll() is not None and p not in self.killed
        ]

    def log_tail(self, proc: subprocess.Popen, lines: int = 30) -> str:
        text = Path(proc.log_path).read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def check(self) -> dict:
        """What the database says about the orders, emails, stock and runs (see ``_check``)."""
        return self._child("--_check")

    def stop(self, *, drop: bool = True) -> None:
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.sink.stop()
        if drop and self.env:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def _child(self, flag: str) -> dict:
        out = subprocess.run(
            [sys.executable, "-m", "bench.scale_shop", flag],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"bench.scale_shop {flag} failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


# --- the children: Django on the shop's database -------------------------------------------------


def _prepare() -> dict:
    """Migrate, install the default flows (as ``soloops init``), stock the SKUs through the
    ledger, let the review accept every order, and make an owner's write token."""
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import Role
    from soloops.accounts.services import token_create, user_create
    from soloops.automation.services import flows_install_defaults
    from soloops.catalog.services import product_create, variant_create
    from soloops.inventory.models import MovementKind
    from soloops.inventory.services import stock_change
    from soloops.orders.models import ReviewPolicy

    call_command("migrate", interactive=False, verbosity=0)
    system = Actor.system("scale")
    flows_install_defaults(actor=system)
    with transaction.atomic():
        for sku in SKUS:
            product = product_create(name=f"Scale {sku}", slug=sku.lower(), actor=system)
            variant = variant_create(product=product, sku=sku, price=Decimal("9.90"), actor=system)
            stock_change(
                variant=variant, quantity=STOCK_PER_SKU, kind=MovementKind.RECEIPT, actor=system
            )
        # Thousands of orders from one address (the driver's) in minutes: no velocity holds.
        ReviewPolicy.objects.update_or_create(
            pk=1,
            defaults={
                "max_orders_per_email": 10**9,
                "max_orders_per_ip": 10**9,
                "hold_at_score": 10**6,
                "reject_at_score": 10**6,
            },
        )
        owner = user_create(
            username="scale",
            email="owner@scale.example",
            password=uuid.uuid4().hex + "Aa1!",
            role=Role.OWNER,
            actor=system,
        )
        token = token_create(user=owner, name="scale", scope="write", actor=system).secret
    with django.db.connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"token": token}


def _check() -> dict:
    """Orders by status; every customer email (to, template, status, Message-ID); stock rows
    off their ledger, negative or over-reserved; active reservations; flow runs by status."""
    import django

    django.setup()
    from django.db.models import Count, F, Q

    from soloops.automation.models import FlowRun
    from soloops.emails.models import EmailSend
    from soloops.inventory.models import Reservation, StockLevel
    from soloops.inventory.selectors import ledger_mismatches
    from soloops.orders.models import Order

    def by_status(queryset) -> dict:
        return dict(queryset.values_list("status").annotate(n=Count("id")).order_by())

    bad_stock = StockLevel.objects.filter(
        Q(on_hand__lt=0) | Q(reserved__lt=0) | Q(reserved__gt=F("on_hand"))
    )
    return {
        "orders": by_status(Order.objects),
        "emails": [
            list(row)
            for row in EmailSend.objects.values_list("to", "template", "status", "message_id")
        ],
        "ledger_mismatches": ledger_mismatches(),
        "bad_stock": [str(s) for s in bad_stock],
        "active_reservations": Reservation.objects.filter(status="active").count(),
        "on_hand": sum(StockLevel.objects.values_list("on_hand", flat=True)),
        "runs": by_status(FlowRun.objects),
    }


if __name__ == "__main__":
    children = {"--_prepare": _prepare, "--_check": _check}
    print(json.dumps(children[sys.argv[1]](), default=str))
