"""BPMN in: what each element becomes, what is refused (with the element's id, name and
line), the hardened parser, and the shipped sample (the default held-order review)."""

from pathlib import Path

import pytest
import yaml

from soloops.automation import bpmn
from soloops.automation.bpmn.xml import BPMN
from soloops.automation.services.flows import DEFAULT_FLOWS_DIR, flow_validate
from soloops.errors import InvalidInput

SAMPLE = Path(bpmn.__file__).parent / "samples" / "order-review.bpmn"

# Every step kind and branch the document format has, for the round trip.
EVERYTHING = {
    "name": "Everything",
    "description": "Line one.\nLine two.\n",
    "trigger": {"event": "order.placed", "where": {"channel": "web", "lines": 2}},
    "if": "order.total > 10",
    "steps": [
        {
            "id": "hold",
            "do": "order.hold",
            "with": {"order": "{{ order.number }}", "reason": "look"},
            "retry": {"attempts": 3, "backoff": "1m", "max_backoff": "1h"},
            "compensate": {"do": "order.accept", "with": {"order": "{{ order.number }}"}},
        },
        {"do": "purchase_order.draft_for_low_stock", "with": {"send_when_policy_allows": True}},
        {"wait": "2d"},
        {
            "wait_for": {
                "event": "order.reviewed",
                "where": {"number": "{{ order.number }}"},
                "timeout": "48h",
            },
            "on_timeout": [{"do": "log", "with": {"message": "late"}}],
        },
        {
            "id": "ask",
            "approve": {"message": "Go on?"},
            "on_reject": [{"do": "log", "with": {"message": "no"}}],
        },
        {"approve": {"message": "Sure?", "timeout": "3d"}},
        {
            "if": "steps.ask.approved",
            "then": [
                {"if": "order.total > 100", "then": [{"do": "log", "with": {"message": "x"}}]},
                {"do": "notify.owner", "with": {"subject": "big"}},
            ],
            "else": [{"wait": "15m"}],
        },
        {"if": "order.total >= 0", "then": []},
    ],
}


def process(body: str, start: str = "<bpmn:startEvent id='Start'/>") -> str:
    """A process as bpmn.io saves one (without its diagram), around ``body``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:soloops="https://soloops.dev/schema/bpmn/1" id="D" targetNamespace="x">
  <bpmn:message id="Message_reviewed" name="order.reviewed"/>
  <bpmn:process id="P" name="Drawn" isExecutable="true">
    {start}
{body}
  </bpmn:process>
</bpmn:definitions>
"""


def problems_of(source: str) -> list[tuple[str, int, str]]:
    with pytest.raises(InvalidInput) as caught:
        flow_validate(source=source)
    return [(p["path"], p["line"], p["message"]) for p in caught.value.extra["problems"]]


def test_the_sample_order_process_is_the_default_held_order_review():
    # given the sample drawn in a modeler, and the default flow it stands for
    default = yaml.safe_load((DEFAULT_FLOWS_DIR / "review-held-orders.yaml").read_text())

    # when it is read, exported and read again
    document, origins = bpmn.read(SAMPLE.read_text())
    again, _ = bpmn.read(bpmn.write(document))

    # then it is the default flow's document both times, each step tied to its element
    assert document == default
    assert again == document
    assert {path: origin.id for path, origin in origins.items()} == {
        ("trigger",): "Event_held",
        ("steps", 0): "decision",
        ("steps", 1): "Gateway_approved",
        ("steps", 1, "then", 0): "Activity_accept",
        ("steps", 1, "else", 0): "Activity_reject",
    }


def test_elements_drawn_in_a_modeler_become_steps():
    # given a process as drawn: a timer wait, a message catch with its timeout, a Camunda-style
    # condition, a receive task with a timer boundary path, and a service task named by its name
    source = process(
        """
    <bpmn:intermediateCatchEvent id="Wait">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT15M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="Catch" soloops:timeout="P2W">
      <bpmn:messageEventDefinition messageRef="Message_reviewed"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:exclusiveGateway id="Split" default="No"/>
    <bpmn:serviceTask id="Log" name="log"/>
    <bpmn:receiveTask id="Receive" messageRef="Message_reviewed"/>
    <bpmn:boundaryEvent id="Late" attachedToRef="Receive">
      <bpmn:timerEventDefinition><bpmn:timeDuration>7d</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:serviceTask id="Nag" soloops:action="notify.owner"/>
    <bpmn:exclusiveGateway id="Meet"/>
    <bpmn:exclusiveGateway id="Join"/>
    <bpmn:endEvent id="End"/>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Wait" targetRef="Catch"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Catch" targetRef="Split"/>
    <bpmn:sequenceFlow id="Yes" sourceRef="Split" targetRef="Log">
      <bpmn:conditionExpression>${ order.total &gt; 5 }</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="No" sourceRef="Split" targetRef="Receive"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Receive" targetRef="Meet"/>
    <bpmn:sequenceFlow id="f5" sourceRef="Late" targetRef="Nag"/>
    <bpmn:sequenceFlow id="f6" sourceRef="Nag" targetRef="Meet"/>
    <bpmn:sequenceFlow id="f7" sourceRef="Meet" targetRef="Join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="Log" targetRef="Join"/>
    <bpmn:sequenceFlow id="f9" sourceRef="Join" targetRef="End"/>
"""
    )

    # when it is read
    document, _ = bpmn.read(source)

    # then each element is the step it stands for; a none start event is a manual trigger
    assert document == {
        "name": "Drawn",
        "trigger": {"manual": True},
        "steps": [
            {"wait": "15m"},
            {"wait_for": {"event": "order.reviewed", "timeout": "2w"}},
            {
                "if": "order.total > 5",
                "then": [{"do": "log"}],
                "else": [
                    {
                        "wait_for": {"event": "order.reviewed", "timeout": "7d"},
                        "on_timeout": [{"do": "notify.owner"}],
                    }
                ],
            },
        ],
    }


def test_timer_and_message_start_events_are_schedule_and_event_triggers():
    timer = "<bpmn:startEvent id='Start' soloops:timezone='Europe/Paris'><bpmn:timerEventDefinition><bpmn:timeCycle>0 8 * * 1</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>"  # noqa: E501
    message = "<bpmn:startEvent id='Start'><bpmn:messageEventDefinition messageRef='Message_reviewed'/></bpmn:startEvent>"  # noqa: E501
    body = """<bpmn:serviceTask id="T" name="log"/><bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="a" sourceRef="Start" targetRef="T"/>
    <bpmn:sequenceFlow id="b" sourceRef="T" targetRef="E"/>"""

    assert bpmn.read(process(body, timer))[0]["trigger"] == {
        "schedule": "0 8 * * 1",
        "timezone": "Europe/Paris",
    }
    assert bpmn.read(process(body, message))[0]["trigger"] == {"event": "order.reviewed"}


def test_a_gateways_default_flow_is_else_even_with_a_condition_on_it():
    # given a gateway whose two flows both carry a condition, one of them its default
    source = process(
        """
    <bpmn:exclusiveGateway id="Split" default="No"/>
    <bpmn:serviceTask id="A" soloops:action="order.accept"/>
    <bpmn:serviceTask id="B" soloops:action="order.reject"/>
    <bpmn:exclusiveGateway id="Join"/>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="a" sourceRef="Start" targetRef="Split"/>
    <bpmn:sequenceFlow id="No" sourceRef="Split" targetRef="B">
      <bpmn:conditionExpression>not steps.ask.approved</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="Yes" sourceRef="Split" targetRef="A">
      <bpmn:conditionExpression>steps.ask.approved</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="b" sourceRef="A" targetRef="Join"/>
    <bpmn:sequenceFlow id="c" sourceRef="B" targetRef="Join"/>
    <bpmn:sequenceFlow id="d" sourceRef="Join" targetRef="E"/>
"""
    )

    # then the other flow's condition is the if, and the default is else
    assert bpmn.read(source)[0]["steps"] == [
        {
            "if": "steps.ask.approved",
            "then": [{"do": "order.accept"}],
            "else": [{"do": "order.reject"}],
        }
    ]


def test_script_tasks_and_parallel_gateways_are_refused_with_id_name_and_line():
    # given a process with a script task and a parallel gateway
    source = process(
        """
    <bpmn:scriptTask id="Script_1" name="Compute discount" scriptFormat="python">
      <bpmn:script>import os</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:parallelGateway id="Fork" name="Both at once"/>
"""
    )

    # then each is refused, naming its id and name, at its line; nothing is translated
    assert problems_of(source) == [
        (
            "Script_1",
            9,
            "“Compute discount”: script tasks are refused: a flow never runs arbitrary scripts",
        ),
        (
            "Fork",
            12,
            "“Both at once”: parallel gateways are not supported: a flow runs one path at a time",
        ),
    ]


def test_a_problem_of_the_translated_document_is_shown_at_its_elements_line():
    # given a service task naming an action that does not exist
    source = process(
        """
    <bpmn:serviceTask id="Task_1" name="Send a fax" soloops:action="fax.send"/>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="a" sourceRef="Start" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="b" sourceRef="Task_1" targetRef="E"/>
"""
    )

    # then the problem names the step, the element and the task's line in the XML
    assert problems_of(source) == [
        ("steps[0].do", 9, "unknown action 'fax.send' — serviceTask Task_1 “Send a fax”")
    ]


def test_paths_that_do_not_meet_again_are_refused():
    # given a gateway whose one path ends while the other goes on to more steps
    source = process(
        """
    <bpmn:exclusiveGateway id="Split" name="Big?"/>
    <bpmn:serviceTask id="A" name="log"/>
    <bpmn:serviceTask id="B" name="log"/>
    <bpmn:exclusiveGateway id="Join"/>
    <bpmn:endEvent id="E1"/>
    <bpmn:endEvent id="E2"/>
    <bpmn:sequenceFlow id="a" sourceRef="Start" targetRef="Split"/>
    <bpmn:sequenceFlow id="b" sourceRef="Split" targetRef="A">
      <bpmn:conditionExpression>order.total &gt; 5</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="c" sourceRef="Split" targetRef="E1"/>
    <bpmn:sequenceFlow id="d" sourceRef="A" targetRef="B"/>
    <bpmn:sequenceFlow id="e" sourceRef="B" targetRef="E2"/>
    <bpmn:sequenceFlow id="f" sourceRef="Join" targetRef="E2"/>
"""
    )

    (problem,) = bpmn_problems(source)
    assert problem.element_id == "Join"
    assert "not on the path" in problem.message


def bpmn_problems(source: str):
    with pytest.raises(bpmn.InvalidBpmn) as caught:
        bpmn.read(source)
    return caught.value.problems


def test_a_loop_is_refused():
    source = process(
        """
    <bpmn:serviceTask id="A" name="log"/>
    <bpmn:serviceTask id="B" name="log"/>
    <bpmn:sequenceFlow id="a" sourceRef="Start" targetRef="A"/>
    <bpmn:sequenceFlow id="b" sourceRef="A" targetRef="B"/>
    <bpmn:sequenceFlow id="c" sourceRef="B" targetRef="A"/>
"""
    )

    (problem,) = bpmn_problems(source)
    assert (problem.element_id, problem.message) == ("A", "is reached twice: a flow has no loops")


def test_external_entities_are_never_resolved(tmp_path):
    # given a file with a secret and BPMN that tries to read it through an entity
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    source = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file://{secret}">]>
<bpmn:definitions xmlns:bpmn="{BPMN}"><bpmn:process id="P" name="P">
<bpmn:documentation>&xxe;</bpmn:documentation>
<bpmn:startEvent id="S"/></bpmn:process></bpmn:definitions>"""

    # then it is refused, and the secret is in no message
    (problem,) = bpmn_problems(source)
    assert (problem.message, problem.line) == ("a DOCTYPE is not accepted", 2)
    assert "TOP-SECRET" not in str(problem)


def test_xml_that_is_not_well_formed_names_its_line_and_column():
    (path, line, message), *_ = problems_of('<?xml version="1.0"?>\n<bpmn:definitions>\n<oops')

    assert (path, line) == ("(document)", 2)
    assert message.startswith("not well-formed XML, column")
