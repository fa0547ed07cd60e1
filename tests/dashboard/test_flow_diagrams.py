"""The flow and run pages' diagrams (the BPMN the viewer draws, a run's steps marked), the
BPMN download, and BPMN pasted in the editor: its problems shown at their XML line."""

import json
import re

from django.urls import reverse

from soloops.automation import bpmn
from soloops.automation.models import FlowVersion
from tests.automation.conftest import publish
from tests.automation.test_bpmn import SAMPLE
from tests.dashboard.test_flows import LOG_FLOW, failed_run, page, probe_dir, row_counts, settle

__all__ = ["failed_run", "probe_dir", "settle"]  # fixtures shared with the flows pages tests


def diagram_data(html: str) -> dict:
    found = re.search(
        r'<script id="bpmn-diagram-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, html
    return json.loads(found.group(1))


def test_the_flow_page_carries_its_versions_diagram_unmarked(viewer_client, db):
    flow = publish(LOG_FLOW)

    html = page(viewer_client.get(reverse("dashboard:flow", args=[flow.key])))

    data = diagram_data(html)
    assert bpmn.read(data["xml"])[0] == flow.published_version.document
    assert data["marks"] == {}
    assert "vendor/bpmn-js/bpmn-viewer.production.min.js" in html
    assert reverse("dashboard:flow_export_bpmn", args=[flow.key]) in html


def test_a_run_page_marks_finished_and_failed_steps(viewer_client, failed_run):
    # given a run whose first step finished and whose second failed
    url = reverse("dashboard:run", args=[failed_run.pk])

    # when a viewer opens it
    data = diagram_data(page(viewer_client.get(url)))

    # then the diagram marks the first step's element done and the second's failed
    assert data["marks"] == {"Step_0": "done", "Step_1": "failed"}
    assert 'id="Step_1"' in data["xml"]


def test_a_version_downloads_as_bpmn(viewer_client, db):
    flow = publish(LOG_FLOW)

    response = viewer_client.get(
        reverse("dashboard:flow_export_bpmn", args=[flow.key]), {"version": 1}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{flow.key}-v1.bpmn"'
    assert bpmn.read(response.content.decode())[0] == flow.published_version.document
    assert (
        viewer_client.get(reverse("dashboard:flow_export_bpmn", args=["nope"])).status_code == 404
    )


def test_bpmn_pasted_in_the_editor_shows_each_problem_at_its_xml_line(owner_client, db):
    # given a published flow, and the sample process with a script task instead of a service one
    flow = publish(LOG_FLOW)
    script = SAMPLE.read_text().replace("bpmn:serviceTask", "bpmn:scriptTask")
    before = row_counts()

    # when the owner saves that in the editor
    response = owner_client.post(
        reverse("dashboard:flow_edit", args=[flow.key]), {"source": script, "intent": "save"}
    )

    # then the refusal is shown beside the task's line, naming it; nothing was saved
    html = page(response)
    assert response.status_code == 400
    line = re.search(r'<li id="eL41" class="has-problem">(.*?)</li>', html, re.S)
    assert line, html
    assert "Activity_accept" in line.group(1) and "script tasks are refused" in line.group(1)
    assert row_counts() == before


def test_bpmn_saved_in_the_editor_becomes_the_yaml_it_stands_for(owner_client, db):
    flow = publish(LOG_FLOW)

    response = owner_client.post(
        reverse("dashboard:flow_edit", args=[flow.key]),
        {"source": SAMPLE.read_text(), "intent": "save"},
    )

    assert response.status_code == 302
    version = FlowVersion.objects.get(flow=flow, number=2)
    assert version.source.startswith("name: Ask the owner about held orders\n")
    assert version.document == bpmn.read(SAMPLE.read_text())[0]


def test_a_new_flow_may_be_a_bpmn_process(owner_client, db):
    response = owner_client.post(
        reverse("dashboard:flow_new"),
        {"source": SAMPLE.read_text(), "key": "held-review", "intent": "save"},
    )

    assert response.status_code == 302, page(response)
    version = FlowVersion.objects.get(flow__key="held-review")
    assert (version.number, version.document) == (1, bpmn.read(SAMPLE.read_text())[0])
