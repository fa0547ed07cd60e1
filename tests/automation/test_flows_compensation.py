"""Cancelling a run whose compensations have outside effects: a refund through the payment
provider and a call to another service. Each compensation is an engine step of its own, called
between two transactions under the step's idempotency key, so a worker that dies between the
call and the record of its answer leaves a run that finishes the cancel with the effect done
once."""

import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from soloops.automation.engine import outside
from soloops.automation.engine.advance import advance_stretch
from soloops.automation.models import FlowRun, RunStatus, StepStatus
from soloops.automation.services import flow_run_cancel
from soloops.orders.models import ReviewPolicy
from soloops.orders.services import order_place
from soloops.payments.models import Payment, Refund, SandboxEntry
from soloops.payments.providers import ChargeResult
from soloops.payments.services import payment_record_result, payment_start
from tests.automation.conftest import SYSTEM, publish, reload, start
from tests.conftest import wait_until
from tests.factories import draft, make_variant
from tests.payments.stripe_server import StripeServer


def charge_and_tell(url: str) -> str:
    return f"""\
name: Charge and tell the warehouse
trigger: {{manual: true}}
steps:
  - do: log
    with: {{message: "charged {{{{ trigger.manual.order }}}}"}}
    compensate:
      do: payment.refund
      with: {{order: "{{{{ trigger.manual.order }}}}", reason: "run cancelled"}}
  - do: log
    with: {{message: "told"}}
    compensate:
      do: http.request
      with: {{url: "{url}/undo", body: {{order: "{{{{ trigger.manual.order }}}}"}}}}
  - wait_for: {{event: probe.never, timeout: 7d}}
"""


class HoldingReceiver:
    """A service on 127.0.0.1 that acts once per Idempotency-Key (as a careful receiver
    does) and, while ``hold`` is set, keeps the first request waiting until ``release``."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.acted: set[str] = set()
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.hold = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                key = self.headers["Idempotency-Key"]
                receiver.requests.append({"key": key, "body": json.loads(body)})
                receiver.acted.add(key)
                if receiver.hold and len(receiver.requests) == 1:
                    receiver.arrived.set()
                    receiver.release.wait(timeout=60)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def holding_receiver():
    server = HoldingReceiver()
    yield server
    server.close()


@pytest.fixture
def paid_order(transactional_db):
    """An accepted order paid by a sandbox card (captured at once)."""
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"hold_at_score": 10_000, "reject_at_score": 20_000}
    )
    make_variant("MUG-9", price="12.50", stock=10)
    order, _ = order_place(draft=draft(("MUG-9", 2)), channel="api", actor=SYSTEM)
    payment, _ = payment_start(
        order=order, provider="sandbox", actor=SYSTEM, card_number="4242424242424242"
    )
    assert payment.status == "captured"
    return order


REFUND_ON_CANCEL = """\
name: Charge and wait
trigger: {manual: true}
steps:
  - do: log
    with: {message: "charged {{ trigger.manual.order }}"}
    compensate:
      do: payment.refund
      with: {order: "{{ trigger.manual.order }}", reason: "run cancelled"}
  - wait_for: {event: probe.never, timeout: 7d}
"""
STRIPE_KEY = "sk_test_not_a_real_key"


@pytest.fixture
def stripe_server(settings):
    """Stripe's API played by a local HTTP server, for this process and the ones it starts."""
    server = StripeServer()
    settings.STRIPE_API_KEY = STRIPE_KEY
    settings.STRIPE_API_BASE = server.url
    yield server
    server.close()


@pytest.fixture
def stripe_paid_order(transactional_db, stripe_server):
    """An accepted order paid by card through Stripe: the intent is created at Stripe and the
    customer's confirmation is recorded as ``payment_intent.succeeded`` would record it."""
    ReviewPolicy.objects.update_or_create(
        pk=1, defaults={"hold_at_score": 10_000, "reject_at_score": 20_000}
    )
    make_variant("MUG-9", price="12.50", stock=10)
    order, _ = order_place(draft=draft(("MUG-9", 2)), channel="api", actor=SYSTEM)
    payment, _ = payment_start(order=order, provider="stripe", actor=SYSTEM)
    assert payment.status == "pending" and len(stripe_server.intents) == 1
    result = ChargeResult(status="captured", reference=payment.provider_reference)
    payment = payment_record_result(payment=payment, result=result, actor=SYSTEM)
    assert payment.status == "captured"
    return order


def refunds_of(order) -> list[tuple[str, str]]:
    return list(Refund.objects.filter(payment__order=order).values_list("amount", "status"))


def test_a_refund_compensation_interrupted_between_its_two_transactions_refunds_once(
    settle, paid_order, holding_receiver
):
    # given a waiting run that charged and told the warehouse
    run = start(publish(charge_and_tell(holding_receiver.url)), order=paid_order.number)
    settle()
    assert reload(run).status == RunStatus.WAITING

    # when the owner cancels it, the warehouse is told (first compensation: newest step),
    # and the refund is called but its worker dies before recording the answer
    flow_run_cancel(run=run, actor=SYSTEM)
    assert reload(run).status == RunStatus.CANCELLING
    _, call, _, _ = advance_stretch(run.pk, 10)
    assert call is not None and call.action.name == "http.request"
    outside.call_outside(run.pk, call)
    _, call, _, _ = advance_stretch(run.pk, 10)
    assert call is not None and call.action.name == "payment.refund"
    assert not transaction.get_connection().in_atomic_block
    call.action.run(call.parsed, call.call)  # the refund happens; the answer is lost
    assert reload(run).steps.get(key="0/compensate").status == StepStatus.RUNNING

    # and a worker takes the run again (the task the cancel queued, as the scheduler's
    # rescue of a stalled run would)
    settle()

    # then the cancel is complete and the money went back once
    run = reload(run)
    assert run.status == RunStatus.CANCELLED
    assert refunds_of(paid_order) == [(paid_order.total, "succeeded")]
    assert SandboxEntry.objects.filter(operation="refund").count() == 1
    assert Payment.objects.get(order=paid_order).status == "refunded"
    step = run.steps.get(key="0/compensate")
    assert (step.status, step.attempts) == (StepStatus.DONE, 2)
    assert run.steps.get(key="0").status == StepStatus.COMPENSATED
    assert len(holding_receiver.requests) == 1


@pytest.mark.processes
def test_a_worker_killed_during_an_http_compensation_leaves_a_cancel_that_completes_once(
    processes, paid_order, holding_receiver
):
    # given a scheduler and a worker, and a waiting run that charged and told the warehouse
    env = {"SOLOOPS_RUN_STALLED_AFTER": "0.5"}
    processes.start("scheduler", "--tick", "0.2", env=env)
    worker = processes.start("worker", env=env)
    run = start(publish(charge_and_tell(holding_receiver.url)), order=paid_order.number)
    wait_until(lambda: reload(run).status == RunStatus.WAITING, timeout=60, what="the run to wait")

    # when the owner cancels it and the worker dies while the warehouse is being told
    holding_receiver.hold = True
    flow_run_cancel(run=run, actor=SYSTEM)
    assert holding_receiver.arrived.wait(timeout=60)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    holding_receiver.release.set()
    processes.start("worker", env=env)

    # then another worker finishes the cancel: told again under the same key, refunded once
    wait_until(
        lambda: FlowRun.objects.get(pk=run.pk).status == RunStatus.CANCELLED,
        timeout=60,
        what="the cancel to complete",
    )
    keys = [r["key"] for r in holding_receiver.requests]
    assert len(keys) == 2 and len(set(keys)) == 1 and keys[0].startswith(f"run-{run.pk}-")
    assert holding_receiver.requests[0]["body"] == {"order": paid_order.number}
    assert refunds_of(paid_order) == [(paid_order.total, "succeeded")]
    assert SandboxEntry.objects.filter(operation="refund").count() == 1
    run = reload(run)
    assert run.steps.get(key="1/compensate").attempts == 2
    assert run.steps.get(key="0").status == run.steps.get(key="1").status == "compensated"


@pytest.mark.processes
def test_a_worker_killed_during_a_stripe_refund_compensation_leaves_a_cancel_that_refunds_once(
    processes, stripe_paid_order, stripe_server
):
    # given a scheduler and a worker that reach Stripe, and a waiting run that charged
    env = {
        "SOLOOPS_RUN_STALLED_AFTER": "0.5",
        "STRIPE_API_KEY": STRIPE_KEY,
        "STRIPE_API_BASE": stripe_server.url,
    }
    processes.start("scheduler", "--tick", "0.2", env=env)
    worker = processes.start("worker", env=env)
    order = stripe_paid_order
    run = start(publish(REFUND_ON_CANCEL), order=order.number)
    wait_until(lambda: reload(run).status == RunStatus.WAITING, timeout=60, what="the run to wait")

    # when the owner cancels it and the worker dies after Stripe refunded, before the answer
    stripe_server.hold_refunds = True
    flow_run_cancel(run=run, actor=SYSTEM)
    assert stripe_server.arrived.wait(timeout=60), processes.log(worker)
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    stripe_server.release.set()
    assert reload(run).steps.get(key="0/compensate").status == StepStatus.RUNNING
    processes.start("worker", env=env)

    # then another worker finishes the cancel, asking Stripe again under the same key
    wait_until(
        lambda: FlowRun.objects.get(pk=run.pk).status == RunStatus.CANCELLED,
        timeout=60,
        what="the cancel to complete",
    )
    asked = [r["key"] for r in stripe_server.requests if r["path"] == "/v1/refunds"]
    assert len(asked) == 2 and len(set(asked)) == 1
    # and the money went back once: one refund at Stripe, one Refund row, the payment refunded
    payment = Payment.objects.get(order=order)
    assert [(r["payment_intent"], r["amount"]) for r in stripe_server.refunds] == [
        (payment.provider_reference, 2500)
    ]
    assert refunds_of(order) == [(order.total, "succeeded")]
    assert Refund.objects.get(payment=payment).provider_reference == stripe_server.refunds[0]["id"]
    assert (payment.status, payment.amount_refunded) == ("refunded", order.total)
    step = reload(run).steps.get(key="0/compensate")
    assert (step.status, step.attempts) == (StepStatus.DONE, 2)
    assert run.steps.get(key="0").status == StepStatus.COMPENSATED
