"""How each BPMN element reads as a step: tasks, user and receive tasks, catch events,
splitting gateways and the boundary events on them (mixed into the reader's process walk,
which supplies ``refuse``, ``next``, ``target``, ``boundaries``, ``outgoing`` and ``nodes``)."""

from .xml import BPMN, STEP_ID, attr, duration_from_bpmn, extension, local, q

SPLIT = object()  # a gateway's paths are its branches; nothing follows it directly


class StepReader:
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
        # The else path is the gateway's default flow (a modeler's slash mark), or else the
        # one flow without a condition; the condition on a default flow is never evaluated.
        others = [f for f in flows if f.get("id") == element.get("default")] or [
            f for f in flows if not _condition(f)
        ]
        if (
            len(flows) != 2
            or len(others) != 1
            or not _condition(then := next(f for f in flows if f is not others[0]))
        ):
            self.refuse(
                element,
                "an exclusive gateway that splits needs two outgoing flows: "
                "one with a condition expression, the other the default (else)",
            )
            return ([], None)
        step["if"] = _condition(then)
        return ([("then", self.target(then)), ("else", self.target(others[0]))], SPLIT)

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


def _condition(flow) -> str:
    expression = flow.find(q(BPMN, "conditionExpression"))
    text = (expression.text or "").strip() if expression is not None else ""
    if text.startswith("${") and text.endswith("}"):  # Camunda's JUEL wrapping
        text = text[2:-1].strip()
    return text
