"""Statements per event of ``bench/flows.py``'s flow, counted on SQLite (deterministic: no
clock, no load, no second process): a burst of N ``bench.ping`` events is emitted in one
transaction, then the database worker runs every task in this process; every statement
SQLite executes for them is counted (BEGIN and COMMIT included, through SQLite's own trace),
and the BEGINs among them (a write in autocommit, without one, is a transaction of its
own). The no-op task's cost is counted the same way.

    .venv/bin/python bench/flow_statements.py [--events N]

It prints figures and asserts nothing.
"""

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="events per burst (200)")
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="soloops-bench-statements-")
    os.environ.update(
        DATABASE_URL=f"sqlite:///{var}/bench.sqlite3",
        DJANGO_SETTINGS_MODULE="soloops.settings",
        SOLOOPS_VAR_DIR=var,
        SOLOOPS_LOG_LEVEL="WARNING",
        SOLOOPS_RELAY_DELAY="3600",
    )
    sys.path.insert(0, str(REPO))
    from bench import flows

    flows.child_prepare()
    flows._declare_bench_ping()
    for kind in ("flow", "noop"):
        statements, tasks = count(kind, args.events)
        begins = statements["BEGIN"]
        total = sum(statements.values())
        print(
            f"{kind:<5} {args.events} {'events' if kind == 'flow' else 'tasks'}: "
            f"{total / args.events:.2f} statements and {begins / args.events:.2f} BEGINs "
            f"each; {tasks} tasks ({tasks / args.events:.2f} each)"
        )
        for verb, n in statements.most_common():
            print(f"    {verb:<10} {n / args.events:6.2f}")


def count(kind: str, n: int) -> tuple[Counter, int]:
    from django.db import connection, transaction
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from soloops.accounts.actors import Actor
    from soloops.events.services import event_emit

    DBTaskResult.objects.all().delete()
    actor = Actor.system("bench")
    with transaction.atomic():
        for i in range(n):
            if kind == "flow":
                event_emit(
                    type="bench.ping", subject=("bench.thing", i), payload={"n": i}, actor=actor
                )
            else:
                from bench.noop_task import noop

                noop.enqueue()
    statements: Counter = Counter()
    connection.ensure_connection()
    connection.connection.set_trace_callback(
        lambda sql: statements.update([sql.split()[0].upper()])
    )
    try:
        Worker(
            queue_names=["*"],
            excluded_queue_names=[],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="statements",
        ).run()
    finally:
        connection.connection.set_trace_callback(None)
    return statements, DBTaskResult.objects.count()


if __name__ == "__main__":
    main()
