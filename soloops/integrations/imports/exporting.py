"""Export every row of a kind as CSV, XLSX, JSON or NDJSON, streamed in chunks, in the shape
the import reads back (the field names as the header), so export → import changes nothing.

Cells that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+``, ``-``, ``@``) are
written with a leading apostrophe in CSV and as text in XLSX; the import takes the apostrophe
off again (the ``formula_unescape`` cleaning rule).
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from soloops.integrations.imports.entities import Entity

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "ndjson": "application/x-ndjson",
}
CHUNK = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def formula_safe(text: str) -> str:
    """Text a spreadsheet shows as typed: a formula-like start gets an apostrophe."""
    if text.startswith(FORMULA_START) and not NUMBER.fullmatch(text):
        return "'" + text
    return text


def _json_value(value):
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def rows_of(entity: Entity) -> Iterator[dict]:
    for obj in entity.export_queryset().iterator(chunk_size=CHUNK):
        yield entity.export_row(obj)


def export_chunks(entity: Entity, file_format: str) -> Iterator[bytes]:
    """The file, in pieces small enough to stream."""
    header = [f.name for f in entity.fields]
    if file_format == "csv":
        yield from _csv(entity, header)
    elif file_format == "xlsx":
        yield _xlsx(entity, header)
    elif file_format == "json":
        yield b"["
        for i, row in enumerate(rows_of(entity)):
            item = {k: _json_value(row.get(k)) for k in header}
            yield (b",\n" if i else b"\n") + json.dumps(item, ensure_ascii=False).encode()
        yield b"\n]\n"
    else:
        for row in rows_of(entity):
            item = {k: _json_value(row.get(k)) for k in header}
            yield json.dumps(item, ensure_ascii=False).encode() + b"\n"


def _csv(entity: Entity, header: list[str]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield b"\xef\xbb\xbf" + buffer.getvalue().encode()  # a BOM: Excel then reads UTF-8
    for row in rows_of(entity):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([formula_safe(_text(row.get(k))) for k in header])
        yield buffer.getvalue().encode()


def _xlsx(entity: Entity, header: list[str]) -> bytes:
    """A workbook is a zip: it is built whole (write-only mode keeps memory to one row)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(entity.name)
    sheet.append(header)
    for row in rows_of(entity):
        cells = []
        for k in header:
            value = row.get(k)
            if isinstance(value, list):
                value = ", ".join(value)
            if isinstance(value, Decimal):
                value = str(value)
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
