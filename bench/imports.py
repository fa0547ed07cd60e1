"""Import throughput and memory: rows/s and peak memory of a dry run and of the import itself.

Builds a products CSV, a customers CSV and a past-orders CSV of N rows in a throwaway SQLite
database (under a temporary SOLOOPS_VAR_DIR), runs ``soloops import``'s path
(``import_run_now``) on each — the dry run, then the all-or-nothing import — and prints rows/s,
the process's CPU time (on a loaded machine wall time mostly measures the others) and its peak
resident memory after each step. Memory is the process's high-water mark (``ru_maxrss``): it only
grows, so compare the figure with the file size to see that the file is streamed. It asserts
nothing. Usage:

    .venv/bin/python bench/imports.py [--rows 100000] [--kinds products,customers,orders]
"""

import argparse
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def products_csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("SKU;Product;Variant;Price;Weight (g);On sale\n")
    for i in range(rows):
        out.write(
            f"B-{i:07d};Product {i // 4};Size {i % 4};{i % 500},{i % 100:02d};{100 + i % 900};yes\n"
        )
    return out.getvalue().encode()


def customers_csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("Email,Name,Country,City,Tags,Accepts marketing\n")
    for i in range(rows):
        tags = "vip, wholesale" if i % 7 == 0 else ""
        out.write(f'C{i}@Example.com,Customer {i},DE,Berlin,"{tags}",{"yes" if i % 3 else "no"}\n')
    return out.getvalue().encode()


def orders_csv(rows: int) -> bytes:
    out = io.StringIO()
    out.write("Name,Email,Created at,Total\n")
    for i in range(rows):
        day = 1 + i % 28
        out.write(f"#{i + 1},c{i % 25000}@example.com,2025-02-{day:02d},{i % 300}.{i % 100:02d}\n")
    return out.getvalue().encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kinds", default="products,customers,orders")
    args = parser.parse_args()

    os.environ["SOLOOPS_VAR_DIR"] = tempfile.mkdtemp(prefix="soloops-bench-imports-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.core.management import call_command

    from soloops.accounts.actors import Actor
    from soloops.events.catalogue import event_types
    from soloops.integrations.services import import_runs
    from soloops.integrations.services import imports as services

    call_command("migrate", interactive=False, verbosity=0)
    # What a worker has loaded before its first import (every app's event types, a few
    # seconds of imports of SciPy and the like): not part of any one import's time.
    event_types()
    actor = Actor.system("bench")
    print(f"{args.rows} rows each; database: SQLite under {os.environ['SOLOOPS_VAR_DIR']}")
    print(f"peak memory after set-up: {peak_mb():.0f} MB")
    makers = {"products": products_csv, "customers": customers_csv, "orders": orders_csv}
    for kind in args.kinds.split(","):
        data = makers[kind](args.rows)
        print(f"\n{kind}: file {len(data) / 2**20:.1f} MB")
        for dry_run in (True, False):
            job = services.import_upload(
                entity=kind, filename=f"{kind}.csv", source=io.BytesIO(data), actor=actor
            )
            start, cpu = time.perf_counter(), time.process_time()
            job = import_runs.import_run_now(
                job=job, dry_run=dry_run, skip_bad_rows=False, actor=actor
            )
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            what = "dry run" if dry_run else "import "
            report = job.report
            print(
                f"  {what}: {took:7.1f} s  {report['rows'] / took:8.0f} rows/s  "
                f"(CPU {cpu:6.1f} s, {report['rows'] / cpu:6.0f} rows/CPU-s)  "
                f"create {report['create']}  bad {report['rejected']}  "
                f"status {job.status}  peak memory {peak_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()
