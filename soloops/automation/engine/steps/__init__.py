"""One module per step kind. Each defines its schema (``SCHEMA``) and the checks made before
a run (``check``, called by ``flows.document.validate``), how the step executes (``execute``:
an outcome for ``engine.outcomes.apply``) and how it describes itself in a dry run
(``dry_run``), so validation, a run and a dry run cannot drift apart. ``KINDS`` maps a step's
key word to its module."""

from types import ModuleType

from soloops.automation.flows import document as doc

from . import approve, branch, do, wait, wait_for

KINDS: dict[str, ModuleType] = {
    module.NAME: module for module in (do, branch, wait, wait_for, approve)
}


def kind_of(step: dict) -> ModuleType:
    return KINDS[doc.step_kind(step) or do.NAME]
