"""Runs started by an inbound webhook (POST /hooks/flows/<secret>, soloops.automation.views).

A sender that retries (a lost answer, a timeout) sends the same ``Idempotency-Key`` header: the
second request answers with the run the first one started, and starts nothing. The key lives in
the run's trigger (``trigger.idempotency_key``), so the lookup is per flow.
"""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.automation.models import Flow, FlowRun

from .runs import flow_run_start

MAX_KEY = 200


def flow_run_start_by_webhook(
    *, flow: Flow, body, idempotency_key: str, actor: Actor
) -> tuple[FlowRun, bool]:
    """Start a run of ``flow`` with the webhook's JSON ``body`` as its input. Returns
    (run, created); created is False when a run with this ``idempotency_key`` (cut to 200
    characters; empty for none) exists already, which is returned instead."""
    key = idempotency_key[:MAX_KEY]
    trigger = {"webhook": body, **({"idempotency_key": key} if key else {})}
    with transaction.atomic():
        if key:
            # Serialise requests to this flow so two copies of one request cannot both start.
            Flow.objects.select_for_update().filter(pk=flow.pk).first()
            earlier = FlowRun.objects.filter(flow=flow, trigger__idempotency_key=key).first()
            if earlier is not None:
                return earlier, False
        return flow_run_start(flow=flow, trigger=trigger, actor=actor), True
