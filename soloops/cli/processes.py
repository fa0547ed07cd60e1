"""``soloops init``, ``demo``, ``demo-data``: set up the database, the owner and a demo shop;
``run``, ``web``, ``worker``, ``scheduler``: the processes that serve it."""

import argparse
import os
import secrets
import sys
from functools import partial

from .console import add_command


def _owner_create(args) -> str | None:
    """Migrate, collect static files, install the default flows and create the owner account
    unless one exists: its password, or None when an owner existed already."""
    from django.core.management import call_command

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import Role, User
    from soloops.accounts.services import user_create

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from soloops.automation.services import flows_install_defaults, flows_upgrade_defaults

    installed = flows_install_defaults(actor=Actor.system("soloops init"))
    if installed:
        print(f"soloops: installed {len(installed)} default flows: {', '.join(installed)}")
    upgraded = flows_upgrade_defaults(actor=Actor.system("soloops init"))
    if upgraded:
        print(f"soloops: updated unedited default flows: {', '.join(upgraded)}")
    print("soloops: database ready")
    if User.objects.filter(role=Role.OWNER).exists():
        print("soloops: an owner account exists already; keeping it")
        return None
    password = secrets.token_urlsafe(12)
    user_create(
        username=args.username,
        email=args.email,
        password=password,
        role=Role.OWNER,
        actor=Actor.system("soloops init"),
    )
    return password


def _support_classifier() -> None:
    """Train the support classifier now (a few seconds), not on a customer's first message."""
    from django.conf import settings

    from soloops.support.services import classifier_train

    if not settings.SUPPORT_CLASSIFIER_TRAIN:
        return

    version, seconds = classifier_train()
    if seconds:
        print(f"soloops: support classifier {version} trained in {seconds:.1f} s", flush=True)


def cmd_init(args) -> int:
    password = _owner_create(args)
    _support_classifier()
    if password is not None:
        print("soloops: owner account created — shown once, keep it somewhere safe:")
        print(f"    username: {args.username}")
        print(f"    password: {password}")
    return 0


def _password_file(username: str, password: str | None):
    """The demo owner's login in ``var/owner-password`` (mode 0600), written when the account
    is created; the path, if the file is there."""
    from django.conf import settings

    path = settings.VAR_DIR / "owner-password"
    if password is not None:
        path.unlink(missing_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"username: {username}\npassword: {password}\n")
    return path if path.exists() else None


def _box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


def cmd_demo(args) -> int:
    password = _owner_create(args)
    saved = _password_file(args.username, password)
    code = cmd_demo_data(args, migrate=False)
    if code:
        return code
    # The demo is for looking around: warnings only, unless SOLOOPS_LOG_LEVEL says otherwise,
    # so the login below stays on the screen.
    os.environ.setdefault("SOLOOPS_LOG_LEVEL", "WARNING")
    lines = [f"SoloOps demo: {_site_url(args)}/"]
    if password is not None:
        lines += [f"username: {args.username}", f"password: {password}"]
    else:
        lines.append("log in with the owner account created on the first run")
    if saved is not None:
        lines.append(f"(also in {saved}, readable only by you)")
    print(_box(lines), flush=True)
    return cmd_run(args)


def cmd_demo_data(args, migrate: bool = True) -> int:
    from django.core.management import call_command

    from soloops.demo import demo_load, shop_exists

    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    _support_classifier()
    not_loaded = "soloops: the catalog has products already; demo data not loaded"
    if shop_exists():
        print(not_loaded)
        return 0
    print(f"soloops: loading a demo shop ({args.orders:,} orders, seed {args.seed})…", flush=True)
    result = demo_load(orders=args.orders, seed=args.seed, progress=sys.stderr)
    if not result.loaded:  # another process loaded one meanwhile
        print(not_loaded)
        return 0
    print(
        f"soloops: demo shop loaded in {result.seconds:.1f} s: {result.products} products "
        f"({result.variants} SKUs) from {result.suppliers} suppliers, {result.customers:,} "
        f"customers, {result.orders:,} orders, {result.movements:,} ledger movements, "
        f"{result.events:,} events"
    )
    statuses = sorted(result.by_status.items(), key=lambda item: -item[1])
    print("soloops: orders by status: " + ", ".join(f"{s} {n:,}" for s, n in statuses))
    # The demo's history is imported as past events, which no handler acts on: its daily
    # facts (Insights) are computed once here.
    from soloops.analytics.services import daily_facts_rebuild

    days = daily_facts_rebuild()
    print(f"soloops: Insights computed for {days:,} days")
    # Likewise the counts behind recommendations, which the nightly flow would make.
    from soloops.accounts.actors import Actor
    from soloops.marketing.services import recommendations_recompute

    run = recommendations_recompute(actor=Actor.system("demo"))
    print(f"soloops: products bought together counted from {run.orders:,} orders")
    return 0


def _site_url(args) -> str:
    if site := os.environ.get("SOLOOPS_SITE_URL"):
        return site.rstrip("/")
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host  # noqa: S104
    return f"http://{f'[{host}]' if ':' in host else host}:{args.port}"


def cmd_run(args) -> int:
    from soloops.supervisor import Child, supervise

    # Links in emails point where this server answers, unless SOLOOPS_SITE_URL says otherwise
    # (a proxy, a public name); the children read it at start.
    os.environ.setdefault("SOLOOPS_SITE_URL", _site_url(args))
    me = [sys.executable, "-m", "soloops.cli"]
    children = [
        Child("web", [*me, "web", "--host", args.host, "--port", str(args.port)]),
        Child("worker", [*me, "worker"]),
        Child("scheduler", [*me, "scheduler"]),
    ]
    print(f"soloops: serving on http://{args.host}:{args.port} — press Ctrl-C to stop", flush=True)
    return supervise(children)


def _metrics_dir(port: int) -> str:
    """A fresh directory where this server's gunicorn workers write their request metrics, so
    ``/metrics`` adds them up (prometheus-client's multiprocess mode). One per port: two web
    servers on one machine never wipe each other's. Set before any worker imports the client."""
    import shutil

    from django.conf import settings

    path = settings.VAR_DIR / "metrics" / f"web-{port}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return str(path)


def web_concurrency(engine: str, cpus: int) -> tuple[int, int]:
    """``soloops web``'s default gunicorn workers and threads for a database engine and a
    number of cores (issue #12, measured with bench/orders.py).

    SQLite has one writer at a time: one process, whose threads queue for it in order
    (soloops/sqlite), instead of two whose writers meet in SQLite's busy handler and sleep
    there (bench/orders.py: p95 at 8 concurrent orders 69-74 ms against 167-289 ms with two
    processes, throughput alike). A database
    server: a process per core, at least two (an order is mostly Python between short waits
    on the database, and one process runs Python on one core), of 4 threads each.
    """
    if "sqlite" in engine:
        return 1, 8
    return max(2, cpus), 4


def cmd_web(args) -> int:
    from django.conf import settings
    from gunicorn.app.wsgiapp import run

    workers, threads = web_concurrency(settings.DATABASES["default"]["ENGINE"], os.cpu_count() or 1)
    workers, threads = args.workers or workers, args.threads or threads
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir(args.port)
    sys.argv = [
        "gunicorn",
        "soloops.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "10",
        "--no-control-socket",
        "--access-logfile",
        "-",
    ]
    run()
    return 0


def cmd_worker(args) -> int:
    from soloops.worker import run_worker

    run_worker(interval=args.interval, concurrency=args.concurrency)
    return 0


def cmd_scheduler(args) -> int:
    from soloops.scheduler import run_scheduler

    run_scheduler(tick=args.tick)
    return 0


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more, not {text!r}")
    return int(text)


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, not {text!r}")
    return int(text)


def register(sub) -> None:
    def owner_options(p):
        p.add_argument("--username", default="owner", help="owner login name (default: owner)")
        p.add_argument("--email", default="owner@example.com", help="owner email")

    def serve_options(p):
        p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
        p.add_argument("--port", type=int, default=8000, help="port to bind (default: 8000)")

    def demo_options(p):
        p.add_argument(
            "--orders",
            type=_count,
            default=3000,
            help="orders over the past two years (default: 3000)",
        )
        p.add_argument("--seed", type=int, default=1, help="same seed, same shop (default: 1)")

    add = partial(add_command, sub)
    owner_options(add("init", cmd_init, "Create or migrate the database and the owner account."))
    demo = add("demo", cmd_demo, "Set up a demo shop (once) and run web, worker and scheduler.")
    owner_options(demo)
    serve_options(demo)
    demo_options(demo)
    demo_options(
        add(
            "demo-data",
            cmd_demo_data,
            "Load the demo shop's catalog, customers and two years of orders (once), nothing else.",
        )
    )
    serve_options(add("run", cmd_run, "Run web, worker and scheduler together (Ctrl-C stops)."))
    web = add("web", cmd_web, "Run the web server (gunicorn).")
    serve_options(web)
    web.add_argument(
        "--workers",
        type=_positive,
        default=0,
        help="worker processes (default: 1 on SQLite, else one per core, at least 2)",
    )
    web.add_argument(
        "--threads",
        type=_positive,
        default=0,
        help="threads per process (default: 8 on SQLite, else 4)",
    )
    worker = add("worker", cmd_worker, "Run a task worker (database backend or Celery).")
    worker.add_argument(
        "--interval", type=float, default=0.2, help="seconds between polls when idle (db backend)"
    )
    worker.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (celery backend)"
    )
    scheduler = add("scheduler", cmd_scheduler, "Fire cron schedules and relay lost events.")
    scheduler.add_argument("--tick", type=float, default=1.0, help="seconds between ticks")
