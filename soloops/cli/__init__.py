"""The ``soloops`` command. Every subcommand has ``--help``; errors are one line and exit 1.

One module per command group: ``processes`` (init, demo, demo-data, run, web, worker,
scheduler), ``check`` (check, manage), ``accounts`` (user, token), ``flows`` (flow, runs),
``customers``, ``events``, ``stream``, ``imports`` (import, export), ``analytics``,
``operations`` (backup, restore); ``console`` holds what they share.
"""

import argparse
import os

from . import (
    accounts,
    analytics,
    check,
    customers,
    events,
    flows,
    imports,
    operations,
    processes,
    stream,
)
from .console import fail


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soloops.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="soloops", description="SoloOps: the back office of a one-person online shop."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # In the order ``soloops --help`` lists them.
    processes.register(sub)
    check.register_check(sub)
    accounts.register(sub)
    flows.register(sub)
    customers.register(sub)
    events.register(sub)
    stream.register(sub)
    imports.register(sub)
    imports.register_export(sub)
    analytics.register(sub)
    operations.register(sub)
    check.register_manage(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from django.core.exceptions import ImproperlyConfigured

    try:
        _setup_django()
    except ImproperlyConfigured as e:
        return fail(str(e))
    from django.db import DatabaseError

    from soloops.errors import ApplicationError

    try:
        return args.func(args)
    except ApplicationError as e:
        return fail(f"{e.field + ': ' if e.field else ''}{e.message}")
    except (DatabaseError, ImproperlyConfigured) as e:
        return fail(str(e).splitlines()[0] if str(e) else type(e).__name__)
    except KeyboardInterrupt:
        return 130
