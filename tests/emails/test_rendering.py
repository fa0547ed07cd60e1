"""Rendering email templates: each template text compiled once per process, an edited one
compiled anew."""

from soloops.emails import rendering
from soloops.emails.rendering import TemplateSource, render


def _source(greeting: str) -> TemplateSource:
    return TemplateSource(
        subject="Order {{ number }}",
        body_text=f"{greeting} {{{{ name }}}}",
        body_html=f"<p>{greeting} {{{{ name }}}}</p>",
    )


def test_a_template_is_compiled_once_and_an_edited_one_renders_its_new_text(db):
    # given a template rendered once
    rendering._compiled.cache_clear()
    first = render(_source("Hello"), context={"number": "A1", "name": "Ann"}, language="en")

    # when the same text renders for another order, and then an edited text
    second = render(_source("Hello"), context={"number": "B2", "name": "<Bo>"}, language="en")
    edited = render(_source("Goodbye"), context={"number": "C3", "name": "Cy"}, language="en")

    # then the second render used the first's compiled template, with its own context
    assert rendering._compiled.cache_info().hits == 1
    assert (first.subject, first.text) == ("Order A1", "Hello Ann\n")
    assert (second.subject, second.text, second.html) == (
        "Order B2",
        "Hello <Bo>\n",
        "<p>Hello &lt;Bo&gt;</p>",
    )
    # and the edited template was compiled from its new text
    assert (edited.subject, edited.text) == ("Order C3", "Goodbye Cy\n")
    assert rendering._compiled.cache_info().misses == 2
