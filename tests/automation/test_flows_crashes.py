"""The engine's central promise, as a property: wherever a worker dies or a step raises, every
outside effect happens exactly once and every run ends completed or in the failed inbox.

Each example runs a five-step flow (outside effects and inside writes, one in an ``if``
branch) in real worker processes with a real scheduler. Hypothesis picks where a worker is
SIGKILLed (in the middle of a step, before or after its effect) and which steps raise how many
times. A held step blocks until the test releases it, so the kill lands exactly there; the
scheduler hands the dead worker's run to the next worker once it has stalled
(``SOLOOPS_RUN_STALLED_AFTER`` is half a second here). Nothing sleeps: the test waits for files
and rows to appear.
"""

import signal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from soloops.automation.models import FlowRun, RunStatus
from tests.automation.conftest import publish, start
from tests.conftest import wait_until
from tests.probe.actions import probe_file
from tests.probe.models import Effect, Hit

pytestmark = pytest.mark.processes

ATTEMPTS = 3
# (name, outside?) in the order the run meets them; "c" sits in an if's then-branch.
STEPS = [("a", True), ("b", False), ("c", True), ("d", False), ("e", True)]
OUTSIDE = {name for name, outside in STEPS if outside}
ENDED = (RunStatus.COMPLETED, RunStatus.FAILED)


def step_yaml(name: str, plan: dict, indent: str) -> str:
    action = "probe.effect" if name in OUTSIDE else "probe.write"
    inputs = {"name": name, **plan.get(name, {})}
    with_ = ", ".join(f"{k}: {v}" for k, v in inputs.items())
    return (
        f"{indent}- id: {name}\n"
        f"{indent}  do: {action}\n"
        f"{indent}  with: {{{with_}}}\n"
        f"{indent}  retry: {{attempts: {ATTEMPTS}, backoff: 0s}}\n"
    )


def flow_source(plan: dict) -> str:
    return (
        "name: Crash test\ntrigger: {manual: true}\nsteps:\n"
        + step_yaml("a", plan, "  ")
        + step_yaml("b", plan, "  ")
        + "  - if: steps.a.name == 'a' and steps.b.call >= 1\n    then:\n"
        + step_yaml("c", plan, "      ")
        + "    else:\n      - do: probe.write\n        with: {name: never}\n"
        + step_yaml("d", plan, "  ")
        + step_yaml("e", plan, "  ")
    )


def expected(plan: dict, killed: str | None) -> tuple[str, str | None, set[str]]:
    """(final status, failed step, steps whose effect must exist) — the engine's rules: a
    step has ATTEMPTS attempts; an outside call counts as an attempt once it starts (even if
    its worker dies), an inside call only once its transaction commits."""
    effects = set()
    for name, outside in STEPS:
        step = plan.get(name, {})
        fail_times = step.get("fail_times", 0)
        attempts, call = 0, 0
        while True:
            call += 1
            dies = killed == name and call == 1
            if dies and step.get("hold") == "after" and outside:
                effects.add(name)  # the effect happened, then the worker died
            if dies:
                attempts += 1 if outside else 0
                continue
            attempts += 1
            fails = call <= fail_times
            if outside and not (fails and step.get("fail") == "before"):
                effects.add(name)
            if not fails:
                if not outside:
                    effects.add(name)
                break
            if attempts >= ATTEMPTS:
                return RunStatus.FAILED, name, effects
    return RunStatus.COMPLETED, None, effects


plans = st.fixed_dictionaries(
    {},
    optional={
        name: st.fixed_dictionaries(
            {
                "fail_times": st.integers(min_value=0, max_value=ATTEMPTS),
                "fail": st.sampled_from(["before", "after"]),
            }
        )
        for name, _ in STEPS
    },
)
kills = st.one_of(
    st.none(),
    st.tuples(st.sampled_from([name for name, _ in STEPS]), st.sampled_from(["before", "after"])),
)


class Cluster:
    """One scheduler for the whole test, and the worker of the moment."""

    def __init__(self, processes) -> None:
        env = {"SOLOOPS_RUN_STALLED_AFTER": "0.5"}
        self.processes = processes
        self.env = env
        processes.start("scheduler", "--tick", "0.2", env=env)
        self.worker = processes.start("worker", env=env)

    def kill_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        assert self.worker.wait(timeout=10) == -signal.SIGKILL

    def start_worker(self) -> None:
        self.worker = self.processes.start("worker", env=self.env)


@pytest.fixture
def cluster(processes, probe_dir) -> Cluster:
    return Cluster(processes)


def status_of(run: FlowRun) -> str:
    return FlowRun.objects.values_list("status", flat=True).get(pk=run.pk)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans, kill=kills)
def test_wherever_a_worker_dies_or_a_step_raises_each_effect_happens_once_and_the_run_ends(
    cluster, plan, kill
):
    # given a flow whose steps fail as planned, one of them held so its worker can be killed
    plan = {name: dict(step) for name, step in plan.items()}
    if kill:
        plan.setdefault(kill[0], {})["hold"] = kill[1]
    run = start(publish(flow_source(plan), key="crash"))

    # when the held step is reached, its worker is killed mid-step and another starts
    killed = None
    if kill:
        held = probe_file("held", run.pk, kill[0])
        wait_until(
            lambda: held.exists() or status_of(run) in ENDED,
            what=f"step {kill[0]} to be held, or the run to end before it",
        )
        if held.exists():
            killed = kill[0]
            cluster.kill_worker()
            probe_file("release", run.pk, kill[0]).touch()
            cluster.start_worker()
    status, failed_step, effects = expected(plan, killed)
    event(f"worker killed: {killed is not None}")
    event(f"expected: {status}")

    # then the run ends: completed, or failed on the step whose failures outran its attempts
    wait_until(lambda: status_of(run) in ENDED, timeout=60, what="the run to end")
    run.refresh_from_db()
    log = f"plan={plan} killed={killed} steps={list(run.steps.values_list('key', 'status'))}"
    assert run.status == status, log
    if failed_step:
        assert run.steps.get(status="failed").action in ("probe.effect", "probe.write"), log
        assert f"probe {failed_step} fails" in run.error, log

    # and each outside effect happened exactly once, under one idempotency key, and each
    # inside write committed exactly once
    outside = list(Effect.objects.filter(run_id=run.pk).values_list("name", flat=True))
    inside = list(Hit.objects.filter(event_id=run.pk).values_list("handler", flat=True))
    assert sorted(outside) == sorted(effects & OUTSIDE), log
    assert sorted(inside) == sorted(f"write {name}" for name in effects - OUTSIDE), log
