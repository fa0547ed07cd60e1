"""The XML side shared by the reader and the writer: namespaces, hardened parsing, problems
and values.

Extension attributes and elements live in the ``soloops`` namespace (``SOLOOPS``): a service
task's ``soloops:action``, its inputs as ``<soloops:input name="order">{{ order.number
}}</soloops:input>`` inside ``extensionElements`` (a value that is not a string says
``type="json"``), an event trigger's or wait's filter as ``<soloops:where name=...>``.
"""

import json
import re
from dataclasses import dataclass

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SOLOOPS = "https://soloops.dev/schema/bpmn/1"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "xsi": XSI, "soloops": SOLOOPS}

STEP_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_OURS = re.compile(r"^(\d+)\s*(s|m|h|d|w)$")
_ISO = re.compile(r"^P(?:(\d+)W|(\d+)D|T(?:(\d+)H|(\d+)M|(\d+)S))$")
_ISO_UNITS = ("w", "d", "h", "m", "s")


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def duration_from_bpmn(text: str) -> str | None:
    """``P3D`` (ISO 8601, one unit) or ``3d`` → ``3d``; None if it is neither."""
    text = (text or "").strip()
    if _OURS.match(text):
        return text.replace(" ", "")
    match = _ISO.match(text.upper())
    if not match:
        return None
    for value, unit in zip(match.groups(), _ISO_UNITS, strict=True):
        if value is not None:
            return f"{int(value)}{unit}"
    return None


def duration_to_bpmn(text: str) -> str:
    """``3d`` → ``P3D``, ``48h`` → ``PT48H``: what BPMN tools expect in a timer."""
    number, unit = _OURS.match(str(text).strip()).groups()
    if unit in ("w", "d"):
        return f"P{number}{unit.upper()}"
    return f"PT{number}{unit.upper()}"


def value_to_text(value) -> tuple[str, bool]:
    """A ``with`` or ``where`` value as element text, and whether it is JSON."""
    if isinstance(value, str):
        return value, False
    return json.dumps(value, ensure_ascii=False), True


def value_from_text(text: str, is_json: bool):
    return json.loads(text) if is_json else text


@dataclass(frozen=True)
class Origin:
    """The BPMN element a part of the document came from."""

    id: str
    name: str
    line: int | None
    tag: str

    def describe(self) -> str:
        name = f" “{self.name}”" if self.name else ""
        return f"{self.tag} {self.id}{name}"


@dataclass(frozen=True)
class BpmnProblem:
    element_id: str
    name: str
    line: int | None
    message: str

    @property
    def described(self) -> str:
        """The message with the element's name, for where its id is the path."""
        return f"“{self.name}”: {self.message}" if self.name else self.message

    def __str__(self) -> str:
        where = f" (line {self.line})" if self.line else ""
        return f"{self.element_id}: {self.described}{where}"


class InvalidBpmn(ValueError):
    def __init__(self, problems: list[BpmnProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def is_bpmn(source: str) -> bool:
    """XML rather than YAML or JSON (neither of which starts with ``<``)."""
    return source.lstrip("\ufeff \t\r\n").startswith("<")


def parse_xml(source: str):
    """The root element, parsed without DTDs, entities or network access. A DOCTYPE is
    refused outright: BPMN needs none, and it is where entity tricks (external files, the
    billion laughs) live."""
    source = source.lstrip("\ufeff")
    doctype = re.search(r"<!DOCTYPE", source, re.IGNORECASE)
    if doctype:
        line = source.count("\n", 0, doctype.start()) + 1
        raise InvalidBpmn([BpmnProblem("(document)", "", line, "a DOCTYPE is not accepted")])
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(source.encode(), parser)
    except etree.XMLSyntaxError as e:
        column = f", column {e.position[1]}" if e.position else ""
        message = f"not well-formed XML{column}: {e.msg}"
        raise InvalidBpmn([BpmnProblem("(document)", "", e.lineno, message)]) from None
    return root


def local(element) -> str:
    return etree.QName(element).localname


def attr(element, name: str) -> str:
    return element.get(q(SOLOOPS, name), "")


def extension(element, name: str) -> dict:
    values = {}
    for ext in element.iterchildren(q(BPMN, "extensionElements")):
        for item in ext.iterchildren(q(SOLOOPS, name)):
            values[item.get("name", "")] = value_from_text(
                item.text or "", item.get("type") == "json"
            )
    return values
