"""The one meaning of a ``where`` filter, for triggers, ``wait_for`` and the dry run."""

from soloops.automation.models import Event


def matches(where: dict, event: Event) -> bool:
    """Every key of ``where`` equals the event's payload value (or subject_id / subject_type)."""
    fields = {**event.payload, "subject_id": event.subject_id, "subject_type": event.subject_type}
    return all(str(fields.get(key)) == str(value) for key, value in where.items())
