"""Every write of the marketing app: consent guard and suppression list, unsubscribe, clicks,
campaigns and their throttled batches, and the recommendations' association counts."""

from .batches import campaign_send_batch, campaigns_resume_due
from .campaigns import EDITABLE as CAMPAIGN_EDITABLE
from .campaigns import campaign_create, campaign_schedule, campaign_test_send, campaign_update
from .clicks import campaign_click
from .consent import (
    marketing_block_reason_for,
    marketing_guard,
    suppression_add,
    suppression_lift_on_consent,
    unsubscribe,
)
from .drips import drip_send
from .feedback import FeedbackReport, feedback_receive, feedback_receive_all
from .recommendations import recommendations_count_order, recommendations_recompute

__all__ = [
    "CAMPAIGN_EDITABLE",
    "FeedbackReport",
    "campaign_click",
    "campaign_create",
    "campaign_schedule",
    "campaign_send_batch",
    "campaign_test_send",
    "campaign_update",
    "campaigns_resume_due",
    "drip_send",
    "feedback_receive",
    "feedback_receive_all",
    "marketing_block_reason_for",
    "marketing_guard",
    "recommendations_count_order",
    "recommendations_recompute",
    "suppression_add",
    "suppression_lift_on_consent",
    "unsubscribe",
]
