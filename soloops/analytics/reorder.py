"""Safety stock, reorder point and order-up-to level from a SKU's demand forecast.

Over the supplier's lead time L (days): expected demand = the sum of the daily forecasts of
the next L days; its spread = the root of the sum of the daily error variances (days taken as
independent); safety stock = z(service level) times that spread; reorder point = expected demand
+ safety stock, rounded up; order-up-to level = reorder point + the expected demand of the
review period (how often the owner orders, default 7 days).
"""

import math
from dataclasses import dataclass

import numpy as np
import scipy  # its submodules load on first use: a process that never fits a model skips them

from soloops.errors import InvalidInput

SERVICE_LEVEL_DEFAULT = 0.95
SERVICE_LEVEL_MIN, SERVICE_LEVEL_MAX = 0.5, 0.999  # (50 %, 99.9 %]
REVIEW_DAYS = 7


def check_service_level(level: float, *, field: str = "service_level") -> float:
    if not (SERVICE_LEVEL_MIN < level <= SERVICE_LEVEL_MAX) or math.isnan(level):
        raise InvalidInput(
            "invalid_service_level",
            "the service level must be above 0.5 and at most 0.999",
            field=field,
        )
    return level


@dataclass(frozen=True)
class ReorderAdvice:
    lead_time_days: int
    service_level: float
    lead_time_demand: float
    lead_time_sigma: float
    safety_stock: int
    reorder_point: int
    order_up_to: int


def reorder_advice(
    *,
    mean: np.ndarray,
    sigma: np.ndarray,
    lead_time_days: int,
    service_level: float,
    review_days: int = REVIEW_DAYS,
) -> ReorderAdvice:
    """Precondition: ``mean`` and ``sigma`` cover at least lead time + review days."""
    check_service_level(service_level)
    lead = max(1, lead_time_days)
    demand = float(mean[:lead].sum())
    spread = float(math.sqrt(float((sigma[:lead] ** 2).sum())))
    z = float(scipy.stats.norm.ppf(service_level))
    safety = max(0, math.ceil(z * spread))
    point = math.ceil(demand + safety)
    review = float(mean[lead : lead + review_days].sum())
    return ReorderAdvice(
        lead_time_days=lead,
        service_level=service_level,
        lead_time_demand=demand,
        lead_time_sigma=spread,
        safety_stock=safety,
        reorder_point=point,
        order_up_to=point + math.ceil(review),
    )
