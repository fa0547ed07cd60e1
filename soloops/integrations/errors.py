"""Error codes of the integrations app (outbound webhooks; imports and channels add theirs)."""

from enum import StrEnum


class WebhookErrorCode(StrEnum):
    NOT_FOUND = "webhook_not_found"
    BAD_EVENT_TYPE = "webhook_event_type_invalid"
    BAD_URL = "webhook_url_invalid"
    NOT_PAUSED = "webhook_not_paused"
    ALREADY_PAUSED = "webhook_already_paused"
    DELIVERY_NOT_FOUND = "webhook_delivery_not_found"
    DELIVERY_BUSY = "webhook_delivery_in_flight"
