"""The outside-call protocol. The first transaction (the stretch that reached the step)
committed the step's row as ``running`` with its idempotency key; the action is called with
no transaction open; a second transaction records the answer, if the run is still on that
step. A worker that dies in between leaves the run ``running`` (or ``cancelling``) with a
stale row: the scheduler hands it out again, and the action is called again with the same
key, which the receiving side uses to act once."""

from django.db import transaction

from soloops.automation.flows import document as doc
from soloops.automation.models import StepStatus
from soloops.errors import ApplicationError

from . import compensation
from .outcomes import CallOutside, Fail, Next, apply
from .state import ACTIVE, RunState, describe_error, describe_exception, is_compensation, jsonable


def call_outside(run_id: int, call: CallOutside) -> str:
    from .advance import lock_run

    permanent = False
    try:
        output, error = call.action.run(call.parsed, call.call) or {}, None
    except ApplicationError as e:  # refused (e.g. a 4xx answer): as for inside actions,
        output, error, permanent = None, describe_error(e), True  # retrying cannot help
    except Exception as e:
        output, error = None, describe_exception(e)
    with transaction.atomic():
        state = RunState.load(lock_run(run_id))
        run = state.run
        if run.status not in ACTIVE or run.cursor != call.key:
            return run.status  # cancelled or skipped meanwhile
        if is_compensation(call.key):
            step = compensation.spec_of(state, call.key)
        else:
            step = doc.get_step(state.document, doc.parse_step_key(call.key))
        kind = state.row.kind
        if error is not None:
            state.record(kind, StepStatus.RETRYING, error=error)
            apply(state, step, Fail(error, permanent=permanent))
        elif is_compensation(call.key):
            state.record(kind, StepStatus.DONE, output=jsonable(output))
            compensation.undone(state)
        else:
            state.record(kind, StepStatus.DONE, output=jsonable(output))
            apply(state, step, Next(doc.next_after(state.document, doc.parse_step_key(call.key))))
        state.flush()
        return run.status
