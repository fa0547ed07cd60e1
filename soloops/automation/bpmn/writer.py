"""A flow document → BPMN 2.0 XML with a diagram (BPMN DI), the inverse of ``reader``:
reading what this writes gives the same document back.

Names on the diagram (``Done``, ``retry``, ...) are in the current language; the reader
never reads them. Element ids: a step with an ``id`` keeps it; any other step is ``Step_``
and its path (``Step_1_then_0``), which ``element_ids`` gives the console to highlight a
run's steps.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from lxml import etree

from . import layout
from .drawing import StepWriter, step_element_id
from .xml import BPMN, BPMNDI, DC, DI, NSMAP, SOLOOPS, q, value_to_text

BRANCH_OF = {"if": "then", "wait_for": "on_timeout", "approve": "on_reject"}


@dataclass
class _Node:
    id: str
    tag: str
    shape: str
    box: layout.Box
    attrs: dict = field(default_factory=dict)


def element_ids(document: dict) -> dict[str, str]:
    """Each step's key (``1/then/0``) → the id of its element in the exported diagram."""
    found: dict[str, str] = {}

    def walk(steps: list, prefix: tuple) -> None:
        for i, step in enumerate(steps):
            key = "/".join(str(p) for p in (*prefix, i))
            found[key] = step_element_id(step, key)
            for branch in ("then", "else", "on_timeout", "on_reject"):
                walk(step.get(branch) or [], (*prefix, i, branch))

    walk(document.get("steps") or [], ())
    return found


def write(document: dict) -> str:
    """The BPMN XML for ``document`` (a valid flow document)."""
    return _Writer(document).write()


class _Writer(StepWriter):
    def __init__(self, document: dict):
        self.document = document
        self.root = etree.Element(
            q(BPMN, "definitions"),
            nsmap=NSMAP,
            id="Definitions_1",
            targetNamespace="https://soloops.dev/flows",
            exporter="SoloOps",
            exporterVersion="1",
        )
        self.messages: dict[str, str] = {}
        self.process = etree.SubElement(
            self.root, q(BPMN, "process"), id="Process_1", isExecutable="true"
        )
        self.nodes: list[_Node] = []
        self.boxes: dict[str, layout.Box] = {}
        self.flows: list[tuple[str, str, str]] = []
        self.elements: dict[str, etree._Element] = {}

    # --- elements ---------------------------------------------------------------------------

    def node(self, id_: str, tag: str, shape: str, box: layout.Box, **attrs) -> etree._Element:
        element = etree.SubElement(self.process, q(BPMN, tag), id=id_)
        for name, value in attrs.items():
            if value not in (None, ""):
                key = q(SOLOOPS, name[8:]) if name.startswith("soloops_") else name
                element.set(key, str(value))
        self.nodes.append(_Node(id_, tag, shape, box))
        self.boxes[id_] = box
        self.elements[id_] = element
        return element

    def connect(self, source: tuple, target: str) -> None:
        source_id, condition, is_default = source
        flow_id = f"Flow_{len(self.flows) + 1}"
        flow = etree.SubElement(
            self.process, q(BPMN, "sequenceFlow"), id=flow_id, sourceRef=source_id, targetRef=target
        )
        if condition:
            expression = etree.SubElement(flow, q(BPMN, "conditionExpression"))
            expression.set(q(NSMAP["xsi"], "type"), "bpmn:tFormalExpression")
            expression.text = condition
        if is_default:
            self.elements[source_id].set("default", flow_id)
        self.flows.append((flow_id, source_id, target))

    def message(self, element, event: str) -> str:
        if event not in self.messages:
            self.messages[event] = f"Message_{len(self.messages) + 1}"
            message = etree.Element(q(BPMN, "message"), id=self.messages[event], name=event)
            self.root.insert(len(self.messages) - 1, message)
        return self.messages[event]

    def extension(self, element, name: str, values: dict) -> None:
        if not values:
            return
        ext = etree.SubElement(element, q(BPMN, "extensionElements"))
        element.insert(0, ext)
        for key, value in values.items():
            text, is_json = value_to_text(value)
            item = etree.SubElement(ext, q(SOLOOPS, name), name=str(key))
            if is_json:
                item.set("type", "json")
            item.text = text

    def event_definition(self, element, kind: str, **children) -> etree._Element:
        definition = etree.SubElement(element, q(BPMN, f"{kind}EventDefinition"))
        for tag, text in children.items():
            child = etree.SubElement(definition, q(BPMN, tag))
            child.set(q(NSMAP["xsi"], "type"), "bpmn:tFormalExpression")
            child.text = text
        return definition

    def boundary(self, task: str, suffix: str, index: int, kind: str, **attrs) -> etree._Element:
        box = layout.on_bottom(self.boxes[task], index)
        element = self.node(
            f"{task}_{suffix}", "boundaryEvent", "event", box, attachedToRef=task, **attrs
        )
        if suffix != "timeout":
            element.set("cancelActivity", "true")
        return element

    # --- the process ------------------------------------------------------------------------

    def write(self) -> str:
        document = self.document
        self.process.set("name", document["name"])
        if document.get("description"):
            doc = etree.SubElement(self.process, q(BPMN, "documentation"))
            doc.text = document["description"]
        start = self.start(document)
        end_source, col, _bottom = self.sequence(document["steps"], (), 1, 0, (start, None, False))
        end = self.node("End", "endEvent", "event", layout.box("event", col, 0), name=_("Done"))
        self.connect(end_source, end.get("id"))
        self.diagram()
        return etree.tostring(
            self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True
        ).decode()

    def start(self, document: dict) -> str:
        trigger = document["trigger"]
        element = self.node(
            "Start", "startEvent", "event", layout.box("event", 0, 0), soloops_if=document.get("if")
        )
        if "event" in trigger:
            element.set("name", trigger["event"])
            self.extension(element, "where", trigger.get("where") or {})
            definition = self.event_definition(element, "message")
            definition.set("messageRef", self.message(element, trigger["event"]))
        elif "schedule" in trigger:
            element.set("name", trigger["schedule"])
            if trigger.get("timezone"):
                element.set(q(SOLOOPS, "timezone"), trigger["timezone"])
            self.event_definition(element, "timer", timeCycle=trigger["schedule"])
        elif trigger.get("webhook"):
            element.set("name", _("webhook call"))
            element.set(q(SOLOOPS, "webhook"), "true")
        else:
            element.set("name", _("started by hand"))
        return "Start"

    def sequence(self, steps: list, prefix: tuple, col: int, row: int, source: tuple):
        """Lay out ``steps`` from cell (col, row) on, linked from ``source``; return the source
        to link what follows from, the next free column and the lowest row used."""
        bottom = row
        for i, step in enumerate(steps):
            key = "/".join(str(p) for p in (*prefix, i))
            source, col, low = self.step(step, (*prefix, i), key, col, row, source)
            bottom = max(bottom, low)
        return source, col, bottom

    # --- the diagram ------------------------------------------------------------------------

    def diagram(self) -> None:
        diagram = etree.SubElement(self.root, q(BPMNDI, "BPMNDiagram"), id="Diagram_1")
        plane = etree.SubElement(
            diagram, q(BPMNDI, "BPMNPlane"), id="Plane_1", bpmnElement="Process_1"
        )
        for node in self.nodes:
            shape = etree.SubElement(
                plane, q(BPMNDI, "BPMNShape"), id=f"{node.id}_di", bpmnElement=node.id
            )
            if node.tag == "exclusiveGateway":
                shape.set("isMarkerVisible", "true")
            b = node.box
            etree.SubElement(
                shape,
                q(DC, "Bounds"),
                x=str(b.x),
                y=str(b.y),
                width=str(b.width),
                height=str(b.height),
            )
        for link in self.process.iterchildren(q(BPMN, "association")):
            self.edge(plane, link.get("id"), link.get("sourceRef"), link.get("targetRef"))
        for flow_id, source, target in self.flows:
            self.edge(plane, flow_id, source, target)

    def edge(self, plane, id_: str, source: str, target: str) -> None:
        edge = etree.SubElement(plane, q(BPMNDI, "BPMNEdge"), id=f"{id_}_di", bpmnElement=id_)
        for x, y in layout.waypoints(self.boxes[source], self.boxes[target]):
            etree.SubElement(edge, q(DI, "waypoint"), x=str(x), y=str(y))
