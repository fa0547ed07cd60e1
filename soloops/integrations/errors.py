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


class ChannelErrorCode(StrEnum):
    NOT_FOUND = "channel_not_found"
    BAD_KIND = "channel_kind_invalid"
    BAD_NAME = "channel_name_invalid"
    BAD_SKU_MAP = "channel_sku_map_invalid"
    BAD_SIGNATURE = "invalid_signature"
    BAD_PAYLOAD = "invalid_payload"
    NO_API = "channel_api_not_set"
    BAD_API_URL = "channel_api_url_invalid"
    API_UNREACHABLE = "channel_api_unreachable"
    NOT_REPLAYABLE = "channel_delivery_not_replayable"
    DELIVERY_NOT_FOUND = "channel_delivery_not_found"
