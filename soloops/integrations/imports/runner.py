"""Check, and optionally write, every row of a table: one pass, in chunks.

Each chunk's rows are cleaned, their keys looked up in one query, and each row is sorted into
create / update / unchanged, or rejected with its line, column and reason. Writing happens
in the caller's transaction: all-or-nothing stops writing at the first bad row (and the caller
rolls back), "skip bad rows" writes each good row in its own savepoint, so a row a service
refuses rolls back alone and is rejected like a row that failed cleaning. A ``batch`` entity
(products, customers, past orders) writes a chunk's good rows in one savepoint; if a service
refuses that, the chunk is written again row by row to find and reject the row at fault.
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor
from soloops.errors import ApplicationError
from soloops.integrations.imports.cleaning import CellError, Cleaner
from soloops.integrations.imports.entities import Entity, clean_cell
from soloops.integrations.imports.exporting import formula_safe
from soloops.integrations.imports.readers import RowError, Table

CHUNK = 500
ERRORS_KEPT = 1000


@dataclass
class RowProblem:
    line: int
    column: str  # the file's column name ("单价"), or "" for the whole row
    message: str

    def __str__(self) -> str:
        where = _("line %(line)s") % {"line": self.line}
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "text": str(self),
        }


@dataclass
class Outcome:
    create: int = 0
    update: int = 0
    unchanged: int = 0
    rejected: int = 0
    rows: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    rules: dict = field(default_factory=dict)

    @property
    def bad(self) -> bool:
        return self.rejected > 0

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "create": self.create,
            "update": self.update,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "rules": self.rules,
            "errors": [e.as_dict() for e in self.errors],
            "errors_shown": len(self.errors),
        }


@dataclass
class Run:
    """What to do with a table: which entity, which columns mean which fields, and how."""

    table: Table
    entity: Entity
    columns: dict[str, str]  # source column → field
    cleaner: Cleaner
    write: bool = False
    skip_bad_rows: bool = False
    actor: Actor | None = None
    rejected_path: Path | None = None
    progress: Callable[[int], None] = lambda rows: None
    outcome: Outcome = field(default_factory=Outcome)
    _seen: dict = field(default_factory=dict)
    _pending: list = field(default_factory=list)
    _rejects: object = None

    def go(self) -> Outcome:
        """Precondition when writing: the caller holds a transaction (and rolls it back when
        ``outcome.bad`` and not ``skip_bad_rows``)."""
        rejects_file = None
        if self.rejected_path is not None:
            self.rejected_path.parent.mkdir(parents=True, exist_ok=True)
            rejects_file = self.rejected_path.open("w", encoding="utf-8-sig", newline="")
            self._rejects = csv.writer(rejects_file)
            self._rejects.writerow([_("line"), *self.table.header, _("reason")])
        try:
            chunk = []
            for line, row in self.table.rows:
                chunk.append((line, row))
                if len(chunk) >= CHUNK:
                    self._chunk(chunk)
                    chunk = []
            if chunk:
                self._chunk(chunk)
        finally:
            if rejects_file:
                rejects_file.close()
        self.outcome.rules = self.cleaner.report()
        return self.outcome

    # --- one chunk ----------------------------------------------------------------------
    def _chunk(self, chunk: list) -> None:
        cleaned = [(line, row, *self._clean(line, row)) for line, row in chunk]
        keys = [self.entity.key_of(values) for _l, _r, values, problems in cleaned if not problems]
        existing = self.entity.existing(keys) if keys else {}
        for line, row, values, problems in cleaned:
            self.outcome.rows += 1
            if not problems:
                problems = self._classify_and_write(line, row, values, existing)
            if problems:
                self._reject(line, row, problems)
        self._flush()
        self.progress(self.outcome.rows)

    def _clean(self, line: int, row: dict | RowError) -> tuple[dict, list[RowProblem]]:
        if isinstance(row, RowError):
            return {}, [RowProblem(line, "", str(row))]
        values, problems, source_of = {}, [], {}
        for column, name in self._mapped_in_field_order():
            source_of[name] = column
            try:
                value = clean_cell(self.cleaner, self.entity.field(name), row.get(column), values)
            except CellError as e:
                problems.append(RowProblem(line, column, str(e)))
                continue
            if value is not None:
                values[name] = value
        if not problems:
            values = self.entity.complete(values)
        if not problems:
            required = [f.name for f in self.entity.fields if f.required]
            for name in dict.fromkeys([*required, *self.entity.key_fields]):
                if values.get(name) is None and (name in required or not problems):
                    column = source_of.get(name, name)
                    problems.append(RowProblem(line, column, _("must not be empty")))
        for name, key in self.entity.identities(values) if not problems else ():
            first = self._seen.setdefault((name, key), line)
            if first != line:
                problems.append(
                    RowProblem(
                        line,
                        source_of[name],
                        _("%(value)s is also on line %(first)s")
                        % {"value": repr(values[name]), "first": first},
                    )
                )
                break
        values["_source"] = source_of
        return values, problems

    def _mapped_in_field_order(self) -> list[tuple[str, str]]:
        by_field = {name: column for column, name in self.columns.items() if name}
        return [(by_field[f.name], f.name) for f in self.entity.fields if f.name in by_field]

    def _classify_and_write(self, line: int, row, values: dict, existing: dict) -> list:
        source_of = values.pop("_source")
        obj = existing.get(self.entity.key_of(values))
        broken = self.entity.check(values, obj)
        if broken:
            return [RowProblem(line, source_of.get(f, f), message) for f, message in broken]
        changes = self.entity.changes(values, obj)
        if self.write and changes and not (self.outcome.bad and not self.skip_bad_rows):
            if self.entity.batch:
                self._pending.append((line, row, values, changes, obj, source_of))
                return self._count(obj, changes)
            try:
                with transaction.atomic():
                    self.entity.write(values, changes, obj, self.actor)
            except ApplicationError as e:
                name = (e.field or "").split(".")[-1]
                return [RowProblem(line, source_of.get(name, name), e.message)]
        return self._count(obj, changes)

    def _count(self, obj, changes, by: int = 1) -> list:
        if self.entity.is_new(obj):
            self.outcome.create += by
        elif changes:
            self.outcome.update += by
        else:
            self.outcome.unchanged += by
        return []

    def _flush(self) -> None:
        """Write the chunk's good rows of a batch entity in one go; if that is refused, row by
        row, each in its savepoint, to find and reject the row at fault."""
        pending, self._pending = self._pending, []
        if not pending or (self.outcome.bad and not self.skip_bad_rows):
            return
        try:
            with transaction.atomic():
                self.entity.write_many([(p[2], p[3], p[4]) for p in pending], self.actor)
            return
        except ApplicationError:
            pass
        for line, row, values, changes, obj, source_of in pending:
            try:
                with transaction.atomic():
                    self.entity.write(values, changes, obj, self.actor)
            except ApplicationError as e:
                self._count(obj, changes, by=-1)
                name = (e.field or "").split(".")[-1]
                self._reject(line, row, [RowProblem(line, source_of.get(name, name), e.message)])

    def _reject(self, line: int, row, problems: list[RowProblem]) -> None:
        self.outcome.rejected += 1
        room = ERRORS_KEPT - len(self.outcome.errors)
        self.outcome.errors.extend(problems[: max(room, 0)])
        if self._rejects is not None:
            cells = [row.get(h, "") for h in self.table.header] if isinstance(row, dict) else []
            cells += [""] * (len(self.table.header) - len(cells))
            reason = "; ".join(
                f"{p.column}: {p.message}" if p.column else p.message for p in problems
            )
            self._rejects.writerow(
                [line, *[formula_safe("" if c is None else str(c)) for c in cells], reason]
            )
