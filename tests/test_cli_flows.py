"""``soloops flow ...`` and ``soloops runs ...``, called through ``soloops.cli.main`` as the
installed command calls it (in this process, so they see the test database)."""

import json

import pytest
from django.apps import apps

from soloops.automation.models import Event, RunStatus
from soloops.cli import main
from tests.automation.conftest import emit, publish, reload, start
from tests.probe.models import Hit

VALID = """\
name: Greet
trigger: {event: probe.ping}
steps:
  - if: event.payload.size > 10
    then:
      - do: probe.write
        with: {name: "big {{ event.payload.size }}"}
    else:
      - do: log
        with: {message: small}
"""

INVALID = """\
name: Broken
trigger: {event: probe.ping}
steps:
  - do: probe.write
    with: {name: a, colour: red}
  - wait: soon
"""

FAILING = """\
name: Failing
trigger: {manual: true}
steps:
  - do: probe.write
    with: {name: first}
    compensate: {do: probe.write, with: {name: undo-first}}
  - do: probe.write
    with: {name: flaky, fail_times: 1}
    retry: {attempts: 1}
  - do: probe.write
    with: {name: last}
"""


@pytest.fixture(autouse=True)
def _django_already_set_up(monkeypatch):
    """pytest set Django up. Setting it up again would point its logging at this test's
    captured stderr, which is closed after the test ("--- Logging error ---" later on)."""
    monkeypatch.setattr("soloops.cli._setup_django", lambda: None)


def cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # what ran before (the task worker's log) is not the command's output
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_flow_validate_accepts_a_valid_file(tmp_path, capsys, db):
    path = tmp_path / "greet.yaml"
    path.write_text(VALID)

    code, out, _ = cli(capsys, "flow", "validate", str(path))

    assert code == 0
    assert out == f"{path}: valid — Greet (1 steps)\n"


def test_flow_validate_names_the_path_and_line_of_each_problem(tmp_path, capsys, db):
    # given
    path = tmp_path / "broken.yaml"
    path.write_text(INVALID)

    # when
    code, out, err = cli(capsys, "flow", "validate", str(path))

    # then
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        f"{path}:5: steps[0].with.colour: unknown input; probe.write takes name, fail_times, "
        "fail, hold",
        f"{path}:6: steps[1].wait: 'soon' is not a duration such as 30s, 15m, 48h, 7d",
        f"soloops: error: {path} is not a valid flow (2 problems)",
    ]


def test_flow_validate_reports_a_yaml_syntax_error_with_line_and_column(tmp_path, capsys, db):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\ntrigger: [manual\nsteps: []\n")

    code, _, err = cli(capsys, "flow", "validate", str(path))

    assert code == 1
    assert err.startswith(f"{path}:3: (document): not valid YAML or JSON, column 6: expected")


def test_flow_validate_of_a_missing_file_is_one_error_line(tmp_path, db):
    with pytest.raises(SystemExit) as caught:
        main(["flow", "validate", str(tmp_path / "nope.yaml")])

    assert "cannot read" in str(caught.value.code)


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_flow_dry_run_prints_the_report_and_changes_nothing(
    tmp_path, capsys, transactional_db, run_tasks
):
    # given a saved flow (by key) and the same flow in a file, and a past event
    publish(VALID, key="greet")
    path = tmp_path / "greet.yaml"
    path.write_text(VALID)
    event = Event.objects.create(
        type="probe.ping",
        subject_type="probe.thing",
        subject_id="1",
        payload={"size": 50},
        actor_kind="system",
    )
    before = row_counts()

    # when
    by_key = cli(capsys, "flow", "dry-run", "greet", str(event.pk))
    by_file = cli(capsys, "flow", "dry-run", str(path), str(event.pk))

    # then
    assert row_counts() == before
    for code, out, _ in (by_key, by_file):
        assert code == 0
        report = json.loads(out)
        assert report["triggered"] is True
        assert [s["step"] for s in report["steps"]] == ["steps[0]", "steps[0].then[0]"]
        assert report["steps"][1]["input"] == {"name": "big 50"}
        assert report["steps"][1]["would"] == "write big 50"
    assert cli(capsys, "flow", "dry-run", "greet", "999999")[0] == 1


def test_runs_retry_skip_and_cancel_from_the_command_line(capsys, transactional_db, run_tasks):
    # given two runs in the failed inbox
    flow = publish(FAILING)
    retried, skipped, cancelled = start(flow), start(flow), start(flow)
    run_tasks()
    assert {reload(r).status for r in (retried, skipped, cancelled)} == {RunStatus.FAILED}

    # when the operator lists them, retries one, skips one and cancels the last
    listed = cli(capsys, "runs", "list", "--status", "failed")
    retry = cli(capsys, "runs", "retry", str(retried.pk))
    skip = cli(capsys, "runs", "skip", str(skipped.pk))
    cancel = cli(capsys, "runs", "cancel", str(cancelled.pk))
    run_tasks()

    # then
    assert listed[0] == 0
    assert len(listed[1].splitlines()) == 4  # a header and three runs
    assert (retry[0], retry[1]) == (0, f"run {retried.pk}: running\n")
    assert (skip[0], cancel[0]) == (0, 0)
    assert reload(retried).status == RunStatus.COMPLETED  # the flaky step works the 2nd time
    assert reload(skipped).status == RunStatus.COMPLETED
    assert reload(cancelled).status == RunStatus.CANCELLED

    def writes(run) -> list[str]:
        return list(Hit.objects.filter(event_id=run.pk).values_list("handler", flat=True))

    assert writes(retried) == ["write first", "write flaky", "write last"]
    assert writes(skipped) == ["write first", "write last"]
    assert writes(cancelled) == ["write first", "write undo-first"]

    # and acting on a run in the wrong state, or a missing one, is one error line
    code, _, err = cli(capsys, "runs", "retry", str(retried.pk))
    assert code == 1
    assert err == f"soloops: error: status: run {retried.pk} is completed; it cannot be retried\n"
    assert cli(capsys, "runs", "skip", "999999")[0] == 1


def test_flow_import_export_and_list(tmp_path, capsys, transactional_db):
    path = tmp_path / "greet.yaml"
    path.write_text(VALID)

    imported = cli(capsys, "flow", "import", str(path), "--key", "greet")
    exported = cli(capsys, "flow", "export", "greet")
    listed = cli(capsys, "flow", "list")

    assert imported == (0, "published greet version 1\n", "")
    assert exported == (0, VALID, "")
    assert listed[0] == 0
    assert "greet" in listed[1].splitlines()[1]


def test_flow_disable_and_enable_switch_a_flow(capsys, transactional_db, run_tasks):
    # given a flow listening to probe.ping
    publish(VALID, key="greet")

    # when the owner switches it off and an event comes
    off = cli(capsys, "flow", "disable", "greet")
    emit("probe.ping", size=50)
    run_tasks()

    # then it is off in the list and started nothing
    assert off == (0, "greet: off\n", "")
    assert cli(capsys, "flow", "list")[1].splitlines()[1].split()[:2] == ["greet", "no"]
    assert Hit.objects.count() == 0

    # when it is switched on again, the next event runs it
    on = cli(capsys, "flow", "enable", "greet")
    emit("probe.ping", size=50)
    run_tasks()
    assert on == (0, "greet: on\n", "")
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write big 50"]

    # and a flow that does not exist is one error line
    code, _, err = cli(capsys, "flow", "disable", "nope")
    assert (code, err) == (1, "soloops: error: no flow 'nope'\n")
