"""Every API operation by every role against the one role table (soloops.accounts.permissions).

A role below the operation's action gets 403 whatever it sends (the check runs before the input
is read); a role at or above it gets past the check (a 404 or 422 for the dummy input, never
401/403/5xx). The console takes its owner-only views from the same table.
"""

import re

import pytest
from ninja.constants import NOT_SET

from soloops.accounts.auth import ActorAuth
from soloops.accounts.permissions import RANK, ROLE_FOR, role_for
from soloops.api import api
from soloops.catalog.models import Supplier
from soloops.dashboard.views import flows as flow_views
from soloops.dashboard.views import products as product_views
from soloops.purchasing.models import ReorderPolicy
from tests.api.conftest import ROLES, assert_error
from tests.factories import make_variant


def _operations() -> list[tuple[str, str, str]]:
    """(method, path, action) of every operation the API serves."""
    found = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                auth = op.auth_param if op.auth_param is not NOT_SET else ActorAuth()
                for method in op.methods:
                    found.append((method, "/api" + path, auth.action_for(method)))
    return sorted(found)


OPERATIONS = _operations()


def test_the_walk_sees_every_operation():
    # a sanity floor: the walk found the routers (it would pass vacuously on an empty list)
    assert len(OPERATIONS) > 80
    assert ("POST", "/api/suppliers", "supplier.change") in OPERATIONS
    assert ("PUT", "/api/reorder-policies/{sku}", "reorder_policy.set") in OPERATIONS


def test_every_action_in_the_table_is_used_by_an_operation():
    used = {action for _m, _p, action in OPERATIONS}
    assert set(ROLE_FOR) - used == set()


@pytest.mark.parametrize(("method", "path", "action"), OPERATIONS)
def test_operation_answers_each_role_as_the_table_says(caller, method, path, action):
    # given dummy path parameters and an empty body
    url = re.sub(r"\{[^}]+\}", "1", path)
    needed = RANK[role_for(action)]

    for role in ROLES:
        # when
        response = caller(role).call(method, url, {})

        # then
        if RANK[role] < needed:
            assert_error(response, 403)
        else:
            assert response.status_code not in (401, 403), (role, response.content)
            assert response.status_code < 500, (role, response.content)


def test_staff_cannot_create_or_change_suppliers(caller):
    # given
    body = {"name": "Acme", "email": "acme@example.com"}

    # when
    refused = caller("staff").post("/api/suppliers", body)
    created = caller("owner").post("/api/suppliers", body)

    # then
    assert_error(refused, 403, "owner_only")
    assert created.status_code == 201, created.content
    assert list(Supplier.objects.values_list("name", flat=True)) == ["Acme"]
    changed = caller("staff").patch(f"/api/suppliers/{created.json()['id']}", {"name": "Evil"})
    assert_error(changed, 403, "owner_only")
    assert Supplier.objects.get().name == "Acme"


def test_staff_cannot_set_a_reorder_policy_that_sends_by_itself(caller):
    # given
    make_variant("MUG-1")

    # when
    refused = caller("staff").put("/api/reorder-policies/MUG-1", {"auto_send": True})
    allowed = caller("owner").put("/api/reorder-policies/MUG-1", {"auto_send": True})

    # then
    assert_error(refused, 403, "owner_only")
    assert allowed.status_code == 200, allowed.content
    assert ReorderPolicy.objects.get().auto_send is True


@pytest.mark.parametrize(
    ("view", "action"),
    [
        (product_views.supplier_new, "supplier.change"),
        (product_views.supplier_edit, "supplier.change"),
        (product_views.supplier_item, "supplier.change"),
        (product_views.variant_policy, "reorder_policy.set"),
        (flow_views.flow_edit, "flow.change"),
        (flow_views.flow_publish, "flow.change"),
    ],
)
def test_the_console_guards_the_same_actions_with_the_same_roles(view, action):
    assert view.console_role == role_for(action)
