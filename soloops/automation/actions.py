"""The automation app's own actions: ``log`` and ``http.request``; and (``mail_actions``) the
actions that email about orders, stock and runs, which only a layer above them may define."""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Literal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field, HttpUrl

from soloops.actions import Action, ActionCall
from soloops.automation import mail_actions
from soloops.errors import ApplicationError

logger = logging.getLogger("soloops.flows")
RESPONSE_KEEP = 4000  # characters of a response body kept in the step's output
# Answers worth trying again: the receiver was busy, timed out or asks us to slow down.
RETRY_STATUSES = {408, 425, 429}


class LogIn(BaseModel):
    message: str = Field(max_length=2000)


def _log(data: LogIn, call: ActionCall) -> dict:
    logger.info("flow run %s: %s", call.run_id, data.message)
    return {"message": data.message}


class HttpRequestIn(BaseModel):
    url: HttpUrl
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    body: dict | list | None = None
    headers: dict[str, str] = {}
    timeout: float = Field(10.0, gt=0, le=60)


def sign(body: bytes, timestamp: int) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` with the shop's signing secret,
    the same scheme Stripe uses, so a receiver can check the request came from this shop."""
    mac = hmac.new(
        settings.WEBHOOK_SIGNING_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    )
    return f"t={timestamp},v1={mac.hexdigest()}"


def _http_request(data: HttpRequestIn, call: ActionCall) -> dict:
    # default=str: a Decimal from the context ({{ order.total }}) is sent as its exact text.
    body = json.dumps(data.body, default=str).encode() if data.body is not None else b""
    request = urllib.request.Request(str(data.url), data=body or None, method=data.method)  # noqa: S310
    # The flow's own headers first, so they can never replace the idempotency key or the
    # signature the receiver relies on.
    for name, value in data.headers.items():
        request.add_header(name, value)
    request.add_header("Content-Type", "application/json")
    request.add_header("User-Agent", "SoloOps")
    request.add_header("Idempotency-Key", call.idempotency_key)
    request.add_header("X-SoloOps-Signature", sign(body, int(time.time())))
    try:
        with urllib.request.urlopen(request, timeout=data.timeout) as response:  # noqa: S310
            status, raw = response.status, response.read(RESPONSE_KEEP * 4)
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read(RESPONSE_KEEP * 4)
    text = raw.decode(errors="replace")[:RESPONSE_KEEP]
    if status >= 500 or status in RETRY_STATUSES:
        raise ConnectionError(f"{data.method} {data.url} answered {status}; will retry")
    if status >= 400:
        # Refused (bad signature, unknown resource, invalid body): sending the same request
        # again cannot help, and a step that "succeeded" with a 401 would hide that the
        # receiver never acted. The run goes to the failed inbox with the answer.
        raise ApplicationError(
            "http_refused",
            f"{data.method} {data.url} answered {status}: {text[:300]}",
            extra={"status": status},
        )
    return {"status": status, "body": text}


ACTIONS = [
    Action(
        name="log",
        description=_("Write a message to the run's log."),
        input=LogIn,
        run=_log,
        describe=lambda data, call: f"log: {data.message}",
        writes=False,
    ),
    Action(
        name="http.request",
        description=_(
            "Call an outside URL with a JSON body signed with HMAC-SHA256 "
            "(X-SoloOps-Signature) and an Idempotency-Key; the response is stored. "
            "5xx, 408, 425 and 429 answers are retried; other 4xx answers fail the step."
        ),
        input=HttpRequestIn,
        run=_http_request,
        describe=lambda data, call: f"{data.method} {data.url} with body {data.body!r}",
        outside=True,
    ),
    *mail_actions.ACTIONS,
]
