"""Read an uploaded file into a header and numbered rows, streaming where the format allows.

Formats: CSV (delimiter and quoting sniffed), XLSX (openpyxl, read-only), JSON (an array of
objects) and NDJSON (one object a line). Text encodings: UTF-8, UTF-8 with BOM, GB18030 (a
superset of GBK, what Chinese Excel saves "CSV" as) — detected by a try-order, or given.
A row is ``(line, {header: value})``: the line an owner sees in a text editor or Excel.
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from soloops.errors import InvalidInput

FORMATS = ("csv", "xlsx", "json", "ndjson")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
SAMPLE_BYTES = 64 * 1024
XLSX_MAGIC = b"PK\x03\x04"


class FileError(InvalidInput):
    """The file as a whole cannot be read (not a row in it): empty, binary, wrong encoding."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(
            "invalid_file", message, field="file", extra={"line": line} if line else {}
        )


class RowError(Exception):
    """One row cannot be read (ragged CSV, a JSON line that is not an object)."""


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, dict | RowError]]


def guess_format(filename: str, head: bytes) -> str:
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix in {"jsonl", "ndjson"}:
        return "ndjson"
    if suffix == "json":
        return "json"
    if suffix in {"xlsx", "xlsm"}:
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        return "json"
    if stripped.startswith(b"{"):
        return "ndjson"
    return "csv"


def guess_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, else GB18030."""
    if b"\x00" in head:
        raise FileError(_("this is not a text file (it contains NUL bytes)"))
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as e:
        # A sample cut in the middle of a character is still UTF-8.
        if e.start >= len(head) - 3 and e.reason == "unexpected end of data":
            return "utf-8"
    try:
        head.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        raise FileError(
            _("the file's text encoding is not UTF-8 or GB18030/GBK; save it as UTF-8")
        ) from None


def open_table(path: Path, *, file_format: str, encoding: str = "") -> Table:
    if path.stat().st_size == 0:
        raise FileError(_("the file is empty"))
    if file_format == "xlsx":
        return _xlsx(path)
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
    encoding = encoding or guess_encoding(head)
    if file_format in {"json", "ndjson"}:
        return _json(path, encoding, ndjson=file_format == "ndjson")
    return _csv(path, encoding, head)


def _text(path: Path, encoding: str) -> io.TextIOWrapper:
    return path.open("r", encoding=encoding, newline="")


def _lines(path: Path, encoding: str) -> Iterator[str]:
    """The file's lines decoded one by one, so a line in another encoding is named by its
    number. Splitting the bytes on LF is safe: no UTF-8 or GB18030 multibyte sequence holds
    the byte 0x0A."""
    decoder = encoding
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                yield raw.decode(decoder)
            except UnicodeDecodeError:
                raise FileError(
                    _("line %(line)s is not %(encoding)s text; choose the file's encoding")
                    % {"line": number, "encoding": encoding},
                    line=number,
                ) from None
            decoder = "utf-8" if decoder == "utf-8-sig" else decoder


def _csv(path: Path, encoding: str, head: bytes) -> Table:
    sample = head.decode(encoding, errors="ignore")
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", ",;\t|").delimiter
    except csv.Error:
        delimiter = ","

    # Only the delimiter is sniffed (from the header line): quoting is Excel's, with "" inside
    # a quoted field for a quote, which the sniffer cannot tell from a header without quotes.
    class dialect(csv.excel):
        pass

    dialect.delimiter = delimiter
    reader = csv.reader(_lines(path, encoding), dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileError(_("the file is empty")) from None
    if not any(header):
        raise FileError(_("line 1 must name the columns"))

    def rows() -> Iterator[tuple[int, dict | RowError]]:
        line = reader.line_num + 1
        for values in reader:
            if not any(v.strip() for v in values):
                line = reader.line_num + 1
                continue
            if len(values) != len(header):
                yield (
                    line,
                    RowError(
                        _("%(got)s values, the header has %(want)s")
                        % {"got": len(values), "want": len(header)}
                    ),
                )
            else:
                yield line, dict(zip(header, values, strict=True))
            line = reader.line_num + 1

    return Table(header, rows())


def _json(path: Path, encoding: str, *, ndjson: bool) -> Table:
    if ndjson:
        objects = _ndjson_objects(path, encoding)
    else:
        try:
            with _text(path, encoding) as f:
                data = json.load(f)
        except UnicodeDecodeError:
            raise FileError(
                _("the file is not %(encoding)s text") % {"encoding": encoding}
            ) from None
        except json.JSONDecodeError as e:
            raise FileError(
                _("not valid JSON: %(error)s at line %(line)s, column %(column)s")
                % {"error": e.msg, "line": e.lineno, "column": e.colno},
                line=e.lineno,
            ) from None
        if not isinstance(data, list):
            raise FileError(_("a JSON file must hold an array of objects"))
        # Lines of a JSON array are not rows: number objects from 1 (the first is "line 1").
        objects = iter(enumerate(data, start=1))
    first = []
    header: list[str] = []
    for item in objects:
        first.append(item)
        if isinstance(item[1], dict):
            header += [k for k in item[1] if k not in header]
        if len(first) >= 100:
            break
    if not first:
        raise FileError(_("the file is empty"))

    def rows() -> Iterator[tuple[int, dict | RowError]]:
        for line, obj in [*first, *objects]:
            if isinstance(obj, (RowError, dict)):
                yield line, obj
            else:
                yield line, RowError(_("not a JSON object"))

    return Table([str(h) for h in header], rows())


def _ndjson_objects(path: Path, encoding: str) -> Iterator[tuple[int, dict | RowError]]:
    for line, text in enumerate(_lines(path, encoding), start=1):
        if not text.strip():
            continue
        try:
            yield line, json.loads(text)
        except json.JSONDecodeError as e:
            yield line, RowError(_("not valid JSON: %(error)s") % {"error": e.msg})


def _xlsx(path: Path) -> Table:
    import openpyxl

    # A file object: openpyxl judges a path by its extension, and uploads are kept as "source".
    f = path.open("rb")
    try:
        book = openpyxl.load_workbook(f, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a file that is not a workbook
        f.close()
        raise FileError(_("this is not an Excel (.xlsx) workbook")) from None
    sheet = book.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = ["" if v is None else str(v).strip() for v in next(values)]
    except StopIteration:
        header = []
    while header and not header[-1]:
        header.pop()
    if not any(header):
        book.close()
        f.close()
        raise FileError(_("row 1 must name the columns"))

    def rows() -> Iterator[tuple[int, dict | RowError]]:
        try:
            for line, cells in enumerate(values, start=2):
                cells = list(cells[: len(header)])
                if all(c is None or str(c).strip() == "" for c in cells):
                    continue
                cells += [None] * (len(header) - len(cells))
                yield line, dict(zip(header, cells, strict=True))
        finally:
            book.close()
            f.close()

    return Table(header, rows())
