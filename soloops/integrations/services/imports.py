"""Every write of an import before it runs: upload a file, map its columns (and save the
mapping); the checks the runs share. Starting and executing a dry run or an import is in
``import_runs``.

The import itself writes through the owning apps' services, inside one transaction with its
``import.completed`` event: all-or-nothing rolls the whole file back when a row is bad;
"skip bad rows" keeps the good rows and writes the rejected ones to a CSV with a reason column.
A dry run writes nothing but the job's report.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor, ActorKind
from soloops.accounts.permissions import may
from soloops.errors import ApplicationError, Conflict, InvalidInput, PermissionDenied
from soloops.integrations.imports import mapping as header_mapping
from soloops.integrations.imports.cleaning import DATE_FORMATS, DECIMALS
from soloops.integrations.imports.entities import Entity
from soloops.integrations.imports.kinds import ENTITIES, OWNER_ACTION
from soloops.integrations.imports.readers import ENCODINGS, FileError, guess_format, open_table
from soloops.integrations.models.imports import ImportJob, ImportMapping, ImportStatus

OPTION_CHOICES = {"date_format": DATE_FORMATS, "decimal": DECIMALS}


def import_dir(job: ImportJob) -> Path:
    return settings.VAR_DIR / "imports" / str(job.pk)


def rejected_path(job: ImportJob) -> Path:
    return import_dir(job) / "rejected.csv"


def entity_get(name: str) -> Entity:
    if name not in ENTITIES:
        raise InvalidInput(
            "invalid_input",
            _("kind must be one of %(kinds)s") % {"kinds": ", ".join(ENTITIES)},
            field="entity",
        )
    return ENTITIES[name]


def check_may(actor: Actor, entity: str) -> None:
    """Suppliers and their costs are the owner's to change, whichever way they come in."""
    action = OWNER_ACTION.get(entity)
    if action and not may(actor, action):
        raise PermissionDenied(
            "owner_only",
            _("only the shop owner may import %(kind)s") % {"kind": entity},
            field="entity",
        )


def actor_json(actor: Actor) -> dict:
    # The language the owner reads: the task writes the report's messages in it.
    return {
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "kind": str(actor.kind),
        "id": actor.id,
        "label": actor.label,
        "user_id": actor.user_id,
        "role": actor.role,
    }


def job_actor(job: ImportJob) -> Actor:
    a = job.actor or {}
    if not a:
        return Actor.system("import")
    return Actor(
        kind=ActorKind(a["kind"]),
        id=a.get("id", ""),
        label=a.get("label", ""),
        user_id=a.get("user_id"),
        role=a.get("role", ""),
        scopes=frozenset({"read", "write"}),
    )


def _check_options(options: dict) -> dict:
    clean = {}
    for name, value in (options or {}).items():
        if name == "encoding":
            if value and value not in ENCODINGS:
                raise InvalidInput(
                    "invalid_input",
                    _("encoding must be one of %(c)s") % {"c": ", ".join(ENCODINGS)},
                    field="encoding",
                )
        elif name == "region":
            value = str(value or "").upper()[:2]
        elif name in OPTION_CHOICES:
            if value not in OPTION_CHOICES[name]:
                raise InvalidInput(
                    "invalid_input",
                    _("%(name)s must be one of %(c)s")
                    % {"name": name, "c": ", ".join(OPTION_CHOICES[name])},
                    field=name,
                )
        else:
            raise InvalidInput(
                "invalid_input", _("unknown option %(name)s") % {"name": name}, field=name
            )
        clean[name] = value
    return clean


def check_columns(columns: dict, header: list[str], entity: Entity) -> dict:
    names = {f.name for f in entity.fields}
    used = {}
    for column, field in columns.items():
        if not field:
            continue
        if column not in header:
            raise InvalidInput(
                "invalid_mapping",
                _("the file has no column %(c)s") % {"c": repr(column)},
                field="columns",
            )
        if field not in names:
            raise InvalidInput(
                "invalid_mapping",
                _("%(f)s is not a field of %(k)s") % {"f": repr(field), "k": entity.name},
                field="columns",
            )
        if field in used:
            raise InvalidInput(
                "invalid_mapping",
                _("%(a)s and %(b)s both map to %(f)s")
                % {"a": repr(used[field]), "b": repr(column), "f": field},
                field="columns",
            )
        used[field] = column
    missing = header_mapping.missing_required({c: f for c, f in columns.items() if f}, entity)
    if missing:
        raise InvalidInput(
            "invalid_mapping",
            _("no column is mapped to %(f)s") % {"f": ", ".join(missing)},
            field="columns",
        )
    return {c: f for c, f in columns.items() if f}


def _count_rows(path: Path, file_format: str) -> int:
    """An estimate of the rows, for the progress bar (lines of text; the sheet's size)."""
    if file_format == "xlsx":
        import openpyxl

        with path.open("rb") as f:
            book = openpyxl.load_workbook(f, read_only=True)
            try:
                return max((book.worksheets[0].max_row or 1) - 1, 0)
            finally:
                book.close()
    lines = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - (1 if file_format == "csv" else 0), 0)


def import_upload(
    *,
    entity: str,
    filename: str,
    source,  # a binary file object
    actor: Actor,
    mapping: str = "",
    options: dict | None = None,
) -> ImportJob:
    """Store the file, read its header and match it to the entity's fields (from the named
    mapping if given). Refuses a file that is empty, too large, binary or unreadable."""
    spec = entity_get(entity)
    check_may(actor, entity)
    options = _check_options(options or {})
    saved = None
    if mapping:
        saved = ImportMapping.objects.filter(entity=entity, name=mapping).first()
        if saved is None:
            raise InvalidInput(
                "invalid_mapping",
                _("no saved mapping %(n)s") % {"n": repr(mapping)},
                field="mapping",
            )
        options = {**saved.options, **options}
    job = ImportJob(
        entity=entity,
        filename=Path(filename or "upload").name[:255],
        actor=actor_json(actor),
        options=options,
    )
    folder = import_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / "source"
    limit = settings.SOLOOPS_IMPORT_MAX_BYTES
    try:
        with stored.open("wb") as out:
            copied = 0
            while block := source.read(1 << 20):
                copied += len(block)
                if copied > limit:
                    raise FileError(_("the file is larger than %(mb)s MB") % {"mb": limit // 2**20})
                out.write(block)
        with stored.open("rb") as f:
            head = f.read(8)
        job.file_format = guess_format(job.filename, head)
        table = open_table(
            stored, file_format=job.file_format, encoding=options.get("encoding", "")
        )
        job.header = table.header
        job.rows_total = _count_rows(stored, job.file_format)
    except ApplicationError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    job.stored_path = str(stored.relative_to(settings.VAR_DIR))
    if saved:
        job.columns = {c: f for c, f in saved.columns.items() if c in job.header}
    else:
        job.columns = header_mapping.suggest(job.header, spec)
    job.save()
    return job


def import_map(
    *, job: ImportJob, columns: dict, options: dict, actor: Actor, save_as: str = ""
) -> ImportJob:
    """Set which column means which field (and the file's options); ``save_as`` names the
    mapping for the next file of this shape (an existing name is overwritten)."""
    check_ready(job)
    spec = entity_get(job.entity)
    job.columns = check_columns(columns, job.header, spec)
    job.options = _check_options(options)
    with transaction.atomic():
        job.save(update_fields=["columns", "options", "updated_at"])
        if save_as.strip():
            import_mapping_save(
                name=save_as,
                entity=job.entity,
                columns=job.columns,
                options=job.options,
                actor=actor,
            )
    return job


def import_mapping_save(
    *, name: str, entity: str, columns: dict, options: dict, actor: Actor
) -> ImportMapping:
    name = " ".join(name.split())[:100]
    if not name:
        raise InvalidInput("invalid_input", _("a mapping needs a name"), field="name")
    entity_get(entity)
    saved, _created = ImportMapping.objects.update_or_create(
        entity=entity, name=name, defaults={"columns": columns, "options": _check_options(options)}
    )
    return saved


def check_ready(job: ImportJob) -> None:
    if job.running or job.status == ImportStatus.IMPORTED:
        raise Conflict(
            "import_not_ready", _("this import is running or already done"), field="status"
        )
