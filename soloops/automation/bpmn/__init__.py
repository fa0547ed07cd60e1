"""BPMN 2.0 in and out: a process drawn in bpmn.io or Camunda Modeler becomes a flow document
(``reader``), and any flow document becomes BPMN with a diagram (``writer``, ``layout``).

The flow document stays the one thing the engine runs: an imported process is saved as the
YAML it translates to, so versions, dry runs and exactly-once effects work as for any flow.
Elements this engine cannot run (parallel gateways, script tasks, sub-processes, ...) are
refused, each problem naming the element's id, its name and its line in the XML.
"""

import yaml

from soloops.automation.flows import document as doc

from .reader import read
from .writer import element_ids, write
from .xml import BpmnProblem, InvalidBpmn, Origin, is_bpmn

__all__ = [
    "BpmnProblem",
    "InvalidBpmn",
    "Origin",
    "diagram",
    "dump_yaml",
    "element_ids",
    "is_bpmn",
    "locate",
    "read",
    "to_flow_source",
    "write",
]


def to_flow_source(source: str) -> tuple[str, dict]:
    """The BPMN process in ``source`` as the YAML flow document it stands for, and where each
    step came from. Raises InvalidBpmn."""
    document, origins = read(source)
    return dump_yaml(document), origins


def dump_yaml(document: dict) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10**6)


def locate(problems: list, origins: dict) -> list:
    """Problems found in the translated document, placed at the BPMN element each came from:
    its line in the XML, its id and name in the message."""
    by_path = sorted(
        ((doc.format_path(path), origin) for path, origin in origins.items()),
        key=lambda item: -len(item[0]),
    )
    placed = []
    for problem in problems:
        origin = next(
            (
                o
                for text, o in by_path
                if problem.path == text or problem.path.startswith((text + ".", text + "["))
            ),
            None,
        )
        if origin is None:
            placed.append(doc.Problem(problem.path, problem.message, None))
        else:
            message = f"{problem.message} — {origin.describe()}"
            placed.append(doc.Problem(problem.path, message, origin.line))
    return placed


class _Dumper(yaml.SafeDumper):
    """Writes text of several lines as a ``|`` block, as a person would."""


def _text(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


# A step's status as the diagram marks it: finished, where the run is, or where it failed.
_MARKS = {
    "done": "done",
    "skipped": "done",
    "compensated": "done",
    "failed": "failed",
    "running": "current",
    "waiting": "current",
    "retrying": "current",
}


def diagram(document: dict, *, steps=(), cursor: str = "") -> dict:
    """What the console's viewer draws: the BPMN of ``document`` and, for a run, a mark per
    element (``done``, ``current`` or ``failed``) from its steps' ``(key, status)``."""
    ids = element_ids(document)
    marks = {ids[key]: _MARKS[status] for key, status in steps if key in ids and status in _MARKS}
    if cursor in ids and marks.get(ids[cursor]) != "failed":
        marks[ids[cursor]] = "current"
    return {"xml": write(document), "marks": marks}
