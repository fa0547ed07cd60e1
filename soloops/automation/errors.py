from enum import StrEnum


class AutomationErrorCode(StrEnum):
    INVALID_CRON = "invalid_cron"
    INVALID_TIME_ZONE = "invalid_time_zone"
