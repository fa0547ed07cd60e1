"""The alert webhook: a chat-compatible JSON POST (Slack and Teams read ``text``, Feishu
``msg_type``/``content``), sent by a worker after the alert committed."""

import json
import urllib.request

from django.tasks import task


@task()
def alert_webhook_post(*, url: str, message: dict, idempotency_key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 (the owner's configured http(s) URL)
        url,
        data=json.dumps(message).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": idempotency_key},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return response.status
