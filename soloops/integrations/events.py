"""Event types the integrations app emits, and its handlers.

Imports: ``import.completed`` when an import has written its rows (subject: the import job),
``import.failed`` when it wrote nothing (bad rows in an all-or-nothing import, or a file that
cannot be read). A dry run (preview) emits nothing: it changes nothing.

Outbound webhooks (``services.webhooks``): ``webhook.subscribed`` / ``.updated`` /
``.deleted`` / ``.paused`` (by the owner, or after too many failed attempts in a row) /
``.resumed``. A single attempt is not an event: it is a row of the delivery log, so a failing
URL never floods the event log (nor, through ``*`` subscriptions, other URLs).
"""

from soloops.events.catalogue import EventType, Payload, declare

from .services.webhooks import webhook_deliveries_on_event, webhook_wants

# Every committed event of a type some URL subscribed to is delivered (webhook.* never is);
# other types do not even reach the handler (``wants``: no savepoint, no query).
webhook_deliveries_on_event.ignores = ("webhook.",)
webhook_deliveries_on_event.wants = webhook_wants
HANDLERS = {"*": [webhook_deliveries_on_event]}


class WebhookPayload(Payload):
    name: str
    url: str
    event_types: list[str]


class WebhookUpdated(WebhookPayload):
    changed: list[str]


class WebhookPaused(WebhookPayload):
    reason: str
    failures: int


class WebhookResumed(WebhookPayload):
    waiting: int


class ChannelPayload(Payload):
    name: str
    kind: str


class ChannelUpdated(ChannelPayload):
    changed: list[str]


class ChannelOrderHeld(ChannelPayload):
    external_order_id: str
    reason: str
    delivery_id: int


class ChannelChangeRefused(ChannelPayload):
    order_number: str
    status: str
    change: str


class ImportCompleted(Payload):
    entity: str
    filename: str
    create: int
    update: int
    unchanged: int
    rejected: int


class ImportFailed(Payload):
    entity: str
    filename: str
    reason: str


_SUB = "integrations.webhooksubscription"
_CHANNEL = "integrations.saleschannel"
EVENTS = declare(
    EventType(
        "import.completed",
        ImportCompleted,
        "an import file was written (rejected: the bad rows skipped)",
        "integrations.importjob",
    ),
    EventType(
        "import.failed",
        ImportFailed,
        "an import wrote nothing (bad rows, or an unreadable file)",
        "integrations.importjob",
    ),
    EventType(
        "channel.order_change_refused",
        ChannelChangeRefused,
        "a channel changed an order in a way its state does not allow here (change)",
        "orders.order",
    ),
    EventType("channel.created", ChannelPayload, "a sales channel was added", _CHANNEL),
    EventType("channel.updated", ChannelUpdated, "a sales channel's settings changed", _CHANNEL),
    EventType(
        "channel.order_held",
        ChannelOrderHeld,
        "a channel's order could not come in as it is (reason); fix and replay it",
        _CHANNEL,
    ),
    EventType("webhook.subscribed", WebhookPayload, "a URL was subscribed to event types", _SUB),
    EventType("webhook.updated", WebhookUpdated, "a webhook's name, URL or types changed", _SUB),
    EventType("webhook.deleted", WebhookPayload, "a webhook subscription was removed", _SUB),
    EventType(
        "webhook.paused",
        WebhookPaused,
        "deliveries to a URL were paused (by the owner, or after failures in a row)",
        _SUB,
    ),
    EventType(
        "webhook.resumed", WebhookResumed, "a paused webhook delivers again (waiting: held)", _SUB
    ),
)
