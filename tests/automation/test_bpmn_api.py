"""BPMN through the API and the command line, and the shipped sample running the shop: a held
order is reviewed by the process drawn in BPMN, on the same engine as any flow."""

import json

import yaml
from django.core.cache import cache

from soloops.automation import bpmn
from soloops.automation.models import Flow, FlowRun, FlowVersion, RunStatus
from soloops.automation.services.flows import DEFAULT_FLOWS_DIR
from soloops.cli import main
from soloops.inventory.models import Location
from soloops.orders.models import Order, ReviewPolicy
from tests.automation.test_bpmn import SAMPLE
from tests.factories import ADDRESS, make_variant

BROKEN = SAMPLE.read_text().replace('soloops:action="order.accept"', 'soloops:action="order.ok"')


def test_validate_accepts_bpmn_and_places_problems_at_the_elements_line(api_as):
    owner = api_as("owner")

    valid = owner.post("/api/flows/validate", {"source": SAMPLE.read_text()})
    invalid = owner.post("/api/flows/validate", {"source": BROKEN, "format": "bpmn"})

    assert valid.json() == {"valid": True, "problems": []}
    assert invalid.json() == {
        "valid": False,
        "problems": [
            {
                "path": "steps[1].then[0].do",
                "message": "unknown action 'order.ok' — serviceTask Activity_accept "
                "“Accept the order”",
                "line": 41,
            }
        ],
    }
    assert not Flow.objects.exists()


def test_yaml_format_reads_the_source_as_yaml_even_if_it_is_xml(api_as):
    response = api_as("owner").post(
        "/api/flows/validate", {"source": SAMPLE.read_text(), "format": "yaml"}
    )

    assert response.json()["valid"] is False


def test_import_saves_the_process_as_its_flow_document_and_export_gives_bpmn_back(api_as):
    owner = api_as("owner")

    # when the owner imports the sample process
    imported = owner.post("/api/flows/import", {"source": SAMPLE.read_text(), "key": "review"})

    # then the version is the YAML document it stands for, published
    assert imported.status_code == 201, imported.content
    version = FlowVersion.objects.get(flow__key="review")
    default = yaml.safe_load((DEFAULT_FLOWS_DIR / "review-held-orders.yaml").read_text())
    assert version.document == default
    assert yaml.safe_load(version.source) == default
    assert imported.json()["trigger_event"] == "order.on_hold"

    # when it is exported as BPMN and that is imported again
    exported = owner.get("/api/flows/review/export", format="bpmn")
    assert exported["Content-Type"] == "application/xml; charset=utf-8"
    assert 'filename="review.bpmn"' in exported["Content-Disposition"]
    again = owner.post("/api/flows/import", {"source": exported.content.decode(), "key": "review"})

    # then the second version's document is the same as the first
    assert again.status_code == 201, again.content
    assert [v.document for v in FlowVersion.objects.filter(flow__key="review")] == [default] * 2


def test_an_unknown_export_format_is_a_422_naming_it(api_as):
    owner = api_as("owner")
    owner.post("/api/flows/import", {"source": SAMPLE.read_text(), "key": "review"})

    response = owner.get("/api/flows/review/export", format="png")

    assert response.status_code == 422
    assert "format" in json.dumps(response.json())


def test_importing_refused_bpmn_is_a_422_and_saves_nothing(api_as):
    script = SAMPLE.read_text().replace("bpmn:serviceTask", "bpmn:scriptTask")

    response = api_as("owner").post("/api/flows/import", {"source": script, "key": "review"})

    assert response.status_code == 422
    problems = response.json()["extra"]["problems"]
    assert [(p["path"], p["line"]) for p in problems] == [
        ("Activity_accept", 41),
        ("Activity_reject", 48),
    ]
    assert not FlowVersion.objects.exists()


def test_the_command_line_validates_imports_and_exports_bpmn(tmp_path, capsys, db):
    broken = tmp_path / "broken.bpmn"
    broken.write_text(BROKEN)

    assert main(["flow", "validate", str(SAMPLE)]) == 0
    assert main(["flow", "validate", str(broken)]) == 1
    assert f"{broken}:41: steps[1].then[0].do: unknown action 'order.ok'" in capsys.readouterr().err

    assert main(["flow", "import", str(SAMPLE), "--key", "review"]) == 0
    capsys.readouterr()
    assert main(["flow", "export", "review", "--format", "bpmn"]) == 0
    exported = capsys.readouterr().out
    assert bpmn.read(exported)[0] == FlowVersion.objects.get().document


def test_the_sample_process_reviews_a_held_order_on_the_engine(
    transactional_db, run_tasks, default_flows, api_as
):
    # given the default flows, with the held-order review replaced by the sample BPMN process
    owner = api_as("owner")
    replaced = owner.post(
        "/api/flows/import", {"source": SAMPLE.read_text(), "key": "review-held-orders"}
    )
    assert replaced.status_code == 201, replaced.content
    Location.objects.get_or_create(is_default=True, defaults={"code": "main", "name": "Main"})
    ReviewPolicy.objects.update_or_create(pk=1, defaults={"hold_at_score": 1000})
    cache.clear()
    make_variant("MUG-1", price="12.50", stock=10)

    # when an order comes in, and the owner holds it
    number = owner.post(
        "/api/orders",
        {
            "email": "ada@example.com",
            "name": "Ada",
            "lines": [{"sku": "MUG-1", "quantity": 1}],
            "shipping_address": ADDRESS,
        },
    ).json()["number"]
    run_tasks()
    held = owner.post(f"/api/orders/{number}/hold", {"reason": "The address looks odd"})
    assert held.status_code == 200, held.content
    run_tasks()

    # then the process's run waits for the owner's decision on version 2 (the BPMN one)
    run = FlowRun.objects.get(flow__key="review-held-orders")
    assert (run.status, run.version.number, run.error) == (RunStatus.AWAITING_APPROVAL, 2, "")

    # when the owner approves
    assert owner.post(f"/api/runs/{run.pk}/approve", {"note": "fine"}).status_code == 200
    run_tasks()

    # then the order is accepted again, as the default flow would have done
    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert Order.objects.get(number=number).status == "accepted"
