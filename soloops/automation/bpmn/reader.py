"""BPMN 2.0 XML → a flow document.

The process must be structured the way a flow document is: a path of steps from one start
event, where every split (an exclusive gateway, or a task's boundary event) has its paths meet
again at one merging exclusive gateway, or all end. What maps to what:

- start event: none → ``manual`` (``soloops:webhook="true"`` → ``webhook``), message →
  ``event`` (the message's name), timer → ``schedule`` (its ``timeCycle`` is a cron
  expression; ``soloops:timezone``); ``soloops:if`` is the flow's condition
- service or send task → ``do`` (``soloops:action``, else the task's name); an error boundary
  event sets ``retry`` (``soloops:attempts``, ``soloops:backoff``, ``soloops:max_backoff``),
  a compensation boundary event associated with a compensation task sets ``compensate``
- exclusive gateway with a condition on one outgoing flow → ``if`` (the other flow is ``else``)
- user task → ``approve`` (``soloops:message``, else its name); a timer boundary event is the
  timeout, and the path from it (or from an error boundary event) is ``on_reject``
- timer catch event → ``wait``; message catch event → ``wait_for`` (``soloops:timeout``);
  receive task with a timer boundary event → ``wait_for`` with ``on_timeout``
- end event: the path ends.
"""

from .steps import SPLIT, StepReader
from .xml import (
    BPMN,
    BpmnProblem,
    InvalidBpmn,
    Origin,
    attr,
    extension,
    local,
    parse_xml,
    q,
)

IGNORED = {
    "sequenceFlow",
    "boundaryEvent",
    "association",
    "textAnnotation",
    "laneSet",
    "dataObject",
    "dataObjectReference",
    "dataStoreReference",
    "documentation",
    "extensionElements",
    "group",
    "endEvent",
    "startEvent",
}
STEPS = {"serviceTask", "sendTask", "userTask", "receiveTask", "intermediateCatchEvent"}
REFUSED = {
    "scriptTask": "script tasks are refused: a flow never runs arbitrary scripts",
    "parallelGateway": "parallel gateways are not supported: a flow runs one path at a time",
    "inclusiveGateway": "inclusive gateways are not supported: a flow runs one path at a time",
    "eventBasedGateway": "event-based gateways are not supported: draw a receive task with a "
    "timer boundary event",
    "task": "a task without a type does nothing: make it a service task (soloops:action)",
}


def read(source: str) -> tuple[dict, dict[tuple, Origin]]:
    """The flow document for the BPMN process in ``source``, and where each of its steps came
    from (by step path, e.g. ``("steps", 1, "then", 0)``). Raises InvalidBpmn listing every
    problem with the element's id, name and line."""
    root = parse_xml(source)
    if root.tag != q(BPMN, "definitions"):
        raise InvalidBpmn([BpmnProblem("(document)", "", root.sourceline, "not BPMN 2.0")])
    processes = [p for p in root.iterchildren(q(BPMN, "process")) if len(p)]
    if len(processes) != 1:
        message = f"expected one process with elements, found {len(processes)}"
        raise InvalidBpmn([BpmnProblem("(document)", "", root.sourceline, message)])
    return _Process(root, processes[0]).translate()


class _Process(StepReader):
    def __init__(self, root, process):
        self.root, self.process = root, process
        self.problems: list[BpmnProblem] = []
        self.origins: dict[tuple, Origin] = {}
        self.nodes = {}
        self.outgoing: dict[str, list] = {}
        self.incoming: dict[str, int] = {}
        self.boundaries: dict[str, list] = {}
        self.arrived: dict[str, int] = {}
        self.seen: set[str] = set()
        self.by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
        for element in process:
            if not isinstance(element.tag, str):
                continue
            tag = local(element)
            if tag == "sequenceFlow":
                self.outgoing.setdefault(element.get("sourceRef"), []).append(element)
                target = element.get("targetRef")
                self.incoming[target] = self.incoming.get(target, 0) + 1
            elif tag == "boundaryEvent":
                self.boundaries.setdefault(element.get("attachedToRef"), []).append(element)
            elif tag in REFUSED:
                self.refuse(element, REFUSED[tag])
            elif tag in STEPS or tag in IGNORED or tag == "exclusiveGateway":
                pass
            else:
                self.refuse(element, f"{tag} is not supported by the flow engine")
            if element.get("id"):
                self.nodes[element.get("id")] = element

    # --- problems ---------------------------------------------------------------------------

    def refuse(self, element, message: str) -> None:
        self.problems.append(
            BpmnProblem(
                element.get("id", "?"), element.get("name", ""), element.sourceline, message
            )
        )

    def origin(self, element) -> Origin:
        return Origin(
            element.get("id", "?"), element.get("name", ""), element.sourceline, local(element)
        )

    # --- the whole process ------------------------------------------------------------------

    def translate(self) -> tuple[dict, dict[tuple, Origin]]:
        starts = [e for e in self.process.iterchildren(q(BPMN, "startEvent"))]
        document: dict = {"name": (self.process.get("name") or self.root.get("name") or "").strip()}
        if not document["name"]:
            self.refuse(self.process, "the process needs a name (the flow's name)")
        documentation = self.process.find(q(BPMN, "documentation"))
        if documentation is not None and (documentation.text or "").strip():
            document["description"] = documentation.text
        if len(starts) != 1:
            self.refuse(self.process, f"needs exactly one start event, found {len(starts)}")
            raise InvalidBpmn(self.problems)
        document["trigger"] = self.trigger(starts[0])
        if attr(starts[0], "if"):
            document["if"] = attr(starts[0], "if")
        steps: list = []
        if self.problems:  # refused elements: say so before anything else
            raise InvalidBpmn(self.problems)
        first = self.next(starts[0])
        if first is not None:
            self.walk(first, ("steps",), steps)
        for element in self.process:
            if (
                isinstance(element.tag, str)
                and element.get("id") not in self.seen
                and (local(element) in STEPS or local(element) == "exclusiveGateway")
            ):
                self.refuse(element, "is not on the path from the start event")
        if not steps and not self.problems:
            self.refuse(starts[0], "the process has no steps between its start and end")
        if self.problems:
            raise InvalidBpmn(self.problems)
        document["steps"] = steps
        return document, self.origins

    def trigger(self, start) -> dict:
        self.origins[("trigger",)] = self.origin(start)
        message = start.find(q(BPMN, "messageEventDefinition"))
        timer = start.find(q(BPMN, "timerEventDefinition"))
        if message is not None:
            trigger = {"event": self.message_name(start, message)}
            where = extension(start, "where")
            if where:
                trigger["where"] = where
            return trigger
        if timer is not None:
            cycle = timer.find(q(BPMN, "timeCycle"))
            cron = (cycle.text or "").strip() if cycle is not None else ""
            if not cron:
                self.refuse(start, "a timer start event needs a timeCycle: a cron expression")
            trigger = {"schedule": cron}
            if attr(start, "timezone"):
                trigger["timezone"] = attr(start, "timezone")
            return trigger
        if len([d for d in start if local(d).endswith("EventDefinition")]):
            self.refuse(start, "a start event is none (manual), message (event) or timer")
        if attr(start, "webhook") == "true":
            return {"webhook": True}
        return {"manual": True}

    def message_name(self, element, definition) -> str:
        message = self.by_id.get(definition.get("messageRef", ""))
        name = (message.get("name", "") if message is not None else "") or attr(element, "event")
        if not name:
            self.refuse(element, "name its message: the event type, e.g. order.placed")
        return name.strip()

    # --- paths ------------------------------------------------------------------------------

    def next(self, element):
        """The element the single outgoing flow of ``element`` leads to."""
        flows = self.outgoing.get(element.get("id"), [])
        if len(flows) != 1:
            self.refuse(
                element,
                "needs one outgoing sequence flow (end the path with an "
                f"end event; split it with an exclusive gateway), found {len(flows)}",
            )
            return None
        return self.target(flows[0])

    def target(self, flow):
        target = self.nodes.get(flow.get("targetRef", ""))
        if target is None:
            self.refuse(flow, "leads to no element of the process")
        return target

    def is_join(self, element) -> bool:
        return local(element) == "exclusiveGateway" and self.incoming.get(element.get("id"), 0) > 1

    def walk(self, element, base: tuple, steps: list):
        """Append the steps from ``element`` on to ``steps``; return the merging gateway the
        path reached (None: it ended)."""
        while element is not None and not self.problems:
            if local(element) == "endEvent":
                return None
            if self.is_join(element):
                self.seen.add(element.get("id"))
                self.arrived[element.get("id")] = self.arrived.get(element.get("id"), 0) + 1
                return element
            if element.get("id") in self.seen:
                self.refuse(element, "is reached twice: a flow has no loops")
                return None
            self.seen.add(element.get("id"))
            here = (*base, len(steps))
            self.origins[here] = self.origin(element)
            step, branches = self.step(element)
            if step is None:
                return None
            steps.append(step)
            element, handed_back = self.branch_out(element, step, here, branches)
            if handed_back is not None:
                return handed_back
        return None

    def branch_out(self, element, step: dict, here: tuple, branches):
        """Walk the branches of the step just read; return the element to go on with, or the
        merging gateway to hand back to the caller (its other paths have not arrived yet)."""
        split, follow = branches
        joins = []
        for name, first in split:
            sub: list = []
            joins.append(self.walk(first, (*here, name), sub) if first is not None else None)
            if sub or name == "then":
                step[name] = sub
        if follow is not SPLIT:
            if not split or follow is None:
                return follow, None
            if local(follow) == "endEvent":
                joins.append(None)
            elif self.is_join(follow):
                self.arrived[follow.get("id")] = self.arrived.get(follow.get("id"), 0) + 1
                joins.append(follow)
            else:
                self.refuse(
                    element,
                    "its own path must go straight to the gateway where its "
                    "boundary event's path joins it (or both end)",
                )
                return None, None
        if self.problems:
            return None, None
        if len({j.get("id") if j is not None else None for j in joins}) != 1:
            self.refuse(
                element, "its paths must meet again at one merging exclusive gateway, or all end"
            )
            return None, None
        join = joins[0]
        if join is None:
            return None, None
        if self.arrived[join.get("id")] < self.incoming[join.get("id")]:
            return None, join
        return self.next(join), None
