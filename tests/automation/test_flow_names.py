"""The shipped flows read in the reader's language; the owner's own words stay as written."""

from pathlib import Path

import yaml
from django.utils import translation

from soloops.automation.flow_names import (
    DEFAULT_FLOW_DESCRIPTIONS,
    DEFAULT_FLOW_NAMES,
    flow_display_description,
    flow_display_name,
)

DEFAULT_FLOWS = Path(__file__).resolve().parents[2] / "soloops" / "automation" / "default_flows"


def test_every_shipped_flow_has_its_name_and_description_in_chinese():
    # given every default flow document
    documents = [yaml.safe_load(path.read_text()) for path in DEFAULT_FLOWS.glob("*.yaml")]
    assert len(documents) >= 12

    for document in documents:
        # then its name and description are listed for the catalogue, and read in Chinese
        assert document["name"] in DEFAULT_FLOW_NAMES
        assert " ".join(document["description"].split()) in DEFAULT_FLOW_DESCRIPTIONS
        with translation.override("zh-hans"):
            name = flow_display_name(document["name"])
            description = flow_display_description(document["description"])
        assert name != document["name"] and not name.isascii(), name
        assert not description.isascii(), description
    assert len(DEFAULT_FLOW_NAMES) == len(documents)


def test_a_name_the_owner_wrote_stays_as_written():
    with translation.override("zh-hans"):
        assert flow_display_name("Reorder low stock (my way)") == "Reorder low stock (my way)"
        assert flow_display_name("Reorder low stock") == "低库存时补货"
        assert flow_display_description("Mine.\n") == "Mine.\n"
    with translation.override("en"):
        assert flow_display_name("Reorder low stock") == "Reorder low stock"
