"""Flow documents: every problem is refused before saving, naming its path and its line; the
safe language refuses reaching outside the context, at save time and again at run time."""

import pytest

from soloops.automation.flows import expressions
from soloops.automation.models import Event, Flow, FlowVersion, RunStatus, StepStatus
from soloops.automation.services import (
    flow_publish,
    flow_save,
    flow_set_enabled,
    flow_validate,
    flows_install_defaults,
)
from soloops.automation.services.flows import DEFAULT_FLOWS_DIR
from soloops.errors import InvalidInput
from tests.automation.conftest import SYSTEM, publish, reload, start, steps_of
from tests.probe.models import Hit


def problems_of(source: str) -> list[tuple[str, int | None]]:
    with pytest.raises(InvalidInput) as caught:
        flow_validate(source=source)
    assert caught.value.code == "invalid_flow"
    return [(p["path"], p["line"]) for p in caught.value.extra["problems"]]


def messages_of(source: str) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        flow_validate(source=source)
    return {p["path"]: p["message"] for p in caught.value.extra["problems"]}


VALID = """\
name: Greet
trigger: {manual: true}
steps:
  - do: log
    with: {message: "hello {{ trigger.manual.name }}"}
"""


def test_a_valid_document_is_returned_parsed():
    document = flow_validate(source=VALID)

    assert document["name"] == "Greet"
    assert document["steps"][0]["do"] == "log"


@pytest.mark.parametrize(
    ("source", "expected", "fragment"),
    [
        pytest.param(
            "name: x\ntrigger: {manual: true\nsteps: []\n",
            [("(document)", 3)],
            "column",
            id="yaml-syntax-error",
        ),
        pytest.param(
            "name: x\ntrigger: {manual: true}\nsteps:\n  - do: log\n"
            "    with: {message: a}\n    with: {message: b}\n",
            [("(document)", 6)],
            "key 'with' is given twice",
            id="duplicate-key",
        ),
        pytest.param(
            "name: x\nsteps:\n  - do: log\n    with: {message: hi}\n",
            [("trigger", 1)],
            "required",
            id="missing-trigger",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - do: log
    with: {message: a}
  - do: log
    with: {message: b}
  - do: order.teleport
    with: {order: "1"}
""",
            [("steps[2].do", 8)],
            "unknown action 'order.teleport'",
            id="unknown-action",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - do: log
    with:
      message: hi
      foo: 1
""",
            [("steps[0].with.foo", 7)],
            "unknown input",
            id="unknown-input-key",
        ),
        pytest.param(
            "name: x\ntrigger: {manual: true}\nsteps:\n  - do: log\n    with: {}\n",
            [("steps[0].with.message", 5)],
            "required",
            id="missing-input",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - do: log
    with: {message: hi}
  - wait: 2 days
""",
            [("steps[1].wait", 6)],
            "not a duration",
            id="bad-duration",
        ),
        pytest.param(
            "name: x\ntrigger:\n  schedule: '61 * * * *'\nsteps:\n  - wait: 1h\n",
            [("trigger.schedule", 3)],
            "not a valid cron expression",
            id="bad-cron",
        ),
        pytest.param(
            "name: x\ntrigger: {schedule: '0 9 * * *', timezone: Mars/Olympus}\n"
            "steps:\n  - wait: 1h\n",
            [("trigger.timezone", 2)],
            "unknown time zone",
            id="bad-time-zone",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - do: log
    with:
      message: "Order {{ order.number }"
""",
            [("steps[0].with.message", 6)],
            "template error",
            id="template-syntax-error",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - id: greet
    do: log
    with: {message: a}
  - id: greet
    do: log
    with: {message: b}
""",
            [("steps[1].id", 7)],
            "used twice",
            id="duplicate-ids",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - do: log
    with: {message: a}
  - if: order.total > 10
    then:
      - do: nope.nothing
    else:
      - wait_for: {event: order.paid}
""",
            [("steps[1].then[0].do", 8), ("steps[1].else[0].wait_for.timeout", 10)],
            "unknown action",
            id="nested-branch-errors",
        ),
        pytest.param(
            """\
name: x
trigger: {manual: true}
steps:
  - do: log
    with: {message: a}
    retries: 3
""",
            [("steps[0].retries", 6)],
            "unknown field",
            id="unknown-step-field",
        ),
        pytest.param(
            "name: x\ntrigger: {event: flow_run.failed}\nsteps:\n  - wait: 1h\n",
            [("trigger.event", 2)],
            "do not trigger flows",
            id="run-events-never-trigger",
        ),
        pytest.param(
            "name: x\ntrigger: {event: order.placed, manual: true}\nsteps:\n  - wait: 1h\n",
            [("trigger", 2)],
            "exactly one",
            id="two-triggers",
        ),
    ],
)
def test_an_invalid_document_is_refused_with_the_path_and_line_of_each_problem(
    source, expected, fragment
):
    # when / then
    assert problems_of(source) == expected
    assert fragment in " ".join(messages_of(source).values())


def test_a_json_document_reports_lines_too():
    source = """\
{
  "name": "x",
  "trigger": {"manual": true},
  "steps": [
    {"do": "nope"}
  ]
}
"""

    assert problems_of(source) == [("steps[0].do", 5)]


def test_an_invalid_document_changes_nothing(db):
    # given
    events_before = Event.objects.count()

    # when
    with pytest.raises(InvalidInput) as caught:
        flow_save(source=VALID.replace("do: log", "do: nope"), actor=SYSTEM)

    # then
    assert caught.value.field == "steps[0].do"
    assert not Flow.objects.exists()
    assert not FlowVersion.objects.exists()
    assert Event.objects.count() == events_before


# --- the safe language ----------------------------------------------------------------------

UNSAFE_CONDITIONS = [
    "order.__class__",
    "().__class__.__bases__",
    "__import__('os')",
    "open('x')",
    "order.get('total')",
    "(lambda: 1)()",
    "[l for l in lines]",
    "{k: 1 for k in order}",
    "order.number.upper() == 'X'",
    "f'{order.total:>999999999}'",
    "(x := 1)",
    "globals",
]

UNSAFE_TEMPLATES = [
    "{{ order.__class__ }}",
    "{{ ''.__class__.__mro__ }}",
    "{{ order['__class__'] }}",
    "{{ order.get('total') }}",
    "{{ range(10) | list }}",
    "{{ order | attr('__class__') }}",
    "{{ lipsum() }}",
    "{{ config }}",
]


def condition_flow(condition: str) -> str:
    return f"""\
name: x
trigger: {{manual: true}}
steps:
  - do: log
    with: {{message: before}}
  - if: {condition!r}
    then:
      - do: log
        with: {{message: then}}
"""


def template_flow(template: str) -> str:
    return f"""\
name: x
trigger: {{manual: true}}
steps:
  - do: log
    with:
      message: {template!r}
"""


@pytest.mark.parametrize("condition", UNSAFE_CONDITIONS)
def test_a_condition_reaching_outside_the_context_is_refused_at_save_time(condition):
    assert problems_of(condition_flow(condition)) == [("steps[1].if", 6)]


@pytest.mark.parametrize("condition", UNSAFE_CONDITIONS)
def test_a_top_level_condition_reaching_outside_the_context_is_refused(condition):
    source = f"name: x\ntrigger: {{manual: true}}\nif: {condition!r}\nsteps:\n  - wait: 1h\n"

    assert problems_of(source) == [("if", 3)]


@pytest.mark.parametrize("template", UNSAFE_TEMPLATES)
def test_a_template_reaching_outside_the_context_is_refused_at_save_time(template):
    assert problems_of(template_flow(template)) == [("steps[0].with.message", 6)]


def test_templates_are_checked_wherever_they_appear():
    source = """\
name: x
trigger: {manual: true}
steps:
  - wait_for:
      event: order.paid
      where: {number: "{{ order.__class__ }}"}
      timeout: 1h
  - approve: {message: "{{ ''.__class__ }}"}
  - do: log
    with: {message: ok}
    compensate: {do: log, with: {message: "{{ open('x') }}"}}
"""
    assert problems_of(source) == [
        ("steps[0].wait_for.where.number", 6),
        ("steps[1].approve.message", 8),
        ("steps[2].compensate.with.message", 11),
    ]


@pytest.mark.parametrize("condition", UNSAFE_CONDITIONS)
def test_evaluating_an_unsafe_condition_raises_an_expression_error(condition):
    context = {"order": {"total": 30, "number": "A1"}, "lines": [{"sku": "M"}]}

    with pytest.raises(expressions.ExpressionError):
        expressions.evaluate(condition, context)


@pytest.mark.parametrize(
    "template",
    [
        *UNSAFE_TEMPLATES,
        "{{ order.number.upper() }}",
        "{{ order.number.upper }}",  # passes the save check; the value is a str, not a dict
        "{{ order.items }}",  # no "items" key: dict's method must not answer instead
        "{{ 'x' * 100000000 }}",
        "{{ 10 ** 10000000 }}",
    ],
)
def test_rendering_an_unsafe_template_raises_an_expression_error(template):
    context = {"order": {"total": 30, "number": "A1"}, "lines": [{"sku": "M"}]}

    with pytest.raises(expressions.ExpressionError):
        expressions.render(template, context)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("order.total > 20 and len(lines) == 1", True),
        ("lower(order.number) == 'a1'", True),
        ("lines[0].sku in ['M', 'N']", True),
        ("order.missing == None", True),  # an absent field reads as None, not an error
        ("customer.orders_count == 1", False),  # no customer in this context
    ],
)
def test_safe_conditions_read_the_context(condition, expected):
    context = {"order": {"total": 30, "number": "A1"}, "lines": [{"sku": "M"}], "customer": None}

    assert expressions.evaluate(condition, context) is expected


def test_templates_keep_the_type_of_a_single_expression_and_render_text_otherwise():
    context = {"order": {"total": 30, "number": "A1"}, "lines": [{"sku": "M"}, {"sku": "N"}]}

    assert expressions.render("{{ order.total }}", context) == 30
    assert expressions.render("Order {{ order.number | lower }}", context) == "Order a1"
    assert expressions.render("{% for l in lines %}{{ l.sku }}{% endfor %}", context) == "MN"
    assert expressions.render({"n": ["{{ order.total * 2 }}"]}, context) == {"n": [60]}


def unchecked_flow(document: dict) -> Flow:
    """A published flow whose document never went through validation, as one saved before a
    rule existed or edited in the database would be."""
    flow = Flow.objects.create(key="unchecked", name="unchecked")
    version = FlowVersion.objects.create(flow=flow, number=1, source="", document=document)
    return flow_publish(version=version, actor=SYSTEM)


@pytest.mark.parametrize(
    "step",
    [
        {"if": "order.__class__", "then": [{"do": "probe.write", "with": {"name": "then"}}]},
        {"if": "__import__('os').system('true')", "then": []},
        {"if": "open('x')", "then": []},
        {"do": "probe.write", "with": {"name": "{{ order.__class__ }}"}},
        {"do": "probe.write", "with": {"name": "{{ ''.__class__.__mro__ }}"}},
        {"do": "probe.write", "with": {"name": "{{ trigger.get('manual') }}"}},
    ],
    ids=["dunder", "import", "open", "template-dunder", "template-mro", "template-call"],
)
def test_an_unsafe_expression_is_refused_at_run_time_and_the_run_fails_visibly(
    transactional_db, settle, step
):
    # given a published flow that skipped validation
    flow = unchecked_flow(
        {
            "name": "unchecked",
            "trigger": {"manual": True},
            "steps": [
                {"do": "probe.write", "with": {"name": "before"}},
                step,
                {"do": "probe.write", "with": {"name": "after"}},
            ],
        }
    )

    # when it runs
    run = start(flow)
    settle()

    # then the step failed for good (no retries), nothing after it ran
    run = reload(run)
    assert run.status == RunStatus.FAILED
    assert run.cursor == "1"
    assert steps_of(run) == {"0": StepStatus.DONE, "1": StepStatus.FAILED}
    assert run.steps.get(key="1").attempts == 1
    failed = Event.objects.get(type="flow_run.failed", subject_id=str(run.pk))
    assert failed.payload["step"] == "1"
    assert failed.payload["error"] == run.error != ""
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write before"]


def test_a_number_given_to_a_text_input_is_written_as_text(transactional_db, settle):
    # given a step whose text input is one expression that yields a number
    flow = publish(
        "name: n\ntrigger: {manual: true}\nsteps:\n"
        "  - do: probe.write\n    with: {name: '{{ trigger.manual.n }}'}\n"
    )

    # when it runs with n = 42
    run = start(flow, n=42)
    settle()

    # then the text field got "42" rather than failing validation
    assert reload(run).status == RunStatus.COMPLETED
    assert list(Hit.objects.values_list("handler", flat=True)) == ["write 42"]


@pytest.mark.parametrize(
    "path", sorted(DEFAULT_FLOWS_DIR.glob("*.yaml")), ids=lambda path: path.stem
)
def test_every_shipped_default_flow_is_valid(db, path):
    document = flow_validate(source=path.read_text())

    assert document["name"]


def test_init_installs_every_default_flow_once_and_keeps_one_switched_off(db):
    # when the default flows are installed (what ``soloops init`` does)
    installed = flows_install_defaults(actor=SYSTEM)

    # then each shipped file is a published default flow, the customer emails and
    # reordering among them, each on its event; all enabled but the marketing drips, which
    # mail customers only once the owner switches them on
    assert sorted(installed) == sorted(path.stem for path in DEFAULT_FLOWS_DIR.glob("*.yaml"))
    flows = {f.key: f for f in Flow.objects.all()}
    assert all(f.is_default and f.published_version for f in flows.values())
    assert {k for k, f in flows.items() if not f.enabled} == {
        "drip-welcome",
        "drip-cross-sell",
        "drip-win-back",
        "drip-review-request",
    }
    assert {key: flows[key].trigger_event for key in flows if key.startswith("email-")} == {
        "email-order-confirmation": "order.accepted",
        "email-payment-received": "order.paid",
        "email-order-shipped": "shipment.shipped",
        "email-order-delivered": "order.delivered",
        "email-order-cancelled": "order.cancelled",
        "email-order-refunded": "payment.refunded",
    }
    assert flows["reorder-low-stock"].trigger_event == "stock.low"

    # when the owner switches one off and init runs again
    flow_set_enabled(flow=flows["email-order-confirmation"], enabled=False, actor=SYSTEM)
    again = flows_install_defaults(actor=SYSTEM)

    # then nothing is installed twice and the owner's choice stands
    assert again == []
    assert Flow.objects.count() == len(installed)
    assert not Flow.objects.get(key="email-order-confirmation").enabled


def test_a_template_writes_money_as_the_console_does():
    from django.utils import translation

    context = {"order": {"total": "667.59", "currency": "EUR"}}
    template = "{{ order.total | money(order.currency) }}"
    assert expressions.render(template, context) == "€667.59"
    with translation.override("zh-hans"):
        assert expressions.render(template, context) == "€667.59"
