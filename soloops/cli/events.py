"""``soloops events catalogue``."""

from .console import add_command


def cmd_events_catalogue(args) -> int:
    from soloops.events.catalogue import catalogue_markdown

    print(catalogue_markdown(), end="")
    return 0


def register(sub) -> None:
    events = add_command(sub, "events", None, "The event types SoloOps records.")
    events_sub = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    ec = events_sub.add_parser(
        "catalogue",
        help="Print every event type with its payload fields (Markdown).",
        description="Print every event type with its payload fields (Markdown).",
    )
    ec.set_defaults(func=cmd_events_catalogue)
