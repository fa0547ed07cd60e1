"""The message a broker carries for one event: a CloudEvents 1.0 structured-mode JSON document.

    {"specversion": "1.0", "id": "1234", "source": "soloops", "type": "order.placed",
     "subject": "orders.order/42", "time": "2026-12-06T10:00:00+00:00",
     "datacontenttype": "application/json", "soloopsschema": "1",
     "correlationid": "…", "actor": "api:owner", "data": {…the event's payload…}}

``id`` is the event's id in the log: a consumer that has seen an id has seen the message
(delivery is at least once). ``soloopsschema`` is the version of this envelope; a change that
removes or renames a field raises it.
"""

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder

SCHEMA_VERSION = "1"
CONTENT_TYPE = "application/cloudevents+json"


@dataclass(frozen=True)
class StreamMessage:
    id: str  # the event id: the consumer's dedupe key
    type: str  # the event type, e.g. "order.placed"
    key: str  # what the order is kept per: the subject, e.g. "orders.order/42"
    body: bytes  # the CloudEvents JSON document


def message_for(event) -> StreamMessage:
    subject = f"{event.subject_type}/{event.subject_id}"
    document = {
        "specversion": "1.0",
        "id": str(event.pk),
        "source": "soloops",
        "type": event.type,
        "subject": subject,
        "time": event.created_at.isoformat(),
        "datacontenttype": "application/json",
        "soloopsschema": SCHEMA_VERSION,
        "correlationid": str(event.correlation_id),
        "actor": f"{event.actor_kind}:{event.actor_label or event.actor_id}",
        "data": event.payload,
    }
    body = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return StreamMessage(id=str(event.pk), type=event.type, key=subject, body=body)


def type_selected(event_type: str, selection: list[str]) -> bool:
    """Whether the owner's selection (types, or prefixes ending in ".") takes this type."""
    if not selection:
        return True
    return any(event_type == s or (s.endswith(".") and event_type.startswith(s)) for s in selection)
