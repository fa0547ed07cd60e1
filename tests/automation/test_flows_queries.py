"""Statements per run on the hot path: a run of internal steps advances in one stretch with
one update of the run and one insert of all its step rows, whatever its length; an action
that writes nothing (``log``) costs no savepoint."""

import pytest

from soloops.automation.models import RunStatus, StepRun
from soloops.automation.services import flow_run_advance
from tests.automation.conftest import publish, reload, start


def internal_flow(steps: int, action: str = "log") -> str:
    call = (
        "    with: {message: 'step %d'}\n" if action == "log" else "    with: {name: 'step %d'}\n"
    )
    body = "".join(f"  - do: {action}\n" + call % i for i in range(steps))
    return f"name: Internal {action} {steps}\ntrigger: {{manual: true}}\nsteps:\n{body}"


def _advance_counted(run, django_assert_num_queries, expected: int):
    with django_assert_num_queries(expected) as captured:
        flow_run_advance(run_id=run.pk)
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("steps", [3, 12])
def test_a_run_of_log_steps_costs_the_same_statements_whatever_its_length(
    transactional_db, django_assert_num_queries, steps
):
    # given a started run of ``steps`` log steps
    run = start(publish(internal_flow(steps), key=f"internal-{steps}"))

    # when a worker advances it: begin; lock the run; read its steps; the completed event;
    # insert the step rows (one statement); update the run (one); commit — and no savepoint
    # around an action that writes nothing
    sqls = _advance_counted(run, django_assert_num_queries, 7)

    # then
    assert reload(run).status == RunStatus.COMPLETED
    assert StepRun.objects.filter(run=run).count() == steps
    writes = [sql for sql in sqls if "automation_steprun" in sql]
    assert sum(sql.startswith("INSERT") for sql in writes) == 1
    runs = [sql for sql in sqls if sql.startswith("UPDATE")]
    assert sum('"automation_flowrun"' in sql.replace("`", '"') for sql in runs) == 1  # MySQL: `…`


@pytest.mark.parametrize("steps", [3, 12])
def test_an_action_that_writes_runs_in_a_savepoint_of_its_own(
    transactional_db, django_assert_num_queries, steps
):
    # given a started run of ``steps`` probe.write steps (each writes a row)
    run = start(publish(internal_flow(steps, "probe.write"), key=f"writes-{steps}"))

    # when a worker advances it: as above, plus per step a savepoint, the action's insert
    # and the savepoint's release
    sqls = _advance_counted(run, django_assert_num_queries, 7 + 3 * steps)

    # then each action had its savepoint, so a failing one rolls back alone
    assert reload(run).status == RunStatus.COMPLETED
    assert sum(sql.startswith("SAVEPOINT") for sql in sqls) == steps
