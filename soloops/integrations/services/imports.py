"""Every write of an import: upload a file, map its columns (and save the mapping), start a
dry run or the import, and execute it (the task's body, also the CLI's).

The import itself writes through the owning apps' services, inside one transaction with its
``import.completed`` event: all-or-nothing rolls the whole file back when a row is bad;
"skip bad rows" keeps the good rows and writes the rejected ones to a CSV with a reason column.
A dry run writes nothing but the job's report.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor, ActorKind
from soloops.accounts.permissions import may
from soloops.errors import ApplicationError, Conflict, InvalidInput, PermissionDenied
from soloops.events.services import event_emit
from soloops.integrations.imports import mapping as header_mapping
from soloops.integrations.imports.cleaning import DATE_FORMATS, DECIMALS, Cleaner
from soloops.integrations.imports.entities import Entity
from soloops.integrations.imports.kinds import ENTITIES, OWNER_ACTION
from soloops.integrations.imports.readers import ENCODINGS, FileError, guess_format, open_table
from soloops.integrations.imports.runner import Outcome, Run
from soloops.integrations.models.imports import ImportJob, ImportMapping, ImportStatus

PROGRESS_KEY = "soloops:import-progress:{}"
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


def _check_may(actor: Actor, entity: str) -> None:
    """Suppliers and their costs are the owner's to change, whichever way they come in."""
    action = OWNER_ACTION.get(entity)
    if action and not may(actor, action):
        raise PermissionDenied(
            "owner_only",
            _("only the shop owner may import %(kind)s") % {"kind": entity},
            field="entity",
        )


def _actor_json(actor: Actor) -> dict:
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


def _check_columns(columns: dict, header: list[str], entity: Entity) -> dict:
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
    _check_may(actor, entity)
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
        actor=_actor_json(actor),
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
    _check_ready(job)
    spec = entity_get(job.entity)
    job.columns = _check_columns(columns, job.header, spec)
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


def _check_ready(job: ImportJob) -> None:
    if job.running or job.status == ImportStatus.IMPORTED:
        raise Conflict(
            "import_not_ready", _("this import is running or already done"), field="status"
        )


def import_start(*, job: ImportJob, dry_run: bool, skip_bad_rows: bool, actor: Actor) -> ImportJob:
    """Queue a dry run (``dry_run``) or the import on the worker; the page polls the job."""
    from soloops.integrations.import_tasks import import_run_task

    _check_ready(job)
    _check_may(actor, job.entity)
    _check_columns(job.columns, job.header, entity_get(job.entity))
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _check_ready(job)
        job.status = ImportStatus.PREVIEWING if dry_run else ImportStatus.IMPORTING
        job.skip_bad_rows = skip_bad_rows
        job.rows_done = 0
        job.actor = _actor_json(actor)
        job.save(update_fields=["status", "skip_bad_rows", "rows_done", "actor", "updated_at"])
        cache.delete(PROGRESS_KEY.format(job.pk))
        job_id = str(job.pk)
        transaction.on_commit(lambda: import_run_task.enqueue(job_id, dry_run))
    return job


def import_progress(job: ImportJob) -> int:
    """Rows read so far by the running task (live, from the shared cache)."""
    return cache.get(PROGRESS_KEY.format(job.pk), job.rows_done)


def import_execute(*, job_id, dry_run: bool, progress=None) -> ImportJob:
    """Read the whole file: count, check, and (unless ``dry_run``) write. The task's body;
    the CLI calls it directly. Never raises for bad input: the job records what went wrong."""
    job = ImportJob.objects.get(pk=job_id)
    with translation.override((job.actor or {}).get("language") or settings.LANGUAGE_CODE):
        return _execute(job, dry_run=dry_run, progress=progress)


def _execute(job: ImportJob, *, dry_run: bool, progress) -> ImportJob:
    actor = job_actor(job)
    key = PROGRESS_KEY.format(job.pk)

    def tick(rows: int) -> None:
        cache.set(key, rows, 3600)
        if progress:
            progress(rows)

    options = job.options or {}
    try:
        table = open_table(
            settings.VAR_DIR / job.stored_path,
            file_format=job.file_format,
            encoding=options.get("encoding", ""),
        )
        run = Run(
            table=table,
            entity=entity_get(job.entity),
            columns=job.columns,
            cleaner=Cleaner(
                date_format=options.get("date_format", "auto"),
                decimal=options.get("decimal", "auto"),
                region=options.get("region", ""),
            ),
            write=not dry_run,
            skip_bad_rows=job.skip_bad_rows,
            actor=actor,
            rejected_path=None if dry_run else rejected_path(job),
            progress=tick,
        )
        if dry_run:
            outcome = run.go()
            return _finish(job, outcome, ImportStatus.PREVIEWED, dry_run=True)
        return _write(job, run, actor)
    except ApplicationError as e:
        return _fail(job, e.message, actor, dry_run=dry_run)


def _write(job: ImportJob, run: Run, actor: Actor) -> ImportJob:
    with transaction.atomic():
        outcome = run.go()
        if outcome.bad and not job.skip_bad_rows:
            transaction.set_rollback(True)
        else:
            job = _finish(job, outcome, ImportStatus.IMPORTED, dry_run=False)
            event_emit(
                type="import.completed",
                subject=job,
                payload={
                    "entity": job.entity,
                    "filename": job.filename,
                    "create": outcome.create,
                    "update": outcome.update,
                    "unchanged": outcome.unchanged,
                    "rejected": outcome.rejected,
                },
                actor=actor,
            )
            return job
    reason = _("%(n)s bad rows; nothing was imported") % {"n": outcome.rejected}
    rejected_path(job).unlink(missing_ok=True)
    return _fail(job, reason, actor, outcome=outcome, dry_run=False)


def _finish(job: ImportJob, outcome: Outcome, status: str, *, dry_run: bool) -> ImportJob:
    job.status = status
    job.rows_done = outcome.rows
    job.rows_total = outcome.rows
    job.report = {
        **outcome.as_dict(),
        "dry_run": dry_run,
        "has_rejected_file": not dry_run and outcome.rejected > 0,
    }
    job.error = ""
    job.save(update_fields=["status", "rows_done", "rows_total", "report", "error", "updated_at"])
    return job


def _fail(
    job: ImportJob, reason: str, actor: Actor, *, outcome: Outcome | None = None, dry_run: bool
) -> ImportJob:
    with transaction.atomic():
        job.status = ImportStatus.FAILED
        if outcome is not None:
            job.rows_done = outcome.rows
            job.report = {**outcome.as_dict(), "dry_run": dry_run, "has_rejected_file": False}
        job.error = reason
        job.save(update_fields=["status", "rows_done", "report", "error", "updated_at"])
        if not dry_run:
            event_emit(
                type="import.failed",
                subject=job,
                payload={"entity": job.entity, "filename": job.filename, "reason": reason},
                actor=actor,
            )
    return job


def import_run_now(
    *, job: ImportJob, dry_run: bool, skip_bad_rows: bool, actor: Actor, progress=None
) -> ImportJob:
    """Run the dry run or the import in this process (the CLI), with the same checks as
    ``import_start``; ``progress(rows)`` is called after each chunk."""
    _check_ready(job)
    _check_may(actor, job.entity)
    _check_columns(job.columns, job.header, entity_get(job.entity))
    job.status = ImportStatus.PREVIEWING if dry_run else ImportStatus.IMPORTING
    job.skip_bad_rows = skip_bad_rows
    job.actor = _actor_json(actor)
    job.save(update_fields=["status", "skip_bad_rows", "actor", "updated_at"])
    return import_execute(job_id=job.pk, dry_run=dry_run, progress=progress)
