"""Reads of import jobs and saved mappings."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from soloops.errors import NotFound
from soloops.integrations.models.imports import ImportJob, ImportMapping


def import_jobs_list(*, entity: str | None = None) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.order_by("-created_at")
    return jobs.filter(entity=entity) if entity else jobs


def import_job_get(*, job_id) -> ImportJob:
    try:
        job = ImportJob.objects.filter(pk=job_id).first()
    except ValidationError:  # a malformed id is a missing job
        job = None
    if job is None:
        raise NotFound("not_found", f"no import {job_id}")
    return job


def import_mappings_list(*, entity: str | None = None) -> QuerySet[ImportMapping]:
    mappings = ImportMapping.objects.order_by("entity", "name")
    return mappings.filter(entity=entity) if entity else mappings


def import_entity_choices(*, exported: bool = False) -> list[tuple[str, str]]:
    from soloops.integrations.imports.kinds import ENTITIES, NOT_EXPORTED

    return [
        (e.name, e.label) for e in ENTITIES.values() if not (exported and e.name in NOT_EXPORTED)
    ]


def import_field_choices(*, entity: str) -> list[tuple[str, object]]:
    """The fields a column of this entity's file can map to (required ones marked)."""
    from soloops.integrations.imports.kinds import ENTITIES

    spec = ENTITIES.get(entity)
    return (
        [(f.name, f"{f.label} *" if f.required else f.label) for f in spec.fields] if spec else []
    )


def import_option_choices() -> dict[str, list[tuple[str, object]]]:
    from soloops.integrations.imports.cleaning import DATE_FORMATS, DECIMALS
    from soloops.integrations.imports.readers import ENCODINGS

    return {
        "date_format": list(DATE_FORMATS.items()),
        "decimal": list(DECIMALS.items()),
        "encoding": [(e, e.upper()) for e in ENCODINGS],
    }


def import_rule_labels() -> dict[str, object]:
    from soloops.integrations.imports.cleaning import RULES

    return RULES


def export_file(*, entity: str, file_format: str):
    """(chunks of the file, its content type, a file name) for every row of ``entity``."""
    from django.utils import timezone

    from soloops.errors import InvalidInput
    from soloops.integrations.imports.exporting import EXPORT_FORMATS, export_chunks
    from soloops.integrations.imports.kinds import ENTITIES, EXPORT_ONLY, NOT_EXPORTED

    kinds = {k: e for k, e in ENTITIES.items() if k not in NOT_EXPORTED} | EXPORT_ONLY
    if entity not in kinds:
        raise InvalidInput("invalid_input", f"kind must be one of {', '.join(kinds)}", field="kind")
    if file_format not in EXPORT_FORMATS:
        raise InvalidInput(
            "invalid_input", f"format must be one of {', '.join(EXPORT_FORMATS)}", field="format"
        )
    name = f"{entity}-{timezone.localdate().isoformat()}.{file_format}"
    return export_chunks(kinds[entity], file_format), EXPORT_FORMATS[file_format], name
