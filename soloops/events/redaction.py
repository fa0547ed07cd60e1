"""Erasure: blank a person's data in past events (re-exported by ``events.services``)."""

from django.db.models import Q, TextField
from django.db.models.functions import Cast

from soloops.events.models import Event


def events_redact(
    *, match: str, texts: list[str], replacement: str, subjects: dict[str, list] | None = None
) -> int:
    """Blank a person's data in past events, for an erasure request: in the payloads that
    mention ``match`` (an email) or are about one of ``subjects``, every string holding one of
    ``texts`` has it replaced. The one exception to "events are immutable": the law's right to
    be forgotten outranks the audit trail; the event's type, subject, actor and time stay.
    Returns how many events changed. Precondition: the caller holds the erasure transaction.
    A scan of the event log's payloads: rare (an erasure), so no index is kept for it."""
    texts = sorted({t for t in texts if t and len(t) >= 2}, key=len, reverse=True)
    if not match or not texts:
        return 0
    which = Q(payload_text__contains=match)
    for subject_type, ids in (subjects or {}).items():
        if ids:
            which |= Q(subject_type=subject_type, subject_id__in=[str(i) for i in ids])
    rows = list(
        Event.objects.alias(payload_text=Cast("payload", TextField())).filter(which).order_by("pk")
    )

    def clean(value):
        if isinstance(value, str):
            for text in texts:
                value = value.replace(text, replacement)
            return value
        if isinstance(value, list):
            return [clean(v) for v in value]
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        return value

    changed = []
    for event in rows:
        payload = clean(event.payload)
        if payload != event.payload:
            event.payload = payload
            changed.append(event)
    Event.objects.bulk_update(changed, ["payload"], batch_size=500)
    return len(changed)
