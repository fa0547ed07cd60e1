"""The safe language of flows: conditions (``if:``) and templates (``{{ ... }}`` in inputs).

Conditions are evaluated by simpleeval — never Python ``eval`` — restricted further: a dot
only reads a key of the context (``order.total``), never an attribute or method of a Python
object, and only the functions listed in ``FUNCTIONS`` may be called. Templates render in
Jinja2's immutable sandbox, narrowed to the same rule: a dot or subscript reads a key of a
mapping or an item of a list, nothing is called (filters transform: ``{{ x | upper }}``), and
undefined names are errors. Both are checked before a flow is saved and again when it runs.
"""

import ast
import functools
import operator
from decimal import Decimal
from typing import Any

import simpleeval
from jinja2 import StrictUndefined, TemplateError, Undefined, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from soloops.formatting import money_display

# Names a condition or template may start from; the engine fills them per run.
CONTEXT_ROOTS = {"event", "order", "customer", "lines", "stock", "steps", "run", "flow", "trigger"}

FUNCTIONS = {
    "len": len,
    "lower": lambda s: str(s).lower(),
    "upper": lambda s: str(s).upper(),
    "int": int,
    "float": float,
    "str": str,
    "round": round,
    "abs": abs,
    "min": min,
    "max": max,
    "sum": sum,
    "any": any,
    "all": all,
}


class ExpressionError(ValueError):
    """A condition or template that is invalid or tried something not allowed."""


class _Evaluator(simpleeval.EvalWithCompoundTypes):
    def _eval_attribute(self, node):
        if node.attr.startswith("_"):
            raise simpleeval.FeatureNotAvailable(f"'{node.attr}' is not a context field")
        value = self._eval(node.value)
        if isinstance(value, dict):
            return value.get(node.attr)
        if value is None:
            return None  # optional context (e.g. no customer): missing, not an error
        raise simpleeval.FeatureNotAvailable(
            f"'.{node.attr}': a dot reads a field of the context, not of a {type(value).__name__}"
        )

    def _eval_call(self, node):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise simpleeval.FeatureNotAvailable(
                f"only these functions may be called: {', '.join(sorted(FUNCTIONS))}"
            )
        return super()._eval_call(node)


def _jsonish(value: Any) -> Any:
    """Decimals compare as numbers in conditions."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonish(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonish(v) for v in value]
    return value


def check_condition(source: str) -> None:
    """Refuse, before saving, what could never evaluate: bad syntax, unknown roots, calls."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise ExpressionError(f"invalid expression at column {e.offset}: {e.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in CONTEXT_ROOTS | set(FUNCTIONS) | {
            "True",
            "False",
            "None",
        }:
            raise ExpressionError(
                f"unknown name '{node.id}'; start from one of {', '.join(sorted(CONTEXT_ROOTS))}"
            )
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"'{node.attr}' is not a context field")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
        ):
            raise ExpressionError(
                f"only these functions may be called: {', '.join(sorted(FUNCTIONS))}"
            )
        if isinstance(node, ast.Lambda | ast.comprehension | ast.NamedExpr):
            raise ExpressionError("lambdas, comprehensions and assignments are not allowed")
        if isinstance(node, ast.JoinedStr):
            # An f-string's format spec ({x:>999999999}) is a way around the size limits.
            raise ExpressionError("f-strings are not allowed; compare values instead")


def evaluate(source: str, context: dict) -> Any:
    check_condition(source)
    evaluator = _Evaluator(names=_jsonish(context), functions=dict(FUNCTIONS))
    try:
        return evaluator.eval(source)
    except simpleeval.InvalidExpression as e:
        raise ExpressionError(str(e)) from None
    except (TypeError, ValueError, ZeroDivisionError, KeyError, IndexError) as e:
        raise ExpressionError(f"{type(e).__name__}: {e}") from None


# Filters that only pad or reshape text: a width of 10**9 would build a gigabyte string.
_UNSAFE_FILTERS = {"attr", "center", "indent", "wordwrap", "pprint", "xmlattr", "urlize"}
_MAX_REPEAT = 10_000  # items a ``*`` may build from a string or list
_MAX_EXPONENT = 100


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja2's sandbox narrowed to the flow language's rule (see the module docstring).

    Without this a template reaches what conditions cannot: ``{{ order.get('total') }}`` or
    ``{{ order.items }}`` (dict's method, not the "items" key), globals such as ``range`` and
    ``lipsum``, and strings or lists multiplied to any size.
    """

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False)
        self.globals.clear()
        for name in _UNSAFE_FILTERS:
            self.filters.pop(name, None)
        # {{ order.total | money(order.currency) }}: "€667.59", as the console writes money.
        self.filters["money"] = money_display

    def is_safe_attribute(self, obj, attr, value) -> bool:
        return False  # no Python attribute is ever read; getattr below reads keys

    def is_safe_callable(self, obj) -> bool:
        return False

    def getattr(self, obj, attribute):
        if isinstance(obj, dict):
            if attribute in obj:
                return obj[attribute]
            return self.undefined(obj=obj, name=attribute)
        return self.unsafe_undefined(obj, attribute)

    def getitem(self, obj, argument):
        if isinstance(obj, dict | list | tuple | str):
            try:
                return obj[argument]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=argument)
        return self.unsafe_undefined(obj, argument)

    def call_binop(self, context, op: str, left, right):
        if op == "**" and isinstance(right, int | float) and abs(right) > _MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is too large")
        if op == "*":
            for seq, n in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(n, int)
                if sized and n * max(len(seq), 1) > _MAX_REPEAT:
                    raise SecurityError("that repetition would be too long")
        return {"*": operator.mul, "**": operator.pow}[op](left, right)


_templates = _Sandbox()


def check_template(source: str) -> None:
    """Refuse, before saving, a template that could never render safely: bad syntax, unknown
    filters, names outside the context, ``_`` fields, and calls."""
    try:
        tree = _templates.parse(source)
        _templates.compile(tree)  # unknown filters and tests are found when compiling
    except TemplateError as e:
        line = getattr(e, "lineno", None) if "\n" in source.strip() else None
        raise ExpressionError(
            f"template error{f' on template line {line}' if line else ''}: {e}"
        ) from None
    local = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    known = CONTEXT_ROOTS | local | {"loop"}

    def at(node) -> str:  # the document's line is added by the caller; this is the template's
        return f" (template line {node.lineno})" if "\n" in source.strip() else ""

    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call, nodes.Name)):
        field = None
        if isinstance(node, nodes.Getattr):
            field = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            field = node.arg.value
        if isinstance(field, str) and field.startswith("_"):
            raise ExpressionError(f"'{field}' is not a context field{at(node)}")
        if isinstance(node, nodes.Call):
            raise ExpressionError(
                f"templates call nothing{at(node)}; "
                "transform a value with a filter, such as {{ order.email | lower }}"
            )
        if isinstance(node, nodes.Name) and node.ctx == "load" and node.name not in known:
            raise ExpressionError(
                f"unknown name '{node.name}'{at(node)}; "
                f"start from one of {', '.join(sorted(CONTEXT_ROOTS))}"
            )


def render(value: Any, context: dict) -> Any:
    """Render every string in ``value`` (recursively). A string that is exactly one
    ``{{ expression }}`` keeps the expression's type (a number stays a number)."""
    if isinstance(value, dict):
        return {k: render(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, context) for v in value]
    if not isinstance(value, str) or "{" not in value:
        return value
    try:
        stripped = value.strip()
        if stripped.startswith("{{") and stripped.endswith("}}") and stripped.count("{{") == 1:
            result = _compiled_expression(stripped[2:-2].strip())(**context)
            if isinstance(result, Undefined):
                str(result)  # StrictUndefined raises, naming what was missing or unsafe
            return result
        return _compiled_template(value).render(**context)
    except TemplateError as e:  # SecurityError and UndefinedError included
        raise ExpressionError(f"template error: {e}") from None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        raise ExpressionError(f"template error: {type(e).__name__}: {e}") from None


# Compiling is most of a render's cost; a flow's few templates are compiled once per process.
# (A compile error is not cached: it is raised again for each call.)
@functools.lru_cache(maxsize=1024)
def _compiled_template(source: str):
    return _templates.from_string(source)


@functools.lru_cache(maxsize=1024)
def _compiled_expression(source: str):
    return _templates.compile_expression(source, undefined_to_none=False)


def templates_in(value: Any):
    if isinstance(value, dict):
        for v in value.values():
            yield from templates_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from templates_in(v)
    elif isinstance(value, str) and ("{{" in value or "{%" in value):
        yield value
