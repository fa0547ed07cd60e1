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

from .xml import (
    BPMN,
    STEP_ID,
    BpmnProblem,
    InvalidBpmn,
    Origin,
    attr,
    duration_from_bpmn,
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


class _Process:
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
        if follow is not _SPLIT:
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

    # --- steps ------------------------------------------------------------------------------

    def step(self, element):
        """The step ``element`` stands for, and its (branches, the element after it)."""
        tag = local(element)
        step = {"id": element.get("id")} if STEP_ID.match(element.get("id", "")) else {}
        if tag in ("serviceTask", "sendTask"):
            self.do(element, step)
            return step, ([], self.next(element))
        if tag == "userTask":
            return step, self.approve(element, step)
        if tag == "receiveTask":
            return step, self.receive(element, step)
        if tag == "intermediateCatchEvent":
            self.catch(element, step)
            return step, ([], self.next(element))
        if tag == "exclusiveGateway":
            return step, self.gateway(element, step)
        self.refuse(element, f"{tag} cannot be a step of a flow")
        return None, ([], None)

    def action(self, element) -> dict:
        name = attr(element, "action") or (element.get("name") or "").strip()
        if not name:
            self.refuse(element, "name its action: soloops:action, or the task's name")
        call = {"do": name}
        inputs = extension(element, "input")
        if inputs:
            call["with"] = inputs
        return call

    def do(self, element, step: dict) -> None:
        step.update(self.action(element))
        for boundary in self.boundaries.get(element.get("id"), []):
            kind = self.definition(boundary)
            if kind == "errorEventDefinition" and not self.outgoing.get(boundary.get("id")):
                step["retry"] = self.retry(boundary)
            elif kind == "compensateEventDefinition":
                task = self.compensation_task(boundary)
                if task is not None:
                    step["compensate"] = self.action(task)
            else:
                self.refuse(
                    boundary,
                    "on a service task, only an error boundary event without "
                    "a path (retries) or a compensation one (undo) is supported",
                )

    def retry(self, boundary) -> dict:
        retry: dict = {}
        if attr(boundary, "attempts"):
            try:
                retry["attempts"] = int(attr(boundary, "attempts"))
            except ValueError:
                self.refuse(boundary, "soloops:attempts is a whole number")
        for name in ("backoff", "max_backoff"):
            if attr(boundary, name):
                retry[name] = self.duration(boundary, attr(boundary, name))
        return retry

    def compensation_task(self, boundary):
        for link in self.process.iterchildren(q(BPMN, "association")):
            if link.get("sourceRef") == boundary.get("id"):
                task = self.nodes.get(link.get("targetRef", ""))
                if task is not None and local(task) in ("serviceTask", "sendTask"):
                    self.seen.add(task.get("id"))
                    return task
        self.refuse(boundary, "associate it with the service task that undoes the step")
        return None

    def approve(self, element, step: dict):
        message = attr(element, "message") or (element.get("name") or "").strip()
        if not message:
            self.refuse(element, "say what to ask: soloops:message, or the task's name")
        step["approve"] = {"message": message}
        paths = []
        for boundary in self.boundaries.get(element.get("id"), []):
            kind = self.definition(boundary)
            if kind == "timerEventDefinition":
                step["approve"]["timeout"] = self.timer(boundary)
            elif kind != "errorEventDefinition":
                self.refuse(
                    boundary,
                    "on a user task, a timer (timeout) or error (rejected) "
                    "boundary event is supported",
                )
            if self.outgoing.get(boundary.get("id")):
                paths.append(boundary)
        if len(paths) > 1:
            self.refuse(element, "one path serves both a rejection and a timeout")
        return ([("on_reject", self.next(p)) for p in paths[:1]], self.next(element))

    def receive(self, element, step: dict):
        wait_for = {"event": self.message_name(element, element)}
        where = extension(element, "where")
        if where:
            wait_for["where"] = where
        step["wait_for"] = wait_for
        timers = [
            b
            for b in self.boundaries.get(element.get("id"), [])
            if self.definition(b) == "timerEventDefinition"
        ]
        if len(timers) != 1:
            self.refuse(element, "a receive task needs one timer boundary event: its timeout")
            return ([], None)
        wait_for["timeout"] = self.timer(timers[0])
        paths = (
            [("on_timeout", self.next(timers[0]))] if self.outgoing.get(timers[0].get("id")) else []
        )
        return (paths, self.next(element))

    def catch(self, element, step: dict) -> None:
        kind = self.definition(element)
        if kind == "timerEventDefinition":
            step["wait"] = self.timer(element)
        elif kind == "messageEventDefinition":
            definition = element.find(q(BPMN, kind))
            wait_for = {"event": self.message_name(element, definition)}
            where = extension(element, "where")
            if where:
                wait_for["where"] = where
            if not attr(element, "timeout"):
                self.refuse(
                    element,
                    "say how long to wait: soloops:timeout (e.g. 48h), or draw "
                    "a receive task with a timer boundary event",
                )
            wait_for["timeout"] = self.duration(element, attr(element, "timeout"))
            step["wait_for"] = wait_for
        else:
            self.refuse(element, "only timer and message catch events are supported")

    def gateway(self, element, step: dict):
        flows = self.outgoing.get(element.get("id"), [])
        conditioned = [f for f in flows if _condition(f)]
        if len(flows) != 2 or len(conditioned) != 1:
            self.refuse(
                element,
                "an exclusive gateway that splits needs two outgoing flows: "
                "one with a condition expression, the other without (else)",
            )
            return ([], None)
        other = next(f for f in flows if f is not conditioned[0])
        step["if"] = _condition(conditioned[0])
        return ([("then", self.target(conditioned[0])), ("else", self.target(other))], _SPLIT)

    # --- event details ----------------------------------------------------------------------

    def definition(self, event) -> str:
        kinds = [
            local(d) for d in event if isinstance(d.tag, str) and local(d).endswith("Definition")
        ]
        return kinds[0] if len(kinds) == 1 else ""

    def timer(self, event) -> str:
        definition = event.find(q(BPMN, "timerEventDefinition"))
        duration = definition.find(q(BPMN, "timeDuration")) if definition is not None else None
        if duration is None:
            self.refuse(event, "a timer here needs a timeDuration, e.g. P3D or PT48H")
            return ""
        return self.duration(event, duration.text or "")

    def duration(self, element, text: str) -> str:
        value = duration_from_bpmn(text)
        if value is None:
            self.refuse(
                element, f"{text!r} is not a duration of one unit, such as PT30M, PT48H, P7D or 48h"
            )
            return ""
        return value


_SPLIT = object()  # a gateway's paths are its branches; nothing follows it directly


def _condition(flow) -> str:
    expression = flow.find(q(BPMN, "conditionExpression"))
    text = (expression.text or "").strip() if expression is not None else ""
    if text.startswith("${") and text.endswith("}"):  # Camunda's JUEL wrapping
        text = text[2:-1].strip()
    return text
