"""Every step kind through the engine and through the dry run: the path a run takes is the
path its dry run shows (a wait taken as passed, a wait_for as answered, an approval as
approved), and the trigger's where filter means the same to both."""

import pytest

from soloops.automation.flows import document as doc
from soloops.automation.flows.dryrun import dry_run
from soloops.automation.models import FlowRun, RunStatus
from soloops.automation.services import flow_run_decide
from tests.automation.conftest import SYSTEM, emit, publish, reload

EVERY_KIND = """\
name: Every kind
trigger: {event: probe.kinds, where: {subject_type: probe.thing}}
steps:
  - id: first
    do: probe.write
    with: {name: "first {{ event.payload.n }}"}
  - if: event.payload.n > 1
    then:
      - wait: 1h
      - if: event.payload.n > 5
        then:
          - do: probe.write
            with: {name: big}
        else:
          - do: probe.write
            with: {name: small}
    else:
      - do: probe.write
        with: {name: never}
  - wait_for: {event: probe.answer, where: {n: "{{ event.payload.n }}"}, timeout: 1d}
    on_timeout:
      - do: probe.write
        with: {name: timed-out}
  - approve: {message: "Go on with {{ event.payload.n }}?"}
    on_reject:
      - do: probe.write
        with: {name: rejected}
  - do: probe.write
    with: {name: last}
"""


def run_path(run: FlowRun) -> list[str]:
    keys = run.steps.order_by("id").values_list("key", flat=True)
    return [doc.format_path(("steps", *doc.parse_step_key(key))) for key in keys]


@pytest.mark.parametrize("n", [0, 3, 7])
def test_every_step_kind_takes_the_same_path_in_a_run_and_in_its_dry_run(
    transactional_db, settle, advance_clock, probe_dir, n
):
    # given a flow with every step kind, and the event that starts it
    flow = publish(EVERY_KIND)
    started = emit("probe.kinds", n=n)
    settle()
    run = FlowRun.objects.get(flow=flow)

    # when the run is driven to its end: its wait passes, its event comes, the owner approves
    if n > 1:
        assert reload(run).status == RunStatus.WAITING
        advance_clock(hours=2)
    emit("probe.answer", n=n)
    settle()
    assert reload(run).status == RunStatus.AWAITING_APPROVAL
    flow_run_decide(run=run, approved=True, note="", actor=SYSTEM)
    settle()
    assert reload(run).status == RunStatus.COMPLETED

    # then the dry run of the same event showed exactly the steps the run took
    report = dry_run(document=flow.published_version.document, event=started, actor=SYSTEM)
    assert report["triggered"] is True
    assert [entry["step"] for entry in report["steps"]] == run_path(run)
    kinds = {entry["kind"] for entry in report["steps"]}
    assert kinds == {"do", "if", "wait_for", "approve"} | ({"wait"} if n > 1 else set())
    assert all("error" not in entry for entry in report["steps"])


def test_a_trigger_filter_on_the_subject_type_means_the_same_to_a_run_and_a_dry_run(
    transactional_db, settle, probe_dir
):
    # given the flow, and an event of its type about another kind of subject
    flow = publish(EVERY_KIND)
    other = emit("probe.kinds", subject=("probe.other", 1), n=3)

    # when it is dispatched, and dry-run
    settle()
    report = dry_run(document=flow.published_version.document, event=other, actor=SYSTEM)

    # then neither starts the flow
    assert not FlowRun.objects.filter(flow=flow).exists()
    assert report["triggered"] is False
    assert "the event does not match the trigger's where filter" in report["notes"]
