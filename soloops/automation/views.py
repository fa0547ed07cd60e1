"""Inbound webhooks that start flows: POST /hooks/flows/<secret>. The secret URL is the
credential (shown once to the owner on the flow page); the JSON body becomes the run's input.

A sender that retries (a lost answer, a timeout) sends the same ``Idempotency-Key`` header:
the second request answers with the run the first one started, and starts nothing
(``flow_run_start_by_webhook``).
"""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from soloops.accounts.actors import Actor
from soloops.automation.models import Flow, TriggerKind
from soloops.automation.services.webhooks import flow_run_start_by_webhook

MAX_BODY = 256 * 1024


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    """The API's error shape, so a sender's client reads every error alike."""
    body = {"code": code, "message": message, "field": field, "extra": {}}
    return JsonResponse(body, status=status)


@csrf_exempt
@require_POST
def flow_webhook(request, secret: str):
    # trigger_kind: a flow keeps its secret when a later version has another trigger, and
    # that version must not start from the old URL.
    flow = (
        Flow.objects.select_related("published_version")
        .filter(
            webhook_secret=secret,
            enabled=True,
            published_version__isnull=False,
            trigger_kind=TriggerKind.WEBHOOK,
        )
        .first()
    )
    if flow is None:
        return _error(404, "not_found", "no such hook")
    if len(request.body) > MAX_BODY:
        return _error(413, "too_large", "the body is over 256 KiB", field="body")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "invalid_json", "the body must be JSON", field="body")
    run, created = flow_run_start_by_webhook(
        flow=flow,
        body=body,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        actor=Actor.system(f"webhook {flow.key}"),
    )
    if not created:
        return JsonResponse({"run": run.pk, "duplicate": True}, status=200)
    return JsonResponse({"run": run.pk}, status=202)
