"""Shops installed before a default flow changed: the upgrade step `soloops init` runs
(``flows_upgrade_defaults``) brings an unedited default up to the shipped text, and leaves a
default the owner edited as the owner wrote it."""

from pathlib import Path

import pytest

from soloops.automation.models import Flow
from soloops.automation.services import (
    flow_import,
    flow_set_enabled,
    flows_install_defaults,
    flows_upgrade_defaults,
)
from soloops.automation.services.flows import DEFAULT_FLOWS_DIR
from tests.automation.conftest import SYSTEM

KEY = "review-held-orders"
# The text of the flow that shops installed before its question was reworded.
BEFORE = (Path(__file__).parent / "data" / f"{KEY}.before.yaml").read_text()
NOW = (DEFAULT_FLOWS_DIR / f"{KEY}.yaml").read_text()


@pytest.fixture
def old_shop(db):
    """The held-order review installed as it was shipped before (as the installer does it)."""
    flow = flow_import(source=BEFORE, key=KEY, actor=SYSTEM)
    Flow.objects.filter(pk=flow.pk).update(is_default=True)
    return flow


def published_source(key: str) -> str:
    return Flow.objects.select_related("published_version").get(key=key).published_version.source


def test_an_unedited_default_is_brought_up_to_the_shipped_text(old_shop):
    # when
    upgraded = flows_upgrade_defaults(actor=SYSTEM)

    # then a new version holds today's text and is live; running it again changes nothing,
    # and installing the defaults afterwards leaves it too
    assert upgraded == [KEY]
    assert published_source(KEY) == NOW
    assert old_shop.versions.count() == 2
    assert flows_upgrade_defaults(actor=SYSTEM) == []
    assert KEY not in flows_install_defaults(actor=SYSTEM)


def test_a_default_switched_off_is_upgraded_and_stays_off(old_shop):
    # given
    flow_set_enabled(flow=old_shop, enabled=False, actor=SYSTEM)

    # when
    flows_upgrade_defaults(actor=SYSTEM)

    # then
    flow = Flow.objects.get(key=KEY)
    assert published_source(KEY) == NOW
    assert flow.enabled is False


def test_a_default_the_owner_edited_is_left_alone(old_shop):
    # given the owner reworded its question
    edited = BEFORE.replace("timeout: 3d", "timeout: 5d")
    flow_import(source=edited, key=KEY, actor=SYSTEM)

    # when
    upgraded = flows_upgrade_defaults(actor=SYSTEM)

    # then
    assert upgraded == []
    assert published_source(KEY) == edited
