"""flow_run_start_by_webhook: the webhook's Idempotency-Key, checked in the service."""

from soloops.automation.models import FlowRun
from soloops.automation.services.webhooks import flow_run_start_by_webhook
from tests.automation.conftest import SYSTEM, publish

HOOK = """\
name: {name}
trigger: {{webhook: true}}
steps:
  - do: probe.write
    with: {{name: "shipped {{{{ trigger.webhook.po }}}}"}}
"""


def test_a_key_starts_one_run_per_flow_and_is_kept_to_200_characters(db):
    # given two webhook flows and a sender's key longer than 200 characters
    first_flow = publish(HOOK.format(name="Supplier shipped"), key="shipped")
    other_flow = publish(HOOK.format(name="Carrier scanned"), key="scanned")
    key = "k" * 250

    # when the same request comes twice to one flow, and once to the other
    run, created = flow_run_start_by_webhook(
        flow=first_flow, body={"po": "PO-9"}, idempotency_key=key, actor=SYSTEM
    )
    again, created_again = flow_run_start_by_webhook(
        flow=first_flow, body={"po": "PO-9"}, idempotency_key=key, actor=SYSTEM
    )
    other, created_other = flow_run_start_by_webhook(
        flow=other_flow, body={"po": "PO-9"}, idempotency_key=key, actor=SYSTEM
    )

    # then the repeat answers the first run; the other flow starts its own
    assert (created, created_again, created_other) == (True, False, True)
    assert again.pk == run.pk != other.pk
    assert run.trigger["webhook"] == {"po": "PO-9"}
    assert run.trigger["idempotency_key"] == "k" * 200
    assert FlowRun.objects.count() == 2


def test_without_a_key_every_request_starts_a_run(db):
    # given
    flow = publish(HOOK.format(name="Supplier shipped"), key="shipped")

    # when the same body comes twice without a key
    runs = [
        flow_run_start_by_webhook(flow=flow, body={"po": "PO-9"}, idempotency_key="", actor=SYSTEM)
        for _ in range(2)
    ]

    # then both start, and neither carries a key
    assert [created for _, created in runs] == [True, True]
    assert runs[0][0].pk != runs[1][0].pk
    assert "idempotency_key" not in runs[0][0].trigger
