"""BPMN out: every default flow, every step kind and any document round-trip through the
writer and the reader; the diagram's layout (a shape per element, no overlaps) and a run's
marks."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from soloops.automation import bpmn
from soloops.automation.bpmn.xml import BPMN, BPMNDI, DC
from soloops.automation.services.flows import DEFAULT_FLOWS_DIR, flow_validate
from tests.automation.test_bpmn import EVERYTHING

DEFAULTS = sorted(DEFAULT_FLOWS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", DEFAULTS, ids=lambda p: p.stem)
def test_every_default_flow_round_trips_through_bpmn(path):
    # given a shipped flow
    document = yaml.safe_load(path.read_text())

    # when it is exported as BPMN and read back, twice
    exported = bpmn.write(document)
    read, _ = bpmn.read(exported)

    # then the document is the same, and so is the XML the second time
    assert read == document
    assert bpmn.write(read) == exported


def test_every_step_kind_and_branch_round_trips_through_bpmn():
    exported = bpmn.write(EVERYTHING)

    assert bpmn.read(exported)[0] == EVERYTHING
    assert flow_validate(source=exported) == EVERYTHING


def test_the_exported_diagram_has_a_shape_for_every_element_and_no_overlaps():
    # given the BPMN of a flow with every kind of step
    root = etree.fromstring(bpmn.write(EVERYTHING).encode())
    process = root.find(f"{{{BPMN}}}process")
    plane = root.find(f".//{{{BPMNDI}}}BPMNPlane")
    shapes = {
        s.get("bpmnElement"): s.find(f"{{{DC}}}Bounds")
        for s in plane.iter(f"{{{BPMNDI}}}BPMNShape")
    }
    edges = {e.get("bpmnElement"): len(e) for e in plane.iter(f"{{{BPMNDI}}}BPMNEdge")}

    # then every node has a shape, every flow an edge of at least two points
    nodes = [
        e.get("id")
        for e in process
        if etree.QName(e).localname not in ("sequenceFlow", "association", "documentation")
    ]
    flows = [e.get("id") for e in process if etree.QName(e).localname == "sequenceFlow"]
    assert set(shapes) == set(nodes)
    assert set(edges) == set(flows) | {e.get("id") for e in process.iter(f"{{{BPMN}}}association")}
    assert min(edges.values()) >= 2

    # and no two shapes overlap, but for boundary events sitting on their task's edge
    attached = {
        e.get("id"): e.get("attachedToRef") for e in process.iter(f"{{{BPMN}}}boundaryEvent")
    }
    boxes = {
        k: tuple(int(b.get(a)) for a in ("x", "y", "width", "height")) for k, b in shapes.items()
    }
    for a, (ax, ay, aw, ah) in boxes.items():
        for b, (bx, by, bw, bh) in boxes.items():
            if a < b and attached.get(a) != b and attached.get(b) != a:
                overlap = ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah
                assert not overlap, (a, b)


def test_element_ids_name_each_steps_element_in_the_export():
    ids = bpmn.element_ids(EVERYTHING)
    exported = etree.fromstring(bpmn.write(EVERYTHING).encode())

    assert ids["0"] == "hold"
    assert ids["6/then/0"] == "Step_6_then_0"
    assert all(exported.find(f".//*[@id='{element}']") is not None for element in ids.values())


# --- any document ---------------------------------------------------------------------------

_text = st.text(alphabet="abc {}.<>&'\"\n", min_size=1, max_size=12)
_duration = st.builds(lambda n, u: f"{n}{u}", st.integers(1, 99), st.sampled_from("smhdw"))
_inputs = st.dictionaries(st.sampled_from(["a", "b", "c"]), _text | st.integers() | st.booleans())


def _call(action):
    return st.builds(lambda inputs: {"do": action, **({"with": inputs} if inputs else {})}, _inputs)


def _steps(children):
    do = st.builds(
        lambda call, retry, undo: {**call, **retry, **undo},
        _call("log"),
        st.just({})
        | st.builds(
            lambda n, b: {"retry": {"attempts": n, "backoff": b}}, st.integers(1, 20), _duration
        ),
        st.just({}) | st.builds(lambda c: {"compensate": c}, _call("notify.owner")),
    )
    wait = st.builds(lambda d: {"wait": d}, _duration)
    branch = children
    when = st.builds(
        lambda c, then, other: {"if": c, "then": then, **({"else": other} if other else {})},
        _text.map(str.strip).filter(bool),  # a condition's surrounding blanks are not kept
        branch,
        branch,
    )
    wait_for = st.builds(
        lambda e, d, late: {
            "wait_for": {"event": e, "timeout": d},
            **({"on_timeout": late} if late else {}),
        },
        st.sampled_from(["order.placed", "order.paid"]),
        _duration,
        branch,
    )
    approve = st.builds(
        lambda m, d, no: {
            "approve": {"message": m, **({"timeout": d} if d else {})},
            **({"on_reject": no} if no else {}),
        },
        _text,
        st.none() | _duration,
        branch,
    )
    return st.lists(st.one_of(do, wait, when, wait_for, approve), min_size=1, max_size=4)


_documents = st.builds(
    lambda steps, trigger: {"name": "Any", "trigger": trigger, "steps": steps},
    st.recursive(st.just([]), _steps, max_leaves=12).filter(bool),
    st.sampled_from(
        [{"manual": True}, {"webhook": True}, {"event": "order.placed"}, {"schedule": "0 8 * * *"}]
    ),
)


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_any_document_round_trips_through_bpmn(document):
    assert bpmn.read(bpmn.write(document))[0] == document


def test_a_runs_diagram_marks_its_steps_done_current_and_failed():
    document = yaml.safe_load((DEFAULT_FLOWS_DIR / "review-held-orders.yaml").read_text())

    waiting = bpmn.diagram(document, steps=[("0", "done"), ("1", "done"), ("1/then/0", "waiting")])
    at_cursor = bpmn.diagram(document, steps=[], cursor="0")
    failed = bpmn.diagram(
        document, steps=[("0", "done"), ("1/else/0", "failed")], cursor="1/else/0"
    )

    assert waiting["marks"] == {"decision": "done", "Step_1": "done", "Step_1_then_0": "current"}
    assert at_cursor["marks"] == {"decision": "current"}
    assert failed["marks"] == {"decision": "done", "Step_1_else_0": "failed"}
