"""Rendering email templates safely: only the given context, autoescaped HTML, one-line subjects.

Templates are Django template strings the owner may edit, so they are compiled by an engine of
their own: no loaders (nothing can be included or extended), no context processors, and only
the tags in ``sandbox.py``. The context is plain JSON, frozen (read-only mappings and tuples),
so a template can read values but change or reach nothing else.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import translation

from soloops.shop.selectors import shop_name

DEFAULTS_DIR = Path(__file__).resolve().parent / "templates" / "emails" / "defaults"
PARTS = ("subject", "body_text", "body_html")
SUBJECT_MAX = 900  # a header line may hold 998 characters, "Subject: " and folding included
_SUFFIX = {"subject": "subject", "body_text": "txt", "body_html": "html"}


class _SandboxEngine(Engine):
    default_builtins = ["soloops.emails.sandbox"]


# debug=True makes the lexer keep positions, so a syntax error can name its line.
_ENGINE = _SandboxEngine(loaders=[], debug=True)


@dataclass(frozen=True)
class TemplateSource:
    subject: str
    body_text: str
    body_html: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class TemplateProblem(Exception):
    """A template that does not compile or render: which part, which line, what is wrong."""

    def __init__(self, *, part: str, line: int | None, message: str, syntax: bool) -> None:
        where = f"{part}, line {line}" if line else part
        super().__init__(f"{where}: {message}")
        self.part = part
        self.line = line
        self.message = message
        self.syntax = syntax


@lru_cache(maxsize=64)
def default_source(key: str, language: str) -> TemplateSource:
    """The shipped template (files ``<key>.<language>.{subject,txt,html}``)."""
    texts = {}
    for part in PARTS:
        path = DEFAULTS_DIR / f"{key}.{language}.{_SUFFIX[part]}"
        texts[part] = path.read_text(encoding="utf-8") if path.exists() else ""
    return TemplateSource(**texts)


def _line(exc: Exception) -> int | None:
    return getattr(exc, "template_debug", {}).get("line")


def compile_source(source: TemplateSource) -> dict[str, Template]:
    """Each part compiled; a syntax error raises ``TemplateProblem`` naming the part and line."""
    compiled = {}
    for part in PARTS:
        try:
            compiled[part] = Template(getattr(source, part), engine=_ENGINE)
        except TemplateSyntaxError as e:
            message = getattr(e, "raw_error_message", None) or str(e)
            raise TemplateProblem(part=part, line=_line(e), message=message, syntax=True) from e
    return compiled


def _frozen(value):
    """JSON data a template can read but not change: ``{{ order.clear }}`` would otherwise call
    ``dict.clear`` (templates call attributes that take no arguments)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


@lru_cache(maxsize=128)
def _compiled(source: TemplateSource) -> dict[str, Template]:
    """``compile_source``, kept per template text: every order email renders one of a handful
    of templates, and compiling one took about as long as rendering it. A compiled template
    holds no state between renders (Django's cached loader shares them the same way); an
    edited template is other text, so it is compiled anew. A syntax error is not kept."""
    return compile_source(source)


def render(source: TemplateSource, *, context: dict, language: str) -> Rendered:
    """Render every part against ``context`` (plus ``shop_name``) in ``language``."""
    compiled = _compiled(source)
    data = {k: _frozen(v) for k, v in {"shop_name": shop_name(), **context}.items()}
    out = {}
    with translation.override(language):
        for part, template in compiled.items():
            ctx = Context(data, autoescape=part == "body_html")
            try:
                out[part] = template.render(ctx)
            except Exception as e:
                raise TemplateProblem(part=part, line=_line(e), message=str(e), syntax=False) from e
    return Rendered(
        # One line: a header cannot hold a line break, and a template's newlines are layout.
        subject=" ".join(out["subject"].split())[:SUBJECT_MAX],
        text=out["body_text"].strip() + "\n",
        html=out["body_html"].strip(),
    )
