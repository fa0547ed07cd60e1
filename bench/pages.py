"""Console page speed: server time and queries per page on a demo shop, p50 / p95.

Prepares (once, kept between runs) a demo shop with ``--orders`` orders in its own var
directory — SQLite by default, or the PostgreSQL database named by ``--database`` — then, in
this process, logs an owner in with Django's test client and requests every console page
``--requests`` times after a warm-up. The time is Django's own handling of the request
(middleware, view, queries, template) without a network hop; the query count is for one
request. It prints figures and asserts nothing. Usage:

    .venv/bin/python bench/pages.py [--orders 100000] [--requests 30]
        [--database postgres://postgres@127.0.0.1:5432/soloops_pages] [--var-dir DIR]
        [--only insights] [--uncached]

``--only`` measures the pages whose label starts with it; ``--uncached`` empties Django's
cache before each request (outside the time measured), so cached figures (the Insights KPIs)
are computed afresh every time.

Preparing 100,000 orders takes one to three minutes; later runs reuse the shop.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSED = ("SOLOOPS_VAR_DIR", "DATABASE_URL", "SOLOOPS_ALLOWED_HOSTS")


def soloops(*args: str, env: dict) -> None:
    subprocess.run([str(BIN / "soloops"), *args], env=env, check=True, cwd=REPO)


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(args, env: dict) -> None:
    """Make the demo shop unless this var directory / database already holds it."""
    marker = Path(args.var_dir) / f"demo-{args.orders}.done"
    if marker.exists():
        soloops("manage", "migrate", "--no-input", "-v", "0", env=env)  # code may have moved on
        return
    print(f"preparing a demo shop with {args.orders:,} orders in {args.var_dir} …", flush=True)
    started = time.perf_counter()
    if args.database:
        create_database(args.database)
    soloops("init", env=env)
    soloops("demo-data", "--orders", str(args.orders), env=env)
    marker.write_text("ok\n")
    print(f"prepared in {time.perf_counter() - started:.0f} s", flush=True)


def pages() -> list[tuple[str, str]]:
    """(label, path) for every console page, with real objects from the demo shop."""
    from soloops.automation.models import Flow, FlowRun
    from soloops.catalog.models import Variant
    from soloops.orders.models import Order
    from soloops.purchasing.models import PurchaseOrder

    order = Order.objects.order_by("-placed_at").only("number").first()
    held = Order.objects.filter(status="on_hold").only("number").first()
    email = Order.objects.order_by("-placed_at").values_list("email", flat=True)[100]
    variant = Variant.objects.order_by("pk").only("sku").first()
    po = PurchaseOrder.objects.order_by("-pk").only("number").first()
    flow = Flow.objects.order_by("pk").first()
    run = FlowRun.objects.order_by("-pk").only("pk").first()
    found = [
        ("today", "/"),
        ("orders", "/orders/"),
        ("orders on hold", "/orders/?status=on_hold"),
        ("orders page 20", "/orders/?page=20"),
        ("orders search email", f"/orders/?q={email}"),
        ("orders search number", f"/orders/?q={order.number}"),
        ("order detail", f"/orders/{order.number}/"),
        ("decisions", "/decisions/"),
        ("products", "/products/"),
        ("products low", "/products/?low=1"),
        ("suppliers", "/suppliers/"),
        ("purchase orders", "/purchase-orders/"),
        ("flows", "/flows/"),
        ("runs", "/flows/runs/"),
        ("runs failed", "/flows/runs/?status=failed"),
        ("settings", "/settings/"),
        ("insights", "/insights/"),
        ("insights 365 days", "/insights/?days=365"),
    ]
    if held:
        found.append(("held order detail", f"/orders/{held.number}/"))
    if variant:
        found.append(("SKU page", f"/products/{variant.sku}/"))
    if po:
        found.append(("purchase order", f"/purchase-orders/{po.number}/"))
    if flow:
        found.append(("flow page", f"/flows/{flow.key}/"))
    if run:
        found.append(("run page", f"/runs/{run.pk}/"))
    return found


def measure(requests: int, only: str = "", uncached: bool = False) -> None:
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import User
    from soloops.accounts.services import user_create

    owner = User.objects.filter(username="bench-owner").first() or user_create(
        username="bench-owner",
        email="bench-owner@example.com",
        password=secrets.token_urlsafe(16),  # logged in with force_login; never typed
        role="owner",
        actor=Actor.system("bench"),
    )
    client = Client()
    client.force_login(owner)
    # As Django's test client does: one connection across requests, so connection set-up is
    # not part of a page's time (the web server keeps connections for CONN_MAX_AGE too).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    print(
        f"{connection.vendor}; {requests} requests per page after 3 warm-up requests"
        + ("; the cache emptied before each" if uncached else "")
    )
    print(f"{'page':<24}{'status':>7}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for label, path in pages():
        if not label.startswith(only):
            continue
        for _ in range(3):
            response = client.get(path)
        if uncached:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        count = len(queries)  # now: the next request clears the query log
        times = []
        for _ in range(requests):
            if uncached:
                cache.clear()
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{label:<24}{response.status_code:>7}{count:>9}"
            f"{statistics.median(times):>9.1f}{p95:>9.1f}{times[-1]:>9.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database", default="", help="a PostgreSQL URL (default: SQLite)")
    parser.add_argument("--var-dir", default="", help="default: /tmp/soloops-bench-pages-<db>")
    parser.add_argument("--only", default="", help="only the pages whose label starts so")
    parser.add_argument("--uncached", action="store_true", help="empty the cache each time")
    args = parser.parse_args()
    kind = "postgres" if args.database else "sqlite"
    args.var_dir = args.var_dir or str(Path(tempfile.gettempdir()) / f"soloops-bench-pages-{kind}")
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SOLOOPS_VAR_DIR": args.var_dir, "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    env["SOLOOPS_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    if args.database:
        env["DATABASE_URL"] = args.database
    prepare(args, env)
    os.environ.update({k: v for k, v in env.items() if k in PASSED})
    os.environ["DJANGO_SETTINGS_MODULE"] = "soloops.settings"
    sys.path.insert(0, str(REPO))
    measure(args.requests, args.only, args.uncached)


if __name__ == "__main__":
    main()
