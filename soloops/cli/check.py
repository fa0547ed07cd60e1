"""``soloops check`` (is this installation ready?) and ``soloops manage`` (any Django
management command)."""

import argparse

from .console import add_command, fail


def cmd_check(args) -> int:
    from django.conf import settings

    from soloops.integrations.services.stream import stream_status

    if args.deploy:
        return _check_deploy()
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
    if settings.EVENT_STREAM_URL and result.checks.get("migrations") == "ok":
        stream = stream_status()
        outcome = f"{stream.behind} events behind, oldest {stream.lag_seconds:.0f} s"
        print(f"{'stream':<12} {'lagging: ' + outcome if stream.lagging else 'ok'}")
        if stream.lagging:
            problems.append(f"stream: {outcome} ({stream.last_error or 'no error recorded'})")
    if problems:
        return fail("not ready: " + "; ".join(problems))
    print("all checks passed")
    return 0


# Django's advice that is a decision, not a hole: HSTS for every subdomain and the browsers'
# preload list concern the owner's whole domain; redirecting http to https is the TLS proxy's job.
ADVISORY = {"security.W005", "security.W021", "security.W008"}


def _check_deploy() -> int:
    """What is unsafe for a shop on the internet: ours in the owner's terms, then Django's."""
    from django.core.checks import Tags, run_checks

    from soloops.monitoring.selectors import unsafe_settings

    problems = unsafe_settings()
    for message in run_checks(tags=[Tags.security], include_deployment_checks=True):
        if message.id not in ADVISORY:
            problems.append(f"{message.id}: {message.msg.splitlines()[0]}")
    for problem in problems:
        print(f"unsafe       {problem}")
    if problems:
        return fail(f"{len(problems)} settings are unsafe for production")
    print("deployment settings ok")
    return 0


def cmd_manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["soloops manage", *args.rest])
    return 0


def register_check(sub) -> None:
    check = add_command(
        sub,
        "check",
        cmd_check,
        "Check database, migrations, worker heartbeat and the stock ledger; exit 1 if not ok.",
    )
    check.add_argument(
        "--deploy", action="store_true", help="instead: report settings unsafe for production"
    )


def register_manage(sub) -> None:
    manage = add_command(
        sub, "manage", cmd_manage, "Run a Django management command (migrate, shell, ...)."
    )
    manage.add_argument("rest", nargs=argparse.REMAINDER)
