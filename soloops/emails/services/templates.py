"""The owner's email templates: check, preview, save and reset."""

from django.db import transaction

from soloops.accounts.actors import Actor
from soloops.emails import selectors
from soloops.emails.errors import EmailErrorCode as Code
from soloops.emails.kinds import KINDS
from soloops.emails.models import EmailTemplate
from soloops.emails.rendering import Rendered, TemplateProblem, TemplateSource, render
from soloops.errors import InvalidInput
from soloops.events.services import event_emit

from .queueing import _json_safe


def _problem_error(problem: TemplateProblem) -> InvalidInput:
    return InvalidInput(
        Code.TEMPLATE_SYNTAX if problem.syntax else Code.TEMPLATE_RENDER,
        str(problem),
        field=problem.part,
        extra={"line": problem.line},
    )


def email_template_check(*, key: str, language: str, source: TemplateSource) -> Rendered:
    """Compile and render ``source`` against the template's sample context.

    A template that fails raises ``InvalidInput`` naming the part (``subject``, ``body_text``
    or ``body_html``) and, in ``extra.line``, the line.
    """
    selectors.email_template_get(key=key, language=language)  # NotFound for unknown ones
    try:
        return render(source, context=KINDS[key].sample, language=language)
    except TemplateProblem as problem:
        raise _problem_error(problem) from None


def email_template_preview(
    *, key: str, language: str, source: TemplateSource | None = None, context: dict | None = None
) -> Rendered:
    """Render a draft (or the template in force) against the sample context, overlaid with
    ``context``. Writes nothing."""
    view = selectors.email_template_get(key=key, language=language)
    data = {**KINDS[key].sample, **_json_safe(context or {})}
    try:
        return render(source or view.source, context=data, language=language)
    except TemplateProblem as problem:
        raise _problem_error(problem) from None


def email_template_save(
    *, key: str, language: str, source: TemplateSource, actor: Actor
) -> EmailTemplate:
    """Save the owner's version; one that does not compile or render saves nothing."""
    email_template_check(key=key, language=language, source=source)
    with transaction.atomic():
        row, created = EmailTemplate.objects.select_for_update().get_or_create(
            key=key,
            language=language,
            defaults={
                "subject": source.subject,
                "body_text": source.body_text,
                "body_html": source.body_html,
            },
        )
        if not created:
            row.subject = source.subject
            row.body_text = source.body_text
            row.body_html = source.body_html
            row.save(update_fields=["subject", "body_text", "body_html", "updated_at"])
        event_emit(
            type="email_template.updated",
            subject=row,
            payload={"key": key, "language": language, "created": created},
            actor=actor,
        )
    return row


def email_template_reset(*, key: str, language: str, actor: Actor) -> None:
    """Drop the owner's version, so the shipped default is used again."""
    selectors.email_template_get(key=key, language=language)
    with transaction.atomic():
        row = EmailTemplate.objects.select_for_update().filter(key=key, language=language).first()
        if row is None:
            return
        event_emit(
            type="email_template.reset",
            subject=row,
            payload={"key": key, "language": language},
            actor=actor,
        )
        row.delete()
