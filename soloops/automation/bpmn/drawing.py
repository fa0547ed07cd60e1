"""How each step is drawn: a service task (with its retry and compensation boundary
events), a splitting and a merging gateway, a user task, a receive task, a timer catch
event; each in its grid cell (mixed into the writer, which supplies ``node``, ``connect``,
``boundary``, ``event_definition``, ``extension``, ``message`` and ``sequence``)."""

import re

from django.utils.translation import gettext as _
from lxml import etree

from . import layout
from .xml import BPMN, duration_to_bpmn, q


def step_element_id(step: dict, key: str) -> str:
    return step.get("id") or "Step_" + key.replace("/", "_")


class StepWriter:
    def step(self, step: dict, path: tuple, key: str, col: int, row: int, source: tuple):
        id_ = step_element_id(step, key)
        if "if" in step:
            return self.gateway(step, path, id_, col, row, source)
        if "wait" in step:
            element = self.node(
                id_,
                "intermediateCatchEvent",
                "event",
                layout.box("event", col, row),
                name=_("wait %(duration)s") % {"duration": step["wait"]},
            )
            self.event_definition(element, "timer", timeDuration=duration_to_bpmn(step["wait"]))
            self.connect(source, id_)
            return (id_, None, False), col + 1, row
        if "do" in step:
            return self.task(step, id_, col, row, source)
        if "approve" in step:
            return self.approve(step, path, id_, col, row, source)
        return self.receive(step, path, id_, col, row, source)

    def task(self, step: dict, id_: str, col: int, row: int, source: tuple):
        element = self.node(
            id_,
            "serviceTask",
            "task",
            layout.box("task", col, row),
            name=step["do"],
            soloops_action=step["do"],
        )
        self.extension(element, "input", step.get("with") or {})
        self.connect(source, id_)
        index, bottom = 0, row
        if "retry" in step:
            retry = step["retry"]
            boundary = self.boundary(
                id_,
                "error",
                index,
                "error",
                name=_("retry"),
                soloops_attempts=retry.get("attempts"),
                soloops_backoff=retry.get("backoff"),
                soloops_max_backoff=retry.get("max_backoff"),
            )
            self.event_definition(boundary, "error")
            index += 1
        if "compensate" in step:
            call = step["compensate"]
            boundary = self.boundary(id_, "undo", index, "compensate")
            self.event_definition(boundary, "compensate")
            undo = self.node(
                f"{id_}_undo_task",
                "serviceTask",
                "task",
                layout.box("task", col + 1, row + 1),
                name=call["do"],
                soloops_action=call["do"],
                isForCompensation="true",
            )
            self.extension(undo, "input", call.get("with") or {})
            etree.SubElement(
                self.process,
                q(BPMN, "association"),
                id=f"{id_}_undo_link",
                associationDirection="One",
                sourceRef=boundary.get("id"),
                targetRef=undo.get("id"),
            )
            bottom = row + 1
        return (id_, None, False), col + 1 + ("compensate" in step), bottom

    def gateway(self, step: dict, path: tuple, id_: str, col: int, row: int, source: tuple):
        self.node(
            id_,
            "exclusiveGateway",
            "gateway",
            layout.box("gateway", col, row),
            name=_short(step["if"]),
        )
        self.connect(source, id_)
        key = "/".join(str(p) for p in path)
        then_end, then_col, low = self.sequence(
            step["then"], (*path, "then"), col + 1, row, (id_, step["if"], False)
        )
        else_end, else_col, low = self.sequence(
            step.get("else") or [], (*path, "else"), col + 1, low + 1, (id_, None, True)
        )
        join = self.node(
            f"{id_}_join" if step.get("id") else f"Join_{key.replace('/', '_')}",
            "exclusiveGateway",
            "gateway",
            layout.box("gateway", max(then_col, else_col), row),
        )
        self.connect(then_end, join.get("id"))
        self.connect(else_end, join.get("id"))
        return (join.get("id"), None, False), max(then_col, else_col) + 1, low

    def approve(self, step: dict, path: tuple, id_: str, col: int, row: int, source: tuple):
        spec = step["approve"]
        self.node(
            id_,
            "userTask",
            "task",
            layout.box("task", col, row),
            # a message full of {{ templates }} reads badly in a box; the full text is kept
            name=_short(spec["message"]) if "{" not in spec["message"] else _("Ask the owner"),
            soloops_message=spec["message"],
        )
        self.connect(source, id_)
        boundary = None
        if spec.get("timeout"):
            boundary = self.boundary(
                id_,
                "timeout",
                0,
                "timer",
                name=_("no answer in %(duration)s") % {"duration": spec["timeout"]},
            )
            self.event_definition(boundary, "timer", timeDuration=duration_to_bpmn(spec["timeout"]))
        if step.get("on_reject") and boundary is None:
            boundary = self.boundary(id_, "rejected", 0, "error", name=_("rejected"))
            self.event_definition(boundary, "error")
        return self.branch(step.get("on_reject"), (*path, "on_reject"), id_, boundary, col, row)

    def receive(self, step: dict, path: tuple, id_: str, col: int, row: int, source: tuple):
        spec = step["wait_for"]
        element = self.node(
            id_,
            "receiveTask",
            "task",
            layout.box("task", col, row),
            name=_("wait for %(event)s") % {"event": spec["event"]},
        )
        element.set("messageRef", self.message(element, spec["event"]))
        self.extension(element, "where", spec.get("where") or {})
        self.connect(source, id_)
        boundary = self.boundary(
            id_, "timeout", 0, "timer", name=_("after %(duration)s") % {"duration": spec["timeout"]}
        )
        self.event_definition(boundary, "timer", timeDuration=duration_to_bpmn(spec["timeout"]))
        return self.branch(step.get("on_timeout"), (*path, "on_timeout"), id_, boundary, col, row)

    def branch(self, steps, path: tuple, task: str, boundary, col: int, row: int):
        """The path from ``boundary`` (one row down), meeting the task's own path at a merge."""
        if not steps:
            return (task, None, False), col + 1, row
        end, end_col, low = self.sequence(
            steps, path, col + 1, row + 1, (boundary.get("id"), None, False)
        )
        join = self.node(
            f"{task}_join", "exclusiveGateway", "gateway", layout.box("gateway", end_col, row)
        )
        self.connect((task, None, False), join.get("id"))
        self.connect(end, join.get("id"))
        return (join.get("id"), None, False), end_col + 1, low


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
