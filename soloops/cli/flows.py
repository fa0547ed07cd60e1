"""``soloops flow validate|list|import|export|enable|disable|dry-run`` and
``soloops runs list|retry|skip|cancel``."""

import os
import sys

from .console import add_command, fail, read_file


def cmd_flow_validate(args) -> int:
    from soloops.automation.services import flow_validate
    from soloops.errors import InvalidInput

    try:
        document = flow_validate(source=read_file(args.file))
    except InvalidInput as e:
        # One line per problem, as compilers print them: FILE:LINE: PATH: MESSAGE.
        for p in e.extra.get("problems", []):
            where = f"{args.file}:{p['line']}" if p["line"] else args.file
            print(f"{where}: {p['path']}: {p['message']}", file=sys.stderr)
        count = len(e.extra.get("problems", []))
        return fail(f"{args.file} is not a valid flow ({count} problem{'s' * (count != 1)})")
    print(f"{args.file}: valid — {document['name']} ({len(document['steps'])} steps)")
    return 0


def cmd_flow_list(args) -> int:
    from soloops.automation.selectors import flows_list

    print(f"{'key':<32} {'on':<4} {'version':<8} {'trigger':<28} last run")
    for flow in flows_list():
        version = flow.published_version.number if flow.published_version else "-"
        trigger = flow.trigger_event or flow.trigger_kind
        print(
            f"{flow.key:<32} {'yes' if flow.enabled else 'no':<4} {version!s:<8} "
            f"{trigger:<28} {flow.last_run_status or '-'}"
        )
    return 0


def cmd_flow_import(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.automation.services import flow_import

    flow = flow_import(
        source=read_file(args.file), key=args.key, actor=Actor.system("soloops flow")
    )
    print(f"published {flow.key} version {flow.published_version.number}")
    return 0


def cmd_flow_export(args) -> int:
    from soloops.automation.selectors import flow_get, flow_version_get

    flow = flow_get(key=args.key)
    version = flow.published_version or flow_version_get(flow=flow)
    if args.format == "bpmn":
        from soloops.automation import bpmn

        sys.stdout.write(bpmn.write(version.document))
    else:
        sys.stdout.write(version.source)
    return 0


def cmd_flow_set_enabled(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.automation.selectors import flow_get
    from soloops.automation.services import flow_set_enabled

    enabled = args.flow_command == "enable"
    flow = flow_set_enabled(
        flow=flow_get(key=args.key), enabled=enabled, actor=Actor.system("soloops flow")
    )
    print(f"{flow.key}: {'on' if flow.enabled else 'off'}")
    return 0


def cmd_flow_dry_run(args) -> int:
    import json

    from soloops.accounts.actors import Actor
    from soloops.automation.flows.dryrun import dry_run
    from soloops.automation.selectors import event_get, flow_get, flow_version_get
    from soloops.automation.services import flow_validate

    if os.path.exists(args.flow):
        document = flow_validate(source=read_file(args.flow))
    else:
        document = flow_version_get(flow=flow_get(key=args.flow)).document
    report = dry_run(
        document=document, event=event_get(event_id=args.event), actor=Actor.system("dry run")
    )
    print(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    return 0


def cmd_run_action(args) -> int:
    from soloops.accounts.actors import Actor
    from soloops.automation import services
    from soloops.automation.selectors import run_get

    action = {
        "retry": services.flow_run_retry,
        "skip": services.flow_run_skip,
        "cancel": services.flow_run_cancel,
    }[args.action]
    run = action(run=run_get(run_id=args.id), actor=Actor.system(f"soloops runs {args.action}"))
    print(f"run {run.pk}: {run.status}")
    return 0


def cmd_runs_list(args) -> int:
    from soloops.automation.selectors import runs_list

    runs = runs_list(flow_key=args.flow, status=args.status)[: args.limit]
    print(f"{'id':>6}  {'flow':<32} {'status':<18} {'step':<10} error")
    for run in runs:
        print(
            f"{run.pk:>6}  {run.flow.key:<32} {run.status:<18} {run.cursor or '-':<10} "
            f"{run.error[:60]}"
        )
    return 0


def register(sub) -> None:
    _register_flow(sub)
    _register_runs(sub)


def _register_flow(sub) -> None:
    flow = add_command(
        sub, "flow", None, "Validate, import, export, switch and dry-run automation flows."
    )
    flow_sub = flow.add_subparsers(dest="flow_command", required=True, metavar="ACTION")
    fv = flow_sub.add_parser(
        "validate",
        help="Check a flow file; print each problem with its line.",
        description="Check a flow file (YAML, JSON or BPMN 2.0 XML) without saving it.",
    )
    fv.set_defaults(func=cmd_flow_validate)
    fv.add_argument("file")
    fl = flow_sub.add_parser("list", help="List flows.", description="List flows.")
    fl.set_defaults(func=cmd_flow_list)
    fi = flow_sub.add_parser(
        "import",
        help="Save and publish a flow file.",
        description="Save a flow file (YAML, JSON or BPMN 2.0 XML) as a version and publish it.",
    )
    fi.set_defaults(func=cmd_flow_import)
    fi.add_argument("file")
    fi.add_argument("--key", help="the flow's key (default: from its name)")
    fe = flow_sub.add_parser(
        "export",
        help="Print a flow's published document.",
        description="Print a flow's published document.",
    )
    fe.set_defaults(func=cmd_flow_export)
    fe.add_argument("key")
    fe.add_argument(
        "--format",
        choices=("yaml", "bpmn"),
        default="yaml",
        help="yaml (as saved) or bpmn (BPMN 2.0 XML with its diagram, for bpmn.io)",
    )
    for verb, what in (("enable", "Switch a flow on."), ("disable", "Switch a flow off.")):
        switch = flow_sub.add_parser(
            verb,
            help=what,
            description=f"{what} A flow that is off starts no runs (by event, schedule, webhook "
            "or hand); runs already started go on.",
        )
        switch.set_defaults(func=cmd_flow_set_enabled)
        switch.add_argument("key")
    fd = flow_sub.add_parser(
        "dry-run",
        help="Show what a flow would do with a past event.",
        description="Evaluate a flow (a key or a file) against a stored "
        "event: the path taken and each step's input. Changes nothing.",
    )
    fd.set_defaults(func=cmd_flow_dry_run)
    fd.add_argument("flow", help="a flow key, or a path to a flow file")
    fd.add_argument("event", type=int, help="the id of a stored event")


def _register_runs(sub) -> None:
    runs = add_command(sub, "runs", None, "List flow runs; retry, skip or cancel one.")
    runs_sub = runs.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    rl = runs_sub.add_parser("list", help="List runs.", description="List flow runs, newest first.")
    rl.set_defaults(func=cmd_runs_list)
    rl.add_argument("--flow", help="only this flow's runs")
    rl.add_argument("--status", help="only runs in this status (e.g. failed)")
    rl.add_argument("--limit", type=int, default=50)
    for name, text in (
        ("retry", "Run the failed step again."),
        ("skip", "Skip the failed or waiting step and go on."),
        ("cancel", "Stop the run and undo its compensable steps."),
    ):
        rp = runs_sub.add_parser(name, help=text, description=text)
        rp.set_defaults(func=cmd_run_action, action=name)
        rp.add_argument("id", type=int)
