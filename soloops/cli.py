"""The ``soloops`` command. Every subcommand has ``--help``; errors are one line and exit 1."""

import argparse
import os
import secrets
import sys
from datetime import timedelta


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")
    import django

    django.setup()


def _fail(message: str) -> int:
    print(f"soloops: error: {message}", file=sys.stderr)
    return 1


# --- init / demo ----------------------------------------------------------------------------


def _owner_create(args) -> str | None:
    """Migrate, collect static files, install the default flows and create the owner account
    unless one exists: its password, or None when an owner existed already."""
    from django.core.management import call_command

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import Role, User
    from soloops.accounts.services import user_create

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from soloops.automation.services import flows_install_defaults

    installed = flows_install_defaults(actor=Actor.system("soloops init"))
    if installed:
        print(f"soloops: installed {len(installed)} default flows: {', '.join(installed)}")
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


def cmd_init(args) -> int:
    password = _owner_create(args)
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
    return 0


# --- processes ------------------------------------------------------------------------------


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


def cmd_web(args) -> int:
    from gunicorn.app.wsgiapp import run

    sys.argv = [
        "gunicorn",
        "soloops.wsgi:application",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
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


# --- accounts -------------------------------------------------------------------------------


def cmd_user_create(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.accounts.services import user_create

    password = args.password or os.environ.get("SOLOOPS_NEW_PASSWORD") or secrets.token_urlsafe(12)
    user = user_create(
        username=args.username,
        email=args.email,
        password=password,
        role=args.role,
        actor=Actor.system("soloops user create"),
    )
    print(f"created {user.role} {user.username}")
    if not (args.password or os.environ.get("SOLOOPS_NEW_PASSWORD")):
        print(f"password (shown once): {password}")
    return 0


def cmd_token_create(args) -> int:
    from django.utils import timezone

    from soloops.accounts.actors import Actor
    from soloops.accounts.models import User
    from soloops.accounts.services import token_create

    user = User.objects.filter(username=args.user).first()
    if user is None:
        return _fail(f"no user named {args.user!r}")
    expires_at = timezone.now() + timedelta(days=args.expires_days) if args.expires_days else None
    issued = token_create(
        user=user,
        name=args.name,
        scope=args.scope,
        expires_at=expires_at,
        actor=Actor.system("soloops token create"),
    )
    print(f"token {issued.token.pk} for {user.username} ({args.scope}) — shown once:")
    print(issued.secret)
    return 0


def cmd_token_list(args) -> int:
    from soloops.accounts.models import ApiToken

    tokens = ApiToken.objects.select_related("user").order_by("id")
    if args.user:
        tokens = tokens.filter(user__username=args.user)
    print(
        f"{'id':>4}  {'user':<16} {'name':<20} {'scope':<6} {'prefix':<14} {'last used':<20} state"
    )
    for t in tokens:
        state = "revoked" if t.revoked_at else ("active" if t.is_active() else "expired")
        used = t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "never"
        row = f"{t.pk:>4}  {t.user.username:<16} {t.name:<20} {t.scope:<6} {t.prefix:<14}"
        print(f"{row} {used:<20} {state}")
    return 0


def cmd_token_revoke(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.accounts.models import ApiToken
    from soloops.accounts.services import token_revoke

    token = ApiToken.objects.filter(pk=args.id).first()
    if token is None:
        return _fail(f"no API token with id {args.id}")
    token_revoke(token=token, actor=Actor.system("soloops token revoke"))
    print(f"revoked token {token.pk} ({token.name})")
    return 0


# --- check ----------------------------------------------------------------------------------


def cmd_check(args) -> int:
    from soloops.inventory.selectors import ledger_mismatches
    from soloops.monitoring.selectors import readiness

    result = readiness()
    for name, outcome in result.checks.items():
        print(f"{name:<12} {outcome}")
    problems = [f"{k}: {v}" for k, v in result.checks.items() if v != "ok"]
    # The ledger needs the tables; it is checked whenever the database and migrations are ok,
    # even without a worker, so a broken invariant is never hidden behind another problem.
    if result.checks.get("migrations") == "ok":
        mismatches = ledger_mismatches()
        for mismatch in mismatches:
            print(f"{'ledger':<12} {mismatch}")
        if mismatches:
            problems.append(f"ledger: {len(mismatches)} stock rows disagree with their ledger")
        else:
            print(f"{'ledger':<12} ok")
    if problems:
        return _fail("not ready: " + "; ".join(problems))
    print("all checks passed")
    return 0


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["soloops manage", *args.rest])
    return 0


# --- flows ----------------------------------------------------------------------------------


def cmd_flow_validate(args) -> int:
    from soloops.automation.services import flow_validate
    from soloops.errors import InvalidInput

    try:
        document = flow_validate(source=_read(args.file))
    except InvalidInput as e:
        # One line per problem, as compilers print them: FILE:LINE: PATH: MESSAGE.
        for p in e.extra.get("problems", []):
            where = f"{args.file}:{p['line']}" if p["line"] else args.file
            print(f"{where}: {p['path']}: {p['message']}", file=sys.stderr)
        count = len(e.extra.get("problems", []))
        return _fail(f"{args.file} is not a valid flow ({count} problem{'s' * (count != 1)})")
    print(f"{args.file}: valid — {document['name']} ({len(document['steps'])} steps)")
    return 0


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise SystemExit(f"soloops: error: cannot read {path}: {e.strerror}") from None


def cmd_flow_list(args) -> int:
    from soloops.automation.selectors import flows_list

    print(f"{'key':<32} {'on':<4} {'version':<8} {'trigger':<28} last run")
    for flow in flows_list():
        version = flow.published_version.number if flow.published_version else "-"
        trigger = flow.trigger_event or flow.trigger_kind
        print(
            f"{flow.key:<32} {'yes' if flow.enabled else 'no':<4} {version!s:<8} "
            f"{trigger:<28} {flow.last_run_status or '-'}"
        )
    return 0


def cmd_flow_import(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.automation.services import flow_import

    flow = flow_import(source=_read(args.file), key=args.key, actor=Actor.system("soloops flow"))
    print(f"published {flow.key} version {flow.published_version.number}")
    return 0


def cmd_flow_export(args) -> int:
    from soloops.automation.selectors import flow_get, flow_version_get

    flow = flow_get(key=args.key)
    version = flow.published_version or flow_version_get(flow=flow)
    if args.format == "bpmn":
        from soloops.automation import bpmn

        sys.stdout.write(bpmn.write(version.document))
    else:
        sys.stdout.write(version.source)
    return 0


def cmd_flow_set_enabled(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.automation.selectors import flow_get
    from soloops.automation.services import flow_set_enabled

    enabled = args.flow_command == "enable"
    flow = flow_set_enabled(
        flow=flow_get(key=args.key), enabled=enabled, actor=Actor.system("soloops flow")
    )
    print(f"{flow.key}: {'on' if flow.enabled else 'off'}")
    return 0


def cmd_flow_dry_run(args) -> int:
    import json

    from soloops.accounts.actors import Actor
    from soloops.automation.flows.dryrun import dry_run
    from soloops.automation.selectors import event_get, flow_get, flow_version_get
    from soloops.automation.services import flow_validate

    if os.path.exists(args.flow):
        document = flow_validate(source=_read(args.flow))
    else:
        document = flow_version_get(flow=flow_get(key=args.flow)).document
    report = dry_run(
        document=document, event=event_get(event_id=args.event), actor=Actor.system("dry run")
    )
    print(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    return 0


def cmd_run_action(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.automation import services
    from soloops.automation.selectors import run_get

    action = {
        "retry": services.flow_run_retry,
        "skip": services.flow_run_skip,
        "cancel": services.flow_run_cancel,
    }[args.action]
    run = action(run=run_get(run_id=args.id), actor=Actor.system(f"soloops runs {args.action}"))
    print(f"run {run.pk}: {run.status}")
    return 0


def cmd_runs_list(args) -> int:
    from soloops.automation.selectors import runs_list

    runs = runs_list(flow_key=args.flow, status=args.status)[: args.limit]
    print(f"{'id':>6}  {'flow':<32} {'status':<18} {'step':<10} error")
    for run in runs:
        print(
            f"{run.pk:>6}  {run.flow.key:<32} {run.status:<18} {run.cursor or '-':<10} "
            f"{run.error[:60]}"
        )
    return 0


def cmd_events_catalogue(args) -> int:
    from soloops.events.catalogue import catalogue_markdown

    print(catalogue_markdown(), end="")
    return 0


# --- the parser -----------------------------------------------------------------------------


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, not {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="soloops", description="SoloOps: the back office of a one-person online shop."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

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
            help="orders over the past year (default: 3000)",
        )
        p.add_argument("--seed", type=int, default=1, help="same seed, same shop (default: 1)")

    owner_options(add("init", cmd_init, "Create or migrate the database and the owner account."))
    demo = add("demo", cmd_demo, "Set up a demo shop (once) and run web, worker and scheduler.")
    owner_options(demo)
    serve_options(demo)
    demo_options(demo)
    demo_options(
        add(
            "demo-data",
            cmd_demo_data,
            "Load the demo shop's catalog, customers and year of orders (once), nothing else.",
        )
    )
    serve_options(add("run", cmd_run, "Run web, worker and scheduler together (Ctrl-C stops)."))
    web = add("web", cmd_web, "Run the web server (gunicorn).")
    serve_options(web)
    web.add_argument("--workers", type=int, default=2, help="worker processes (default: 2)")
    web.add_argument("--threads", type=int, default=4, help="threads per process (default: 4)")
    worker = add("worker", cmd_worker, "Run a task worker (database backend or Celery).")
    worker.add_argument(
        "--interval", type=float, default=0.2, help="seconds between polls when idle (db backend)"
    )
    worker.add_argument(
        "--concurrency", type=int, default=2, help="worker processes (celery backend)"
    )
    scheduler = add("scheduler", cmd_scheduler, "Fire cron schedules and relay lost events.")
    scheduler.add_argument("--tick", type=float, default=1.0, help="seconds between ticks")
    add(
        "check",
        cmd_check,
        "Check database, migrations, worker heartbeat and the stock ledger; exit 1 if not ok.",
    )

    user = add("user", None, "Manage users.")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    uc = user_sub.add_parser("create", help="Create a user.", description="Create a user.")
    uc.set_defaults(func=cmd_user_create)
    uc.add_argument("username")
    uc.add_argument("--email", default="", help="email address")
    uc.add_argument("--role", choices=["owner", "staff", "viewer"], default="staff")
    uc.add_argument(
        "--password",
        help="password (default: SOLOOPS_NEW_PASSWORD, else a generated one shown once)",
    )

    token = add("token", None, "Manage API tokens.")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    tc = token_sub.add_parser(
        "create",
        help="Create a token (shown once).",
        description="Create an API token; its secret is shown once.",
    )
    tc.set_defaults(func=cmd_token_create)
    tc.add_argument("--user", required=True, help="the user the token acts as")
    tc.add_argument("--name", required=True, help="what the token is for")
    tc.add_argument("--scope", choices=["read", "write"], default="read")
    tc.add_argument("--expires-days", type=int, default=None, help="expire after N days")
    tl = token_sub.add_parser("list", help="List tokens.", description="List API tokens.")
    tl.set_defaults(func=cmd_token_list)
    tl.add_argument("--user", help="only this user's tokens")
    tr = token_sub.add_parser("revoke", help="Revoke a token.", description="Revoke an API token.")
    tr.set_defaults(func=cmd_token_revoke)
    tr.add_argument("id", type=int)

    flow = add("flow", None, "Validate, import, export, switch and dry-run automation flows.")
    flow_sub = flow.add_subparsers(dest="flow_command", required=True, metavar="ACTION")
    fv = flow_sub.add_parser(
        "validate",
        help="Check a flow file; print each problem with its line.",
        description="Check a flow file (YAML, JSON or BPMN 2.0 XML) without saving it.",
    )
    fv.set_defaults(func=cmd_flow_validate)
    fv.add_argument("file")
    fl = flow_sub.add_parser("list", help="List flows.", description="List flows.")
    fl.set_defaults(func=cmd_flow_list)
    fi = flow_sub.add_parser(
        "import",
        help="Save and publish a flow file.",
        description="Save a flow file (YAML, JSON or BPMN 2.0 XML) as a version and publish it.",
    )
    fi.set_defaults(func=cmd_flow_import)
    fi.add_argument("file")
    fi.add_argument("--key", help="the flow's key (default: from its name)")
    fe = flow_sub.add_parser(
        "export",
        help="Print a flow's published document.",
        description="Print a flow's published document.",
    )
    fe.set_defaults(func=cmd_flow_export)
    fe.add_argument("key")
    fe.add_argument(
        "--format",
        choices=("yaml", "bpmn"),
        default="yaml",
        help="yaml (as saved) or bpmn (BPMN 2.0 XML with its diagram, for bpmn.io)",
    )
    for verb, what in (("enable", "Switch a flow on."), ("disable", "Switch a flow off.")):
        switch = flow_sub.add_parser(
            verb,
            help=what,
            description=f"{what} A flow that is off starts no runs (by event, schedule, webhook "
            "or hand); runs already started go on.",
        )
        switch.set_defaults(func=cmd_flow_set_enabled)
        switch.add_argument("key")
    fd = flow_sub.add_parser(
        "dry-run",
        help="Show what a flow would do with a past event.",
        description="Evaluate a flow (a key or a file) against a stored "
        "event: the path taken and each step's input. Changes nothing.",
    )
    fd.set_defaults(func=cmd_flow_dry_run)
    fd.add_argument("flow", help="a flow key, or a path to a flow file")
    fd.add_argument("event", type=int, help="the id of a stored event")

    runs = add("runs", None, "List flow runs; retry, skip or cancel one.")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    rl = runs_sub.add_parser("list", help="List runs.", description="List flow runs, newest first.")
    rl.set_defaults(func=cmd_runs_list)
    rl.add_argument("--flow", help="only this flow's runs")
    rl.add_argument("--status", help="only runs in this status (e.g. failed)")
    rl.add_argument("--limit", type=int, default=50)
    for name, text in (
        ("retry", "Run the failed step again."),
        ("skip", "Skip the failed or waiting step and go on."),
        ("cancel", "Stop the run and undo its compensable steps."),
    ):
        rp = runs_sub.add_parser(name, help=text, description=text)
        rp.set_defaults(func=cmd_run_action, action=name)
        rp.add_argument("id", type=int)

    events = add("events", None, "The event types SoloOps records.")
    events_sub = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    ec = events_sub.add_parser(
        "catalogue",
        help="Print every event type with its payload fields (Markdown).",
        description="Print every event type with its payload fields (Markdown).",
    )
    ec.set_defaults(func=cmd_events_catalogue)

    manage = add("manage", cmd_manage, "Run a Django management command (migrate, shell, ...).")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup_django()
    except ImproperlyConfigured as e:
        return _fail(str(e))
    from django.db import DatabaseError

    from soloops.errors import ApplicationError

    try:
        return args.func(args)
    except ApplicationError as e:
        return _fail(f"{e.field + ': ' if e.field else ''}{e.message}")
    except (DatabaseError, ImproperlyConfigured) as e:
        return _fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
