"""Match a file's header to an entity's fields by name and common synonyms (English and
Chinese), so "货号", "SKU" and "Item code" all land on ``sku``."""

import re

from soloops.integrations.imports.entities import Entity

# Full-width colon and brackets too, as Chinese spreadsheets write them.
_WORD = re.compile(r"[\s_\-./:\uff1a()\uff08\uff09\[\]]+")


def normal(header: str) -> str:
    """Case, spaces, punctuation and brackets do not matter: "Weight (g)" == "weight_g"."""
    return _WORD.sub("", header.casefold())


def suggest(header: list[str], entity: Entity) -> dict[str, str]:
    """{source column: field} for every column that names a field (each field once)."""
    names = {}
    for field in entity.fields:
        for synonym in (field.name, *field.synonyms):
            names.setdefault(normal(synonym), field.name)
    columns, taken = {}, set()
    for column in header:
        field = names.get(normal(column))
        if field and field not in taken:
            columns[column] = field
            taken.add(field)
    return columns


def missing_required(columns: dict[str, str], entity: Entity) -> list[str]:
    mapped = set(columns.values())
    return [f.name for f in entity.fields if f.required and f.name not in mapped]
