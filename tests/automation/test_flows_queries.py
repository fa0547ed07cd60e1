"""Statements per run on the hot path: a run of internal steps advances in one stretch with
one update of the run and one insert of all its step rows, whatever its length."""

import pytest

from soloops.automation.models import RunStatus, StepRun
from soloops.automation.services import flow_run_advance
from tests.automation.conftest import publish, reload, start


def internal_flow(steps: int) -> str:
    body = "".join(f"  - do: log\n    with: {{message: 'step {i}'}}\n" for i in range(steps))
    return f"name: Internal {steps}\ntrigger: {{manual: true}}\nsteps:\n{body}"


@pytest.mark.parametrize("steps", [3, 12])
def test_a_run_of_internal_steps_costs_the_same_statements_whatever_its_length(
    transactional_db, django_assert_num_queries, steps
):
    # given a started run of ``steps`` log steps
    run = start(publish(internal_flow(steps), key=f"internal-{steps}"))

    # when a worker advances it: begin; lock the run; read its steps; a savepoint and its
    # release around each action; the completed event; insert the step rows (one
    # statement); update the run (one); commit
    with django_assert_num_queries(7 + 2 * steps) as captured:
        flow_run_advance(run_id=run.pk)

    # then
    assert reload(run).status == RunStatus.COMPLETED
    assert StepRun.objects.filter(run=run).count() == steps
    writes = [q["sql"] for q in captured.captured_queries if "automation_steprun" in q["sql"]]
    assert sum(sql.startswith("INSERT") for sql in writes) == 1
    runs = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]
    assert sum('"automation_flowrun"' in sql for sql in runs) == 1
