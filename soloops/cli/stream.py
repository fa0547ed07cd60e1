"""``soloops stream``: where the event stream stands; publish now; publish again from an id."""

from .console import add_command, fail


def cmd_stream_status(args) -> int:
    from soloops.integrations.services.stream import stream_status

    s = stream_status()
    if not s.configured:
        print("no stream: set SOLOOPS_EVENT_STREAM_URL (kafka://, amqp:// or nats://)")
    print(f"{'published up to':<16} event {s.last_event_id} of {s.log_last_id}")
    print(f"{'behind':<16} {s.behind} events, oldest {s.lag_seconds:.0f} s old")
    print(f"{'messages sent':<16} {s.published_count}")
    if s.last_error:
        print(f"{'last error':<16} {s.last_error} ({s.last_error_at:%Y-%m-%d %H:%M:%S} UTC)")
    return 1 if s.lagging else 0


def cmd_stream_publish(args) -> int:
    from django.conf import settings

    from soloops.integrations.services.stream import stream_publish_all, stream_status

    if not settings.EVENT_STREAM_URL:
        return fail("no stream: set SOLOOPS_EVENT_STREAM_URL (kafka://, amqp:// or nats://)")
    sent = stream_publish_all()
    status = stream_status()
    print(f"published {sent} messages; {status.behind} events behind")
    return fail(f"the broker stopped it: {status.last_error}") if status.last_error else 0


def cmd_stream_rewind(args) -> int:
    from soloops.integrations.services.stream import stream_rewind

    if args.after < 0:
        return fail("--after: an event id, 0 or more")
    stream_rewind(to_event_id=args.after)
    print(f"the stream publishes again from the event after {args.after}")
    return 0


def register(sub) -> None:
    stream = add_command(sub, "stream", None, "The event stream to a message broker.")
    actions = stream.add_subparsers(dest="stream_command", required=True, metavar="ACTION")
    status = actions.add_parser(
        "status", help="Where the stream stands; exit 1 when it lags past the alert threshold."
    )
    status.set_defaults(func=cmd_stream_status)
    publish = actions.add_parser("publish", help="Publish everything due now, until caught up.")
    publish.set_defaults(func=cmd_stream_publish)
    rewind = actions.add_parser(
        "rewind", help="Publish again every event after an id (a consumer lost its data)."
    )
    rewind.add_argument("--after", type=int, required=True, help="the last event id to skip")
    rewind.set_defaults(func=cmd_stream_rewind)
