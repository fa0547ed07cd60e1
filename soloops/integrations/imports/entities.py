"""What a kind of thing an import file holds is made of: its fields (and the header names that
mean them), its natural key, how a row is compared with what the shop has, and how it is
written — always through the owning app's services, which record the events. The kinds
themselves are in entities_catalog, entities_customers, entities_supply, entities_history
and entities_reports.

An empty cell means "keep what the shop has" (or the default, for a new row).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from soloops.accounts.actors import Actor
from soloops.integrations.imports.cleaning import CellError, Cleaner

INT_MAX = 2_147_483_647


@dataclass(frozen=True)
class Field:
    name: str
    label: object  # lazy translation
    kind: str = "text"  # text, email, decimal, integer, boolean, country, phone, tags
    required: bool = False
    synonyms: tuple[str, ...] = ()


@dataclass
class Entity:
    name: str
    label: object
    fields: list[Field]
    key: str
    # True: the runner hands a chunk's good rows to ``write_many`` at once (bulk INSERTs).
    batch: bool = False
    _fields: dict = field(init=False, repr=False)

    def __post_init__(self):
        self._fields = {f.name: f for f in self.fields}

    def field(self, name: str) -> Field:
        return self._fields[name]

    @property
    def key_fields(self) -> tuple[str, ...]:
        return (self.key,)

    def key_of(self, values: dict):
        """The row's natural key (a tuple for a key of two fields)."""
        return values[self.key]

    def identities(self, values: dict) -> list[tuple[str, object]]:
        """(field, key) pairs no two rows of one file may share; the field names the column
        an error points at. One natural key by default; customers have two (email, id)."""
        return [(self.key, self.key_of(values))]

    def is_new(self, obj) -> bool:
        return obj is None

    def complete(self, values: dict) -> dict:
        """Values the row implies (a key made from its content), after cleaning."""
        return values

    # Each entity below fills these in.
    def existing(self, keys: list) -> dict:
        """What the shop has for these keys, by key, in one or two queries."""
        raise NotImplementedError

    def changes(self, values: dict, obj) -> dict:
        raise NotImplementedError

    def current(self, obj) -> dict:
        raise NotImplementedError

    def check(self, values: dict, obj) -> list[tuple[str, str]]:
        """Rules across the row's fields: (field, message) for each broken one."""
        return []

    def write(self, values: dict, changes: dict, obj, actor: Actor) -> None:
        raise NotImplementedError

    def write_many(self, rows: list[tuple[dict, dict, object]], actor: Actor) -> None:
        """(values, changes, obj) of many good rows; only for ``batch`` entities."""
        raise NotImplementedError

    def export_queryset(self):
        """Every row the shop has of this kind, for an export."""
        raise NotImplementedError

    def export_row(self, obj) -> dict:
        """A row as the import reads it back: field name → value."""
        return self.current(obj)


def clean_cell(cleaner: Cleaner, spec: Field, value, row: dict):
    """The clean value of one cell (``None`` for an empty cell); raises ``CellError``."""
    kind = spec.kind
    if kind == "email":
        return cleaner.email(value) or None
    if kind == "decimal":
        number = cleaner.decimal_value(value)
        if number is not None and (number < 0 or number >= Decimal("1e10")):
            raise CellError(_("%(value)s is out of range") % {"value": repr(str(value))})
        return None if number is None else number.quantize(Decimal("0.01"))
    if kind == "integer":
        number = cleaner.integer(value)
        if number is not None and not 0 <= number <= INT_MAX:
            raise CellError(_("%(value)s is out of range") % {"value": repr(str(value))})
        return number
    if kind == "boolean":
        return cleaner.boolean(value)
    if kind == "country":
        return cleaner.country(value) or None
    if kind == "phone":
        return cleaner.phone(value, country=row.get("country") or "") or None
    if kind == "tags":
        return _tags(cleaner.text(value))
    if kind == "date":
        return cleaner.date_value(value)
    return cleaner.text(value) or None


def _tags(text: str) -> list[str] | None:
    from soloops.customers.services import TAG

    tags = sorted({t.strip().lower() for t in text.replace(";", ",").split(",") if t.strip()})
    for tag in tags:
        if not TAG.fullmatch(tag):
            raise CellError(
                _("%(value)s is not a tag (letters, digits, - and _)") % {"value": repr(tag)}
            )
    return tags or None
