"""Every form control on every console page has a label a screen reader announces: a <label>
around it or naming it, or an aria-label / aria-labelledby. Checked on each page as the owner
(who sees every form), with a shop that has something on every page."""

from html.parser import HTMLParser

import pytest

from tests.automation.conftest import probe_dir  # noqa: F401 (a fixture)
from tests.dashboard.builders import held_order, purchase_order_draft, run_awaiting_approval

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Controls(HTMLParser):
    """Collects the form controls of a page and the ids its <label for> elements name."""

    def __init__(self) -> None:
        super().__init__()
        self.label_depth = 0
        self.labelled_ids: set[str] = set()
        self.ids: set[str] = set()
        self.controls: list[tuple[str, dict, bool]] = []  # (tag, attrs, inside a <label>)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "label":
            self.label_depth += 1
            if attrs.get("for"):
                self.labelled_ids.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if tag == "input" and attrs.get("type", "text") in UNLABELLED_TYPES:
                return
            self.controls.append((tag, attrs, self.label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "label" and self.label_depth:
            self.label_depth -= 1

    def unlabelled(self) -> list[str]:
        missing = []
        for tag, attrs, inside_label in self.controls:
            labelled = (
                inside_label
                or attrs.get("id") in self.labelled_ids
                or (attrs.get("aria-label") or "").strip()
                or any(ref in self.ids for ref in (attrs.get("aria-labelledby") or "").split())
            )
            if not labelled:
                missing.append(f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>")
        return missing


@pytest.fixture
def full_shop(transactional_db, run_tasks, probe_dir):  # noqa: F811 (probe_dir is a fixture)
    """A held order, a SKU with a supplier and a purchase-order draft, a flow with a run."""
    order = held_order()
    po = purchase_order_draft()
    run = run_awaiting_approval(run_tasks)
    return {"order": order, "po": po, "run": run}


def test_every_form_control_on_every_console_page_has_a_label(full_shop, owner_client):
    order, po, run = full_shop["order"], full_shop["po"], full_shop["run"]
    sku = po.lines.first().variant.sku
    pages = [
        "/",
        "/orders/",
        f"/orders/{order.number}/",
        "/decisions/",
        "/products/",
        f"/products/{sku}/",
        "/suppliers/",
        "/purchase-orders/",
        f"/purchase-orders/{po.number}/",
        "/flows/",
        "/flows/new/",
        f"/flows/{run.flow.key}/",
        "/flows/runs/",
        f"/runs/{run.pk}/",
        "/settings/",
        "/settings/rates/",
        "/settings/review/",
        "/settings/email/",
        "/settings/users/",
        "/settings/tokens/",
    ]
    problems = {}
    checked = 0
    for path in pages:
        response = owner_client.get(path)
        assert response.status_code == 200, path
        parser = Controls()
        parser.feed(response.content.decode())
        checked += len(parser.controls)
        if parser.unlabelled():
            problems[path] = parser.unlabelled()

    assert checked > 50  # the pages do have forms: the check is not vacuous
    assert problems == {}
