"""Shared fixtures: real processes against the test database, and service checks.

Tests that need Redis, Celery or PostgreSQL skip with a reason on a laptop without them; under
``CI=true`` a missing service fails the test instead.
"""

import logging
import os
import pickle
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

# aiosmtpd logs every connection at INFO from its own thread; a line logged while pytest
# swaps its per-test capture handlers lands on a closed one ("--- Logging error ---").
logging.getLogger("mail.log").setLevel(logging.WARNING)

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def _delete_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    """PostgreSQL empties the tables after a test that committed (``transactional_db``, every
    process and browser test) with one ``TRUNCATE`` of all 85 tables: 0.35-0.7 s each time,
    a new file per table. Rows deleted with the foreign keys checked at commit (Django makes
    them DEFERRABLE) leave the same empty tables in about a tenth of that, the few rows a test
    writes being all there is."""
    if reset_sequences or not tables:
        return _truncate_flush(self, style, tables, reset_sequences=reset_sequences,
                               allow_cascade=allow_cascade)  # fmt: skip
    quote = self.quote_name
    # Table names from Django's own introspection, quoted.
    deletes = [f"DELETE FROM {quote(t)}" for t in tables]  # noqa: S608
    return ["SET CONSTRAINTS ALL DEFERRED", *deletes]


_truncate_flush = PostgresOperations.sql_flush
PostgresOperations.sql_flush = _delete_flush


# The support classifier trained on the shipped examples, kept between runs (keyed by its
# version: the examples, the features and scikit-learn's version; a changed one is trained again).
SUPPORT_MODEL_CACHE = Path(__file__).resolve().parent.parent / "var" / "test-cache" / "support"


@pytest.fixture(scope="session", autouse=True)
def _support_model():
    """Put the shipped support model into this run's var/ before the first test, and keep a
    model trained during the run for the next one: a test that opens a conversation classifies
    its message, and training takes 10-40 s (a correction's model is still trained where a
    test asks for one; tests/support/test_classifier.py trains the shipped one itself too)."""
    from soloops.support import classifier

    version = classifier.shipped_version()
    kept, here = SUPPORT_MODEL_CACHE / f"{version}.pickle", classifier.model_path(version)
    if kept.exists() and not here.exists():
        here.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, here)
    yield
    if kept.exists() or version not in classifier._loaded:
        return  # kept already, or no test needed the model
    SUPPORT_MODEL_CACHE.mkdir(parents=True, exist_ok=True)
    partial = kept.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(pickle.dumps(classifier._loaded[version]))
    partial.replace(kept)  # atomic: two xdist workers may both keep it


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the database rolls back (or is emptied) after a
    test, the cache does not, and a shop profile cached for 60 s would carry one test's shop
    name into the next test the same process (or xdist worker) runs."""
    from django.core.cache import cache

    from soloops.integrations.services.webhooks import webhook_interest_forget
    from soloops.process_cache import forget_all_here

    cache.clear()
    forget_all_here()
    # The table is empty at a test's start: no read of it lands in a test's query count.
    webhook_interest_forget(known=[])


def require_service(name: str, host: str, port: int) -> None:
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError as e:
        message = f"{name} is not reachable at {host}:{port} ({e})"
        if IN_CI:
            pytest.fail(f"{message}; CI must provide it")
        pytest.skip(message)


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 30, what: str | Callable[[], str] = ""
) -> object:
    """Poll until ``predicate`` is truthy; fail with ``what`` after a generous timeout (a
    callable ``what`` is asked at that moment: a process's log as it is then, say).

    This waits for a condition to become true (a process started, a row appeared); it asserts
    nothing about how long that took.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            pytest.fail(f"timed out waiting for {described or predicate}")
        time.sleep(0.05)


# Ports for servers tests start: below Linux's ephemeral range (32768+), where outgoing
# connections never take one, and a block of its own per pytest-xdist worker, so two workers
# never hand out the same port between one checking it is free and the server binding it.
PORT_BLOCK = 1000
PORT_BASE = 10000


# Ports Chromium refuses to open ("ERR_UNSAFE_PORT", its kRestrictedPorts above 1024): a web
# server a browser test starts must not listen on one (10080 failed a CI rehearsal).
BROWSER_UNSAFE_PORTS = frozenset(
    {1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668}
    | {6669, 6679, 6697, 10080}
)


def free_port() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    first = PORT_BASE + (index % 22) * PORT_BLOCK
    candidates = [p for p in range(first, first + PORT_BLOCK) if p not in BROWSER_UNSAFE_PORTS]
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    while True:  # the whole block is busy: let the system choose
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in BROWSER_UNSAFE_PORTS:
            return port


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback http)
            return response.status == 200
    except OSError:
        return False


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    if connection.vendor == "mysql":
        return f"mysql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 3306}/{s['NAME']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def process_env(transactional_db) -> dict[str, str]:
    """Environment for a SoloOps process that must see this test's database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(
        DATABASE_URL=_database_url(),
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=str(REPO),
        SOLOOPS_VAR_DIR=str(settings.VAR_DIR),
        SOLOOPS_RELAY_DELAY=str(settings.RELAY_DELAY_SECONDS),
        # the test's time zone (a test in Shanghai): from 16:00 UTC its today is UTC's tomorrow
        SOLOOPS_TIME_ZONE=settings.TIME_ZONE,
        PYTHONUNBUFFERED="1",
    )
    return env


class Processes:
    """Starts ``soloops`` subcommands and guarantees none outlives the test."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.started: list[subprocess.Popen] = []

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = open(self.log_dir / f"{args[0]}-{len(self.started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "soloops.cli", *args],
            env={**self.env, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        proc.log_path = log.name
        self.started.append(proc)
        return proc

    def log(self, proc: subprocess.Popen) -> str:
        return Path(proc.log_path).read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def processes(process_env, tmp_path):
    procs = Processes(process_env, tmp_path)
    yield procs
    procs.stop_all()


def db_worker(max_tasks: int | None = None):
    """The real database worker, to run in this process (``.run()``: every ready task, or
    ``max_tasks`` of them, then return; ``.run_task(result)``: that one)."""
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id="in-test",
    )


def run_ready_tasks(max_tasks: int | None = None) -> None:
    """Run ready tasks (all, or ``max_tasks`` of them) with the real database worker, in this
    process, then return."""
    db_worker(max_tasks).run()


@pytest.fixture
def run_tasks(transactional_db):
    """Run every ready task with the real database worker, in this process, then return.

    For tests that need their writes really committed (another connection or process must
    see them, or the code under test refuses to run inside a transaction). Otherwise use
    ``run_after_commit``: the same worker, without emptying every table after the test."""
    return run_ready_tasks


def _run_on_commit_callbacks() -> bool:
    """Run the on-commit callbacks queued so far in the test's transaction, and those they
    queue, as a commit would; whether there were any."""
    from django.db import connection

    ran = False
    while connection.run_on_commit:
        _, callback, _ = connection.run_on_commit.pop(0)
        callback()
        ran = True
    return ran


@pytest.fixture
def run_after_commit(db, monkeypatch) -> Callable[[], None]:
    """What happens after a commit, for a test that stays in its one transaction: the on-commit
    callbacks (tasks enqueued on commit), then every ready task with the real database worker
    in this process — repeated until neither is left.

    Use it instead of ``transactional_db`` + ``run_tasks`` when nothing outside this connection
    must see the writes: it skips emptying every table after the test."""

    from django_tasks_db.management.commands import db_worker

    # Between tasks the worker closes a connection past its age (SQLite: always): here that
    # is the test's connection, holding the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run() -> None:
        from django_tasks_db.models import DBTaskResult

        while True:
            _run_on_commit_callbacks()
            if not DBTaskResult.objects.ready().exists():
                return
            run_ready_tasks()

    return run


@pytest.fixture
def web_server(processes) -> str:
    """A real ``soloops web`` (gunicorn) on a free port, serving this test's database: its URL."""
    port = free_port()
    web = processes.start("web", "--port", str(port), "--workers", "1", "--threads", "4")
    base = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: answers(f"{base}/healthz") or web.poll() is not None,
        timeout=60,
        what="the web server to answer /healthz",
    )
    assert web.poll() is None, processes.log(web)
    return base


@pytest.fixture
def default_flows(db) -> list[str]:
    """The shipped default flows (customer emails, reordering, ...), installed as
    ``soloops init`` installs them; returns their keys."""
    from soloops.accounts.actors import Actor
    from soloops.automation.services import flows_install_defaults

    return flows_install_defaults(actor=Actor.system("test"))
