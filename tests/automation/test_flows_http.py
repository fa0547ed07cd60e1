"""HTTP in and out of flows: the ``http.request`` action against a local server (signed body,
one idempotency key across retries, 5xx retried, response stored), and inbound webhooks that
start a flow from its secret URL."""

import hashlib
import hmac
import json

from django.conf import settings
from django.test import Client

from soloops.automation.models import FlowRun, RunStatus, StepStatus
from soloops.orders.services import order_place
from tests.automation.conftest import SYSTEM, publish, reload, start
from tests.factories import draft, make_variant
from tests.probe.models import Hit


def call_flow(url: str, attempts: int = 3) -> str:
    return f"""\
name: Tell the warehouse
trigger: {{manual: true}}
steps:
  - id: told
    do: http.request
    with:
      url: "{url}/orders"
      body: {{order: "{{{{ trigger.manual.order }}}}", items: "{{{{ trigger.manual.items }}}}"}}
      headers: {{X-Shop: solo, Idempotency-Key: chosen-by-the-flow}}
    retry: {{attempts: {attempts}, backoff: 1m}}
  - do: probe.write
    with: {{name: "told {{{{ steps.told.status }}}}"}}
"""


def check_signature(request: dict) -> None:
    """What a receiver does with X-SoloOps-Signature: t=<time>,v1=<HMAC of "<t>.<body>">."""
    parts = dict(p.split("=", 1) for p in request["headers"]["x-soloops-signature"].split(","))
    expected = hmac.new(
        settings.WEBHOOK_SIGNING_SECRET.encode(),
        f"{parts['t']}.".encode() + request["body"],
        hashlib.sha256,
    ).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)


def test_http_request_signs_its_body_keeps_one_idempotency_key_and_retries_5xx(
    transactional_db, settle, advance_clock, probe_dir, receiver
):
    # given a receiver that is down once, then answers
    receiver.answers = [(503, "busy"), (201, '{"ticket": 7}')]
    run = start(publish(call_flow(receiver.url)), order="SO-1", items=2)

    # when the run calls it, and the retry comes due
    settle()
    assert reload(run).status == RunStatus.WAITING
    assert "answered 503" in reload(run).steps.get(key="0").error
    advance_clock(minutes=5)

    # then it was called twice with the same signed body and the same idempotency key,
    # which the flow's own headers could not replace
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    for request in receiver.requests:
        assert request["method"] == "POST"
        assert request["path"] == "/orders"
        assert json.loads(request["body"]) == {"order": "SO-1", "items": 2}
        assert request["headers"]["content-type"] == "application/json"
        assert request["headers"]["x-shop"] == "solo"
        check_signature(request)
    assert first["headers"]["idempotency-key"] == second["headers"]["idempotency-key"]
    assert first["headers"]["idempotency-key"].startswith(f"run-{run.pk}-")

    # and the answer is the step's output, which the next step read
    run = reload(run)
    assert run.status == RunStatus.COMPLETED
    step = run.steps.get(key="0")
    assert (step.status, step.attempts) == (StepStatus.DONE, 2)
    assert step.output == {"status": 201, "body": '{"ticket": 7}'}
    assert step.input["body"] == {"order": "SO-1", "items": 2}
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write told 201"]


def test_http_request_fails_the_run_when_the_receiver_stays_down(
    transactional_db, settle, advance_clock, probe_dir, receiver
):
    receiver.answers = [(500, "down")]
    run = start(publish(call_flow(receiver.url, attempts=2)), order="SO-1", items=1)

    settle()
    advance_clock(hours=1)

    run = reload(run)
    assert run.status == RunStatus.FAILED
    assert "answered 500" in run.error
    assert len(receiver.requests) == 2
    assert not Hit.objects.exists()


def test_http_request_refused_with_a_4xx_fails_at_once_instead_of_passing(
    transactional_db, settle, probe_dir, receiver
):
    # given a receiver that refuses the request (say, it rejects the signature)
    receiver.answers = [(401, '{"error": "bad signature"}')]
    run = start(publish(call_flow(receiver.url)), order="SO-1", items=1)

    # when
    settle()

    # then the refusal is not taken for success: the run is in the failed inbox at once
    run = reload(run)
    assert run.status == RunStatus.FAILED
    assert "http_refused" in run.error
    assert "401" in run.error
    assert len(receiver.requests) == 1
    assert not Hit.objects.exists()


def test_http_request_sends_money_from_the_order_context_as_exact_text(
    transactional_db, settle, receiver
):
    # given a flow posting each placed order's total
    publish(
        f"""\
name: Report orders
trigger: {{event: order.placed}}
steps:
  - do: http.request
    with:
      url: "{receiver.url}/sales"
      body: {{number: "{{{{ order.number }}}}", total: "{{{{ order.total }}}}"}}
"""
    )
    make_variant("POSTER-1", price="30.00", stock=5)

    # when an order is placed
    order, _ = order_place(draft=draft(("POSTER-1", 1)), channel="api", actor=SYSTEM)
    settle()

    # then the total went out as "30.00" (a Decimal, not a float, and not a crash)
    assert len(receiver.requests) == 1
    assert json.loads(receiver.requests[0]["body"]) == {"number": order.number, "total": "30.00"}
    run = FlowRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    assert run.steps.get().input["body"]["total"] == "30.00"


# --- inbound webhooks -----------------------------------------------------------------------

HOOK = """\
name: Supplier shipped
trigger: {webhook: true}
steps:
  - do: probe.write
    with: {name: "shipped {{ trigger.webhook.po }}"}
"""


def test_a_post_to_the_secret_url_starts_a_run_once_per_idempotency_key(
    transactional_db, settle, api_as
):
    # given a published webhook flow; the owner sees its URL
    publish(HOOK, key="shipped")
    url = api_as("owner").get("/api/flows/shipped").json()["webhook_url"]
    assert url.startswith("/hooks/flows/")
    client = Client()

    # when the supplier posts, then posts the same request again
    first = client.post(
        url,
        data='{"po": "PO-9"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    again = client.post(
        url,
        data='{"po": "PO-9"}',
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    settle()

    # then one run started with the body as its input, and the repeat was told which
    assert first.status_code == 202, first.content
    assert again.status_code == 200
    assert again.json() == {"run": first.json()["run"], "duplicate": True}
    run = FlowRun.objects.get()
    assert run.pk == first.json()["run"]
    assert run.trigger["webhook"] == {"po": "PO-9"}
    assert run.status == RunStatus.COMPLETED
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write shipped PO-9"]


def test_a_webhook_with_a_wrong_secret_or_bad_json_starts_nothing(transactional_db, api_as):
    # given
    publish(HOOK, key="shipped")
    url = api_as("owner").get("/api/flows/shipped").json()["webhook_url"]
    client = Client()

    # when / then
    wrong = client.post("/hooks/flows/not-the-secret", data="{}", content_type="application/json")
    assert wrong.status_code == 404
    assert wrong.json()["code"] == "not_found"
    bad = client.post(url, data="{not json", content_type="application/json")
    assert bad.status_code == 400
    assert bad.json() == {
        "code": "invalid_json",
        "message": "the body must be JSON",
        "field": "body",
        "extra": {},
    }
    assert client.get(url).status_code == 405
    assert not FlowRun.objects.exists()


def test_a_webhook_url_stops_working_when_its_flow_is_off_or_no_longer_a_webhook(
    transactional_db, api_as
):
    # given a webhook flow's URL
    flow = publish(HOOK, key="shipped")
    url = f"/hooks/flows/{flow.webhook_secret}"
    owner = api_as("owner")
    client = Client()

    # when the flow is switched off, then on again
    owner.post("/api/flows/shipped/disable")
    off = client.post(url, data="{}", content_type="application/json")
    owner.post("/api/flows/shipped/enable")
    on = client.post(url, data="{}", content_type="application/json")

    # and a version with a manual trigger is published
    publish(HOOK.replace("webhook: true", "manual: true"), key="shipped")
    replaced = client.post(url, data="{}", content_type="application/json")

    # then
    assert (off.status_code, on.status_code, replaced.status_code) == (404, 202, 404)
    assert FlowRun.objects.count() == 1
