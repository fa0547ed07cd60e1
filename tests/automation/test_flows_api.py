"""The flows API as a caller uses it: author, validate, publish, switch, export/import, runs
with their steps, the actions catalogue; who may do what; and query counts that do not grow
with rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soloops.automation.models import Flow, FlowVersion, RunStatus
from tests.automation.conftest import publish, start

SOURCE = """\
name: Thank new customers
trigger: {manual: true}
steps:
  - do: log
    with: {message: "thanks {{ trigger.manual.who }}"}
  - wait: 1h
"""


def test_actions_lists_what_steps_can_do_with_their_input_schemas(api_as):
    response = api_as("viewer").get("/api/actions")

    assert response.status_code == 200
    actions = {a["name"]: a for a in response.json()}
    assert {"log", "http.request", "order.hold", "order.accept", "probe.effect"} <= set(actions)
    assert actions["http.request"]["outside"] is True
    assert actions["order.hold"]["outside"] is False
    assert set(actions["order.hold"]["input_schema"]["properties"]) == {"order", "reason"}


def test_validate_reports_problems_with_path_and_line_and_saves_nothing(api_as):
    owner = api_as("owner")

    valid = owner.post("/api/flows/validate", {"source": SOURCE})
    invalid = owner.post("/api/flows/validate", {"source": SOURCE.replace("wait: 1h", "wait: 1y")})

    assert valid.json() == {"valid": True, "problems": []}
    assert invalid.status_code == 200
    assert invalid.json()["valid"] is False
    (problem,) = invalid.json()["problems"]
    assert (problem["path"], problem["line"]) == ("steps[1].wait", 6)
    assert not Flow.objects.exists()


def test_saving_an_invalid_flow_is_a_422_naming_the_field(api_as):
    response = api_as("owner").post("/api/flows", {"source": SOURCE.replace("do: log", "do: nop")})

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_flow"
    assert body["field"] == "steps[0].do"
    assert body["extra"]["problems"] == [
        {"path": "steps[0].do", "message": "unknown action 'nop'", "line": 4}
    ]
    assert not FlowVersion.objects.exists()


def test_the_owner_saves_publishes_switches_exports_and_imports_a_flow(api_as):
    owner = api_as("owner")

    # when the owner saves a flow
    saved = owner.post("/api/flows", {"source": SOURCE, "key": "thanks"})

    # then it has a first version, not yet published
    assert saved.status_code == 201, saved.content
    body = saved.json()
    assert (body["key"], body["published_version"], body["trigger_kind"]) == ("thanks", None, "")
    assert [v["number"] for v in body["versions"]] == [1]
    listed = owner.get("/api/flows").json()["items"]
    assert [(f["key"], f["published_version"]) for f in listed] == [("thanks", None)]

    # when it publishes it, saves a second version and publishes that
    published = owner.post("/api/flows/thanks/publish", {"version": 1})
    assert published.status_code == 200, published.content
    assert published.json()["published_version"] == 1
    assert published.json()["trigger_kind"] == "manual"
    second = SOURCE.replace("wait: 1h", "wait: 2h")
    assert owner.post("/api/flows", {"source": second, "key": "thanks"}).status_code == 201
    assert owner.get("/api/flows/thanks").json()["published_version"] == 1
    assert owner.post("/api/flows/thanks/publish", {"version": 2}).json()["published_version"] == 2
    assert owner.post("/api/flows/thanks/publish", {"version": 9}).status_code == 404

    # when it switches the flow off and on
    assert owner.post("/api/flows/thanks/disable").json()["enabled"] is False
    assert owner.post("/api/flows/thanks/runs", {"input": {}}).status_code == 409
    assert owner.post("/api/flows/thanks/enable").json()["enabled"] is True

    # when it exports the flow and imports it under another key
    exported = owner.get("/api/flows/thanks/export")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("application/yaml")
    assert exported.content.decode() == second
    imported = owner.post("/api/flows/import", {"source": exported.content.decode(), "key": "copy"})

    # then the copy is published at once, with the same document
    assert imported.status_code == 201, imported.content
    assert imported.json()["published_version"] == 1
    assert (
        imported.json()["versions"][0]["document"]
        == owner.get("/api/flows/thanks").json()["versions"][0]["document"]
    )
    assert owner.get("/api/flows/nope").status_code == 404


def test_a_run_shows_each_step_with_state_attempts_input_output_error_and_times(api_as, settle):
    # given a run that did one step and waits on the second
    owner = api_as("owner")
    publish(SOURCE, key="thanks")
    started = owner.post("/api/flows/thanks/runs", {"input": {"who": "Ada"}})
    assert started.status_code == 201, started.content
    settle()

    # when
    response = owner.get(f"/api/runs/{started.json()['id']}")

    # then
    assert response.status_code == 200
    run = response.json()
    assert (run["flow"], run["version"], run["status"], run["cursor"]) == (
        "thanks",
        1,
        RunStatus.WAITING,
        "1",
    )
    assert run["trigger"]["manual"] == {"who": "Ada"}
    assert run["wake_at"] is not None
    logged, waiting = run["steps"]
    assert logged["key"] == "0"
    assert (logged["kind"], logged["action"], logged["status"], logged["attempts"]) == (
        "do",
        "log",
        "done",
        1,
    )
    assert logged["input"] == {"message": "thanks Ada"}
    assert logged["output"] == {"message": "thanks Ada"}
    assert logged["error"] == ""
    assert logged["started_at"] <= logged["finished_at"]
    assert (waiting["kind"], waiting["status"], waiting["finished_at"]) == ("wait", "waiting", None)
    assert "until" in waiting["output"]
    assert owner.get("/api/runs/999999").status_code == 404


def test_runs_are_listed_newest_first_and_filtered_by_flow_and_status(api_as, settle):
    owner = api_as("owner")
    a = publish(SOURCE, key="a")
    b = publish(SOURCE.replace("- wait: 1h\n", ""), key="b")
    a1, b1, a2 = start(a, who="x"), start(b, who="y"), start(a, who="z")
    settle()

    everything = owner.get("/api/runs").json()
    only_a = owner.get("/api/runs", flow="a").json()
    completed = owner.get("/api/runs", status="completed").json()
    paged = owner.get("/api/runs", page=2, page_size=2).json()

    assert [r["id"] for r in everything["items"]] == [a2.pk, b1.pk, a1.pk]
    assert [r["id"] for r in only_a["items"]] == [a2.pk, a1.pk]
    assert [r["id"] for r in completed["items"]] == [b1.pk]
    assert (paged["count"], paged["pages"], [r["id"] for r in paged["items"]]) == (3, 2, [a1.pk])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/flows", {"source": SOURCE}),
        ("post", "/api/flows/import", {"source": SOURCE}),
        ("post", "/api/flows/thanks/publish", {"version": 1}),
        ("post", "/api/flows/thanks/enable", None),
        ("post", "/api/flows/thanks/disable", None),
    ],
)
def test_only_the_owner_changes_flows(api_as, method, path, body):
    # given a flow
    publish(SOURCE, key="thanks")
    before = list(Flow.objects.values_list("key", "enabled", "published_version"))

    # when staff or a viewer try
    staff = getattr(api_as("staff"), method)(path, body)
    viewer = getattr(api_as("viewer"), method)(path, body)

    # then staff are told only the owner may, a viewer that they may only read
    assert staff.status_code == 403, staff.content
    assert staff.json()["code"] == "owner_only"
    assert viewer.status_code == 403
    assert viewer.json()["code"] == "read_only"
    assert list(Flow.objects.values_list("key", "enabled", "published_version")) == before


def test_a_viewer_reads_flows_and_runs_but_cannot_act_on_runs(api_as, settle):
    publish(SOURCE, key="thanks")
    viewer = api_as("viewer")
    run = start(Flow.objects.get())

    assert viewer.get("/api/flows").status_code == 200
    assert viewer.get("/api/flows/thanks").status_code == 200
    assert viewer.get(f"/api/runs/{run.pk}").status_code == 200
    for verb in ("retry", "skip", "cancel", "approve", "reject"):
        assert viewer.post(f"/api/runs/{run.pk}/{verb}").status_code == 403
    assert viewer.post("/api/flows/thanks/runs", {"input": {}}).status_code == 403


def queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["/api/flows", "/api/runs"])
def test_list_query_counts_do_not_grow_with_rows(api_as, path):
    # given three flows with a run each
    owner = api_as("owner")
    for i in range(3):
        start(publish(SOURCE, key=f"flow-{i}"))
    owner.get(path)  # the token's first use
    three = queries(owner, path)

    # when there are thirty
    for i in range(3, 30):
        start(publish(SOURCE, key=f"flow-{i}"))
    thirty = queries(owner, path)

    # then
    print(f"\n{path}: {three} queries for 3 rows, {thirty} for 30")
    assert thirty == three
