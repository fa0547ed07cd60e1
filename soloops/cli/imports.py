"""``soloops import KIND FILE``: check (``--dry-run``) or import a file, with a progress bar
on stderr and the report on stdout. Exits 1 when rows are bad (and nothing was written, unless
``--skip-bad-rows``) or the file cannot be read."""

import sys

from .console import add_command


def _bar(total: int):
    def show(rows: int) -> None:
        width = 30
        done = min(width, width * rows // total) if total else width
        print(
            f"\r[{'#' * done}{'.' * (width - done)}] {rows}/{total or '?'} rows",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return show


def cmd_import(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.integrations.services import import_runs
    from soloops.integrations.services import imports as services

    actor = Actor.system("soloops import")
    options = {
        name: value
        for name, value in (
            ("encoding", args.encoding),
            ("date_format", args.date_format),
            ("decimal", args.decimal),
            ("region", args.region),
        )
        if value
    }
    try:
        source = open(args.file, "rb")  # noqa: SIM115 (closed below)
    except OSError as e:
        raise SystemExit(f"soloops: error: cannot read {args.file}: {e.strerror}") from None
    with source:
        job = services.import_upload(
            entity=args.kind,
            filename=args.file,
            source=source,
            mapping=args.mapping or "",
            options=options,
            actor=actor,
        )
    print(f"columns: {', '.join(f'{c} → {f}' for c, f in job.columns.items())}")
    job = import_runs.import_run_now(
        job=job,
        dry_run=args.dry_run,
        skip_bad_rows=args.skip_bad_rows,
        actor=actor,
        progress=_bar(job.rows_total),
    )
    print(file=sys.stderr)
    return _report(job, args)


def _report(job, args) -> int:
    report = job.report or {}
    what = "would create" if args.dry_run else "created"
    print(
        f"{report.get('rows', 0)} rows: {what} {report.get('create', 0)}, "
        f"update {report.get('update', 0)}, unchanged {report.get('unchanged', 0)}, "
        f"bad {report.get('rejected', 0)}"
    )
    for rule, count in (report.get("rules") or {}).items():
        print(f"cleaned: {rule} ({count})")
    for error in report.get("errors") or []:
        print(error["text"])
    if job.error:
        print(f"soloops: error: {job.error}", file=sys.stderr)
        return 1
    if report.get("has_rejected_file"):
        from soloops.integrations.services.imports import rejected_path

        print(f"rejected rows: {rejected_path(job)}")
    return 1 if report.get("rejected") and args.dry_run else 0


def register(sub) -> None:
    p = add_command(
        sub,
        "import",
        cmd_import,
        "Import products, customers, stock counts, suppliers or supplier items from a file "
        "(CSV, XLSX, JSON or NDJSON).",
    )
    p.add_argument(
        "kind",
        choices=["products", "customers", "stock", "suppliers", "supplier_items", "orders"],
        help="what the file holds (orders: past orders, kept as history)",
    )
    p.add_argument("file", help="the file (format and encoding are detected)")
    p.add_argument("--mapping", help="a column mapping saved in the console or the API")
    p.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    p.add_argument(
        "--skip-bad-rows",
        action="store_true",
        help="import the good rows (default: nothing if any row is bad)",
    )
    p.add_argument("--encoding", choices=["utf-8", "utf-8-sig", "gb18030"])
    p.add_argument("--date-format", choices=["auto", "dmy", "mdy"])
    p.add_argument("--decimal", choices=["auto", ".", ","])
    p.add_argument("--region", help="country of phone numbers written without +, e.g. GB")


def cmd_export(args) -> int:
    from soloops.integrations.selectors.imports import export_file

    chunks, _type, name = export_file(entity=args.kind, file_format=args.format)
    if args.output == "-":
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        return 0
    path = args.output or name
    with open(path, "wb") as out:
        for chunk in chunks:
            out.write(chunk)
    print(path)
    return 0


def register_export(sub) -> None:
    p = add_command(sub, "export", cmd_export,
                    "Export products, customers, stock, suppliers or supplier items to a file "
                    "that re-imports to the same data.")  # fmt: skip
    p.add_argument(
        "kind", choices=["products", "customers", "stock", "suppliers", "supplier_items"]
    )
    p.add_argument("--format", default="csv", choices=["csv", "xlsx", "json", "ndjson"])
    p.add_argument("--output", help="the file to write (default: KIND-DATE.FORMAT; - for stdout)")
