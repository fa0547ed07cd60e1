"""Event types the marketing app emits, and what it does when an order comes in: count it
into the recommendations' association counts (cheap; the nightly recount is the truth)."""

from soloops.events.catalogue import EventType, Payload, declare
from soloops.marketing.services import recommendations_count_order


class RecommendationsRecomputed(Payload):
    orders: int
    customers: int
    pairs: int


EVENTS = declare(
    EventType(
        "recommendations.recomputed",
        RecommendationsRecomputed,
        "the association counts behind recommendations were recounted from every order",
        "marketing.associationrun",
    ),
)


def _count_order(event) -> None:
    recommendations_count_order(order_id=int(event.subject_id))


HANDLERS = {"order.placed": [_count_order]}
