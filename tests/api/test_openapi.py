"""The OpenAPI document says what the API does: one schema per name, and the errors."""

import json
import typing
from collections import defaultdict

from pydantic import BaseModel

from soloops.api import api


def _models_of_every_operation() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()

    def walk(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in found:
                return
            found.add(annotation)
            for field in annotation.model_fields.values():
                walk(field.annotation)
        for arg in typing.get_args(annotation):
            walk(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                for model in [*op.models, *(op.response_models or {}).values()]:
                    if model is not None:
                        walk(model)
    return found


def test_no_two_schemas_share_a_name():
    # OpenAPI components are keyed by class name: two classes with one name made every order
    # endpoint document the purchase-order line.
    by_name = defaultdict(set)
    for model in _models_of_every_operation():
        by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")

    assert {name: where for name, where in by_name.items() if len(where) > 1} == {}


def test_an_order_documents_its_own_lines(client, db):
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]

    order_lines = components["OrderOut"]["properties"]["lines"]["items"]["$ref"]
    po_lines = components["PurchaseOrderOut"]["properties"]["lines"]["items"]["$ref"]
    assert order_lines.endswith("/OrderLineOut")
    assert po_lines.endswith("/PurchaseOrderLineOut")
    assert set(components["OrderLineOut"]["properties"]) == {
        "sku",
        "title",
        "quantity",
        "unit_price",
        "line_total",
    }


def test_error_answers_are_documented_on_every_operation(client, db):
    # when
    schema = client.get("/api/openapi.json").json()

    # then each operation lists its 4xx answers with the one error shape
    error = "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {
        "code",
        "message",
        "field",
        "extra",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403"} <= set(responses), (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= set(responses), (method, path)
            for status in ("401", "403"):
                content = responses[status]["content"]["application/json"]
                assert content["schema"]["$ref"] == error, (method, path, status)
    create_order = schema["paths"]["/api/orders"]["post"]["responses"]
    assert "409" in create_order and "422" in create_order


def test_the_document_has_no_key_twice(client, db):
    # Ninja's int 200 and openapi_extra's "200" were both written as "200": JSON.parse keeps
    # the last, but Swagger UI's YAML parser refused the whole document (a blank /api/docs).
    repeated = []

    def remember_repeats(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend({key for key in keys if keys.count(key) > 1})
        return dict(pairs)

    response = client.get("/api/openapi.json")
    document = json.loads(response.content, object_pairs_hook=remember_repeats)

    assert repeated == []
    pdf = document["paths"]["/api/packing-slips"]["post"]["responses"]["200"]["content"]
    assert list(pdf) == ["application/pdf"]
