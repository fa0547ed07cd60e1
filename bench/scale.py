"""End-to-end throughput at scale: orders/s from placed to delivered (with the four customer
emails at the SMTP sink) for 1, 2 and 3 Celery workers on PostgreSQL + Redis.

For each worker count this deploys a fresh shop (``bench/scale_shop.py``: its own PostgreSQL
database ``soloops_scale_<pid>`` on ``SOLOOPS_SCALE_PG_URL``, default
``postgresql://postgres@127.0.0.1:5432/postgres``; a Redis database of its own on
127.0.0.1:6379; 2 ``soloops web`` processes, the workers, one scheduler; an aiosmtpd sink) and
drives N orders through the loop over HTTP with the scale test's driver
(``bench/scale_driver.py``), then checks the database as the test does. It prints figures and
asserts nothing about time. Usage:

    .venv/bin/python bench/scale.py [--orders N] [--workers 1,2,3] [--concurrency 2]
                                    [--threads 8] [--quick]

``--quick`` is 200 orders. Every process it starts is stopped on exit, Ctrl-C or SIGTERM, and
the database dropped.
"""

import argparse
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scale_driver import drive, shipments_use_sandbox
from bench.scale_shop import ORDER_EMAILS, Shop, redis_claimed

WEB = 2


def _verdict(shop: Shop, orders: int) -> str:
    """One line: whether the run ended as the scale test demands."""
    state = shop.check()
    sent = Counter(
        (to, template) for to, template, status, _ in state["emails"] if status == "sent"
    )
    problems = []
    if state["orders"] != {"delivered": orders}:
        problems.append(f"orders {state['orders']}")
    if len(sent) != orders * len(ORDER_EMAILS) or max(sent.values(), default=1) != 1:
        problems.append(f"{sum(sent.values())} emails sent for {len(sent)} (order, kind)")
    if state["ledger_mismatches"] or state["bad_stock"] or state["active_reservations"]:
        problems.append("stock ledger inconsistent")
    return "ok" if not problems else "; ".join(problems)


def bench_one(workers: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="soloops-scale-") as tmp, redis_claimed() as redis:
        shop = Shop(tmp=Path(tmp), redis_url=redis)
        try:
            shop.create()
            shop.start(web=WEB, workers=workers, concurrency=args.concurrency)
            shipments_use_sandbox(shop)
            outcome = drive(shop, args.orders, threads=args.threads)
            if outcome.errors:
                raise SystemExit(f"bench: {workers} worker(s): {outcome.errors[0]}")
            return {
                "workers": workers,
                "delivered_s": outcome.seconds_delivered,
                "seconds": outcome.seconds,
                "rate": outcome.rate,
                "verdict": _verdict(shop, args.orders),
            }
        finally:
            shop.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,3", help="worker counts (default 1,2,3)")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument("--threads", type=int, default=8, help="HTTP client threads")
    parser.add_argument("--quick", action="store_true", help="200 orders")
    args = parser.parse_args()
    if args.quick:
        args.orders = 200
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    load = os.getloadavg()[0]
    print(
        f"scale: {args.orders} orders, {WEB} web processes, Celery workers of "
        f"{args.concurrency} processes, PostgreSQL + Redis; load average at start {load:.1f} "
        f"on {os.cpu_count()} cores",
        flush=True,
    )
    print(f"{'workers':>7} {'orders/s':>9} {'all delivered':>14} {'all emails':>11}  check")
    for workers in [int(w) for w in args.workers.split(",")]:
        started = time.perf_counter()
        row = bench_one(workers, args)
        print(
            f"{row['workers']:>7} {row['rate']:>9.2f} {row['delivered_s']:>12.1f} s "
            f"{row['seconds']:>9.1f} s  {row['verdict']}  "
            f"(with set-up {time.perf_counter() - started:.0f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
