"""Writing flows: save a version (validated), publish it, switch a flow on or off, install
the default flows. A version is immutable; runs in flight finish on the version they started
on, and new runs start on whatever is published when they start."""

import hashlib
import json
import secrets
from pathlib import Path

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from soloops.accounts.actors import Actor
from soloops.automation import bpmn
from soloops.automation.engine.trigger_index import flows_stamp_bump
from soloops.automation.flows import document as doc
from soloops.automation.flows.actions import available
from soloops.automation.models import Flow, FlowVersion, Schedule, TriggerKind
from soloops.errors import Conflict, InvalidInput
from soloops.events.services import event_emit

from .schedules import schedule_upsert

DEFAULT_FLOWS_DIR = Path(__file__).resolve().parent.parent / "default_flows"
# Shipped flows that mail customers for marketing (drip-*.yaml) are installed switched off:
# the owner decides to send them, after reading (and editing) their texts.
OFF_BY_DEFAULT_PREFIX = "drip-"


def flow_validate(*, source: str, format: str = "auto") -> dict:
    """The parsed document, or InvalidInput listing every problem with its path and line.
    A BPMN process (``format`` bpmn, or auto and the source is XML) is checked as the flow
    document it translates to, each problem at its element's line."""
    return _validated(source, format)[1]


def _validated(source: str, format: str = "auto") -> tuple[str, dict]:
    """The flow source to keep (a BPMN process becomes its YAML) and its document."""
    origins = None
    if format == "bpmn" or (format == "auto" and bpmn.is_bpmn(source)):
        try:
            source, origins = bpmn.to_flow_source(source)
        except bpmn.InvalidBpmn as e:
            raise _invalid(
                [doc.Problem(p.element_id, p.described, p.line) for p in e.problems]
            ) from None
    try:
        return source, doc.validate(source, available())
    except doc.InvalidFlow as e:
        problems = e.problems if origins is None else bpmn.locate(e.problems, origins)
        raise _invalid(problems) from None


def _invalid(problems: list) -> InvalidInput:
    return InvalidInput(
        "invalid_flow",
        "; ".join(str(p) for p in problems),
        field=problems[0].path,
        extra={
            "problems": [{"path": p.path, "message": p.message, "line": p.line} for p in problems]
        },
    )


def flow_save(
    *, source: str, actor: Actor, key: str | None = None, format: str = "auto"
) -> FlowVersion:
    """Save ``source`` as the next version of the flow ``key`` (created if new)."""
    source, document = _validated(source, format)
    key = key or slugify(document["name"])[:100]
    if not key:
        raise InvalidInput("invalid_flow", "the flow needs a name", field="name")
    with transaction.atomic():
        flow, created = Flow.objects.select_for_update().get_or_create(
            key=key, defaults={"name": document["name"]}
        )
        number = (flow.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = FlowVersion.objects.create(
            flow=flow, number=number, source=source, document=document, created_by=actor.label
        )
        if flow.name != document["name"]:
            flow.name = document["name"]
            flow.save(update_fields=["name", "updated_at"])
        flows_stamp_bump()  # a new wait_for type may be waited for from now on
        event_emit(
            type="flow.saved",
            subject=flow,
            payload={"key": key, "version": number, "created": created},
            actor=actor,
        )
    return version


def flow_publish(*, version: FlowVersion, actor: Actor) -> Flow:
    """Make ``version`` the one new runs start on. Runs in flight keep their own version."""
    with transaction.atomic():
        flow = Flow.objects.select_for_update().get(pk=version.flow_id)
        if version.flow_id != flow.pk:
            raise Conflict("wrong_flow", "that version belongs to another flow")
        trigger = version.document["trigger"]
        kind = next(k for k in ("event", "schedule", "manual", "webhook") if k in trigger)
        flow.published_version = version
        flow.trigger_kind = kind
        flow.trigger_event = trigger.get("event", "")
        if kind == TriggerKind.WEBHOOK and not flow.webhook_secret:
            flow.webhook_secret = secrets.token_urlsafe(24)
        flow.save(
            update_fields=[
                "published_version",
                "trigger_kind",
                "trigger_event",
                "webhook_secret",
                "updated_at",
            ]
        )
        _sync_schedule(flow, trigger, actor)
        flows_stamp_bump()
        event_emit(
            type="flow.published",
            subject=flow,
            payload={"key": flow.key, "version": version.number, "trigger": kind},
            actor=actor,
        )
    return flow


def _sync_schedule(flow: Flow, trigger: dict, actor: Actor) -> None:
    name = f"flow:{flow.key}"
    if "schedule" in trigger:
        schedule_upsert(
            name=name,
            cron=trigger["schedule"],
            tz=trigger.get("timezone", "UTC"),
            task_path="soloops.automation.services.runs.flow_start_scheduled",
            kwargs={"flow_id": flow.pk},
            enabled=flow.enabled,
            actor=actor,
        )
    else:
        Schedule.objects.filter(name=name).update(enabled=False)


def flow_set_enabled(*, flow: Flow, enabled: bool, actor: Actor) -> Flow:
    with transaction.atomic():
        flow = Flow.objects.select_for_update().get(pk=flow.pk)
        if flow.enabled == enabled:
            return flow
        flow.enabled = enabled
        flow.save(update_fields=["enabled", "updated_at"])
        Schedule.objects.filter(name=f"flow:{flow.key}").update(enabled=enabled)
        flows_stamp_bump()
        event_emit(
            type="flow.enabled" if enabled else "flow.disabled",
            subject=flow,
            payload={"key": flow.key},
            actor=actor,
        )
    return flow


def flow_import(*, source: str, actor: Actor, key: str | None = None, format: str = "auto") -> Flow:
    """Save and publish in one go (the import side of export)."""
    with transaction.atomic():
        version = flow_save(source=source, actor=actor, key=key, format=format)
        return flow_publish(version=version, actor=actor)


def flows_install_defaults(*, actor: Actor) -> list[str]:
    """Install the shipped flows that are not installed yet; returns their keys. A default
    the owner edited or switched off is left as it is."""
    installed = []
    for path in sorted(DEFAULT_FLOWS_DIR.glob("*.yaml")):
        key = path.stem
        if Flow.objects.filter(key=key).exists():
            continue
        with transaction.atomic():
            flow = flow_import(source=path.read_text(), actor=actor, key=key)
            flow.is_default = True
            flow.save(update_fields=["is_default", "updated_at"])
            if key.startswith(OFF_BY_DEFAULT_PREFIX):
                flow_set_enabled(flow=flow, enabled=False, actor=actor)
        installed.append(key)
    return installed


def _shipped_before() -> dict[str, set[str]]:
    """SHA-256 of every earlier shipped text of each default flow (``shipped-before.json``,
    made from the repository's history): a flow holding one of them was never edited."""
    path = DEFAULT_FLOWS_DIR / "shipped-before.json"
    return {key: set(hashes) for key, hashes in json.loads(path.read_text()).items()}


def flows_upgrade_defaults(*, actor: Actor) -> list[str]:
    """Bring installed default flows the owner never edited up to the shipped text (a new
    version, published); returns their keys. A flow is unedited when its latest version is
    the published one and holds an earlier shipped text word for word; an owner's edit, or a
    draft saved after it, keeps the flow as it is. Switching a flow off is no edit: it is
    upgraded and stays off."""
    before = _shipped_before()
    upgraded = []
    for path in sorted(DEFAULT_FLOWS_DIR.glob("*.yaml")):
        key, source = path.stem, path.read_text()
        with transaction.atomic():
            flow = Flow.objects.select_for_update().filter(key=key, is_default=True).first()
            latest = flow and flow.versions.order_by("-number").first()
            if latest is None or latest.pk != flow.published_version_id:
                continue
            if latest.source == source:
                continue
            if hashlib.sha256(latest.source.encode()).hexdigest() not in before.get(key, ()):
                continue  # the owner's own text
            flow_import(source=source, actor=actor, key=key)
        upgraded.append(key)
    return upgraded
