"""Flow throughput: events/s from emit to completed run, against a no-op task's ceiling.

For each database (a throwaway SQLite file, and a PostgreSQL database that is dropped and made
anew) this migrates, publishes one flow of three internal steps —

    trigger: {event: bench.ping}
    steps: log → if → log

— and, for 1 and 2 real ``soloops worker`` processes (the database task backend, as
production runs it), measures:

- flow: a burst of N ``bench.ping`` events emitted in one transaction (each event its own
  dispatch task, as services emit them), from the first event's time to the last run completed;
- ceiling: a burst of N no-op tasks (``bench/noop_task.py``) enqueued in one transaction, from
  the first enqueue to the last finished, with the same workers on the same database.

The ratio flow/ceiling says how much of the task backend the engine leaves on the table; the
design's goal is at least 0.5. "tasks/event" is how many tasks one event costs from dispatch to
the end of its run (the dispatches of the events the run itself emits included). Times are the
database's own timestamps. It prints figures and asserts nothing. Usage:

    .venv/bin/python bench/flows.py [--database sqlite|postgres://…/NAME …] [--workers 1,2]
                                    [--events N] [--quick] [--keep]

A PostgreSQL database is dropped before and after (its name must contain "bench"). The
workers it starts run in their own process groups, stopped on exit, Ctrl-C or SIGTERM.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATABASES = ["sqlite", "postgres://postgres@127.0.0.1:5432/soloops_bench"]
FLOW_KEY = "bench-three-steps"
FLOW = """\
name: Bench three steps
trigger: {event: bench.ping}
steps:
  - do: log
    with: {message: "ping {{ event.payload.n }}"}
  - if: event.payload.n >= 0
    then:
      - do: log
        with: {message: "pong {{ event.payload.n }}"}
"""
WARM_UP = 20


# --- children (Django is set up once per child) ----------------------------------------------


def _declare_bench_ping() -> None:
    """``bench.ping`` is the bench's own type, declared by no app: add it to this process's
    catalogue, which ``events_emit`` checks (the workers only dispatch it)."""
    from soloops.events import catalogue

    class BenchPing(catalogue.Payload):
        n: int

    catalogue.event_types()["bench.ping"] = catalogue.EventType(
        "bench.ping", BenchPing, "the bench's burst", app="bench"
    )


def child_prepare() -> dict:
    """Migrate and publish the bench flow."""
    import django

    django.setup()
    from django.core.management import call_command

    from soloops.accounts.actors import Actor
    from soloops.automation.services import flow_import

    call_command("migrate", interactive=False, verbosity=0)
    flow_import(source=FLOW, key=FLOW_KEY, actor=Actor.system("bench"))
    return {"ok": True}


def child_measure(kind: str, count: int, worker_pids: list[int], timeout: float) -> dict:
    """Wait for the workers, emit a burst of ``count`` events (or no-op tasks) in one
    transaction, wait until every run (task) is done and the queue is empty; report."""
    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Max, Min
    from django_tasks_db.models import DBTaskResult

    from soloops.accounts.actors import Actor
    from soloops.automation.models import Event, FlowRun
    from soloops.events.services import event_emit
    from soloops.monitoring.models import Heartbeat

    _declare_bench_ping()

    _wait(
        lambda: (
            Heartbeat.objects.filter(role="worker", pid__in=worker_pids).count() == len(worker_pids)
        ),
        60,
        "the workers' heartbeats",
    )
    _wait(lambda: not _busy(DBTaskResult), timeout, "an empty queue before the burst")
    DBTaskResult.objects.all().delete()  # finished rows of earlier runs: same table size each time

    actor = Actor.system("bench")
    event_floor = Event.objects.aggregate(m=Max("id"))["m"] or 0
    run_floor = FlowRun.objects.aggregate(m=Max("id"))["m"] or 0
    started = time.perf_counter()
    with transaction.atomic():
        if kind == "flow":
            for n in range(count):
                event_emit(
                    type="bench.ping", subject=("bench.thing", n), payload={"n": n}, actor=actor
                )
        else:
            from bench.noop_task import noop

            for _ in range(count):
                noop.enqueue()
    emit_seconds = time.perf_counter() - started

    if kind == "flow":
        runs = FlowRun.objects.filter(id__gt=run_floor)
        _wait(
            lambda: runs.filter(status__in=["completed", "failed"]).count() == count,
            timeout,
            f"{count} runs to complete",
        )
        first = Event.objects.filter(id__gt=event_floor, type="bench.ping").aggregate(
            t=Min("created_at")
        )["t"]
        last = runs.aggregate(t=Max("finished_at"))["t"]
        failed = runs.filter(status="failed").count()
        latencies = [
            (finished - created).total_seconds()
            for finished, created in runs.values_list("finished_at", "trigger_event__created_at")
        ]
    else:
        noops = DBTaskResult.objects.filter(task_path="bench.noop_task.noop")
        _wait(
            lambda: noops.filter(status__in=["SUCCESSFUL", "FAILED"]).count() == count,
            timeout,
            f"{count} no-op tasks to finish",
        )
        span = noops.aggregate(first=Min("enqueued_at"), last=Max("finished_at"))
        first, last = span["first"], span["last"]
        failed = noops.filter(status="FAILED").count()
        latencies = [
            (finished - enqueued).total_seconds()
            for finished, enqueued in noops.values_list("finished_at", "enqueued_at")
        ]
    _wait(lambda: not _busy(DBTaskResult), timeout, "the queue to drain")
    seconds = (last - first).total_seconds()
    return {
        "kind": kind,
        "count": count,
        "seconds": seconds,
        "rate": count / seconds if seconds > 0 else float("nan"),
        "emit_seconds": emit_seconds,
        "tasks": DBTaskResult.objects.count(),
        "failed": failed + DBTaskResult.objects.filter(status="FAILED").count(),
        "p50": statistics.median(latencies) if latencies else float("nan"),
    }


def _busy(model) -> bool:
    return model.objects.filter(status__in=["READY", "RUNNING"]).exists()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


# --- the database and the workers -------------------------------------------------------------


@dataclass
class Target:
    database: str  # "sqlite" or a PostgreSQL URL
    tmp: Path
    env: dict = field(default_factory=dict)
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "sqlite" if self.database == "sqlite" else "postgres"

    @classmethod
    def make(cls, database: str, tmp: Path) -> "Target":
        target = cls(database, tmp)
        var = tmp / target.label
        var.mkdir()
        if database == "sqlite":
            url = f"sqlite:///{var / 'bench.sqlite3'}"
        else:
            url = database
            _pg_recreate(url)
        target.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "soloops.settings",
            "SOLOOPS_VAR_DIR": str(var),
            "SOLOOPS_LOG_LEVEL": "WARNING",  # a log line per task would be measured too
            "SOLOOPS_RELAY_DELAY": "3600",  # the bench runs no scheduler
            "PYTHONPATH": str(REPO),
        }
        return target

    def child(self, *args: str, timeout: float) -> dict:
        out = subprocess.run(
            [sys.executable, __file__, *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout + 120,
            check=False,
        )
        if out.returncode != 0:
            logs = "\n".join(
                Path(w.log_path).read_text(errors="replace")[-1500:] for w in self.workers
            )
            raise SystemExit(
                f"bench: {args[0]} on {self.label} failed:\n{out.stderr[-3000:]}\n{logs}"
            )
        return json.loads(out.stdout.strip().splitlines()[-1])

    def start_workers(self, count: int) -> list[int]:
        for n in range(count):
            log = open(self.tmp / f"worker-{self.label}-{count}-{n}.log", "wb")  # noqa: SIM115
            proc = subprocess.Popen(
                [sys.executable, "-m", "soloops.cli", "worker"],
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stopped as one
            )
            proc.log_path = log.name
            self.workers.append(proc)
        _RUNNING.append(self)
        return [w.pid for w in self.workers]

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.workers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.workers = []
        if self in _RUNNING:
            _RUNNING.remove(self)

    def drop(self, keep: bool) -> None:
        if self.database != "sqlite" and not keep:
            _pg_drop(self.database)


_RUNNING: list[Target] = []


def _stop_all(*_) -> None:
    for target in list(_RUNNING):
        target.stop_workers()


def _pg_split(url: str) -> tuple[str, str]:
    """(the server's maintenance database URL, the bench database's name)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or "bench" not in name:
        raise SystemExit(f"bench: the PostgreSQL database must be a throwaway *bench* one: {url}")
    return urlunsplit(parts._replace(path="/postgres")), name


def _pg_recreate(url: str) -> None:
    _pg_drop(url)
    admin, name = _pg_split(url)
    _pg_admin(admin, f'CREATE DATABASE "{name}"')


def _pg_drop(url: str) -> None:
    admin, name = _pg_split(url)
    _pg_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_admin(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement)


# --- the report ----------------------------------------------------------------------------


def _print_table(rows: list[dict]) -> None:
    head = (
        f"{'database':<9} {'workers':>7} | {'flow ev/s':>9} {'p50 s':>6} {'tasks/ev':>8} "
        f"{'failed':>6} | {'no-op/s':>8} {'p50 s':>6} | {'flow/no-op':>10}"
    )
    print()
    print(head)
    print("-" * len(head))
    for r in rows:
        flow, noop = r["flow"], r["noop"]
        ratio = flow["rate"] / noop["rate"] if noop["rate"] else float("nan")
        print(
            f"{r['database']:<9} {r['workers']:>7} | {flow['rate']:>9.1f} {flow['p50']:>6.2f} "
            f"{flow['tasks'] / flow['count']:>8.2f} {flow['failed'] + noop['failed']:>6} | "
            f"{noop['rate']:>8.1f} {noop['p50']:>6.2f} | {ratio:>10.2f}"
        )
    print(
        "\nflow ev/s: events from emit to completed run; no-op/s: the ceiling; p50: median "
        "time from emit (enqueue) to completion within the burst; goal: flow/no-op >= 0.50"
    )


def bench(args) -> None:
    databases = args.database or DEFAULT_DATABASES
    workers = [int(w) for w in args.workers.split(",")]
    count = args.events or (200 if args.quick else 1000)
    timeout = 600.0
    tmp = Path(tempfile.mkdtemp(prefix="soloops-bench-flows-"))
    rows = []
    began = time.monotonic()
    print(
        f"bench: bursts of {count} events / no-op tasks, workers {args.workers}, "
        f"{os.cpu_count()} CPUs; flow: log → if → log",
        flush=True,
    )
    try:
        for database in databases:
            target = Target.make(database, tmp)
            try:
                target.child("--_prepare", timeout=300)
                for k in workers:
                    pids = target.start_workers(k)
                    try:
                        measure = ("--_measure", json.dumps(pids), str(timeout))
                        for kind in ("flow", "noop"):  # warm both paths up, unmeasured
                            target.child(*measure, kind, str(WARM_UP), timeout=timeout)
                        flow = target.child(*measure, "flow", str(count), timeout=timeout)
                        noop = target.child(*measure, "noop", str(count), timeout=timeout)
                    finally:
                        target.stop_workers()
                    row = {"database": target.label, "workers": k, "flow": flow, "noop": noop}
                    rows.append(row)
                    print(
                        f"bench: {target.label} x{k}: flow {flow['rate']:.1f} ev/s "
                        f"(emitted in {flow['emit_seconds']:.2f} s), no-op {noop['rate']:.1f}/s",
                        flush=True,
                    )
            finally:
                target.stop_workers()
                target.drop(args.keep)
    finally:
        _stop_all()
        if args.keep:
            print(f"bench: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    _print_table(rows)
    print(f"\nbench: {time.monotonic() - began:.0f} s in all")


def main() -> None:
    if len(sys.argv) >= 2 and sys.argv[1] == "--_prepare":
        print(json.dumps(child_prepare()))
        return
    if len(sys.argv) == 6 and sys.argv[1] == "--_measure":
        pids, timeout, kind, count = json.loads(sys.argv[2]), float(sys.argv[3]), *sys.argv[4:]
        print(json.dumps(child_measure(kind, int(count), pids, timeout)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        action="append",
        help="sqlite (a throwaway file) or a PostgreSQL URL whose database name contains "
        "'bench'; repeat for several (default: sqlite and "
        "postgres://postgres@127.0.0.1:5432/soloops_bench)",
    )
    parser.add_argument("--workers", default="1,2", help="worker processes, e.g. 1,2 (default)")
    parser.add_argument("--events", type=int, default=0, help="events per burst (default 1000)")
    parser.add_argument("--quick", action="store_true", help="bursts of 200")
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
