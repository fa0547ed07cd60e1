"""The imports API through HTTP: upload, map, preview on the worker, import, report."""

import base64

import pytest

from soloops.catalog.models import Variant
from tests.integrations.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _body(name: str, **extra) -> dict:
    data = (FIXTURES / name).read_bytes()
    return {
        "entity": "products",
        "filename": name,
        "content_base64": base64.b64encode(data).decode(),
        **extra,
    }


def test_upload_preview_and_import_through_the_api(caller, run_after_commit):
    api = caller("staff")

    # when the file is uploaded
    created = api.post("/api/imports", _body("products_fixed.csv"))

    # then its columns are matched
    assert created.status_code == 201, created.json()
    job = created.json()
    assert job["status"] == "uploaded" and job["columns"]["price"] == "price"
    url = f"/api/imports/{job['id']}"
    assert created["Location"] == url

    # when it is previewed on the worker
    assert api.post(f"{url}/preview").status_code == 202
    run_after_commit()
    previewed = api.get(url).json()
    assert previewed["status"] == "previewed"
    assert previewed["report"]["create"] == 4
    assert not Variant.objects.exists()

    # when it is imported
    assert api.post(f"{url}/run", {"skip_bad_rows": False}).status_code == 202
    run_after_commit()
    done = api.get(url).json()
    assert done["status"] == "imported" and done["report"]["create"] == 4
    assert Variant.objects.count() == 4


def test_bad_rows_are_in_the_report_and_the_rejected_csv(caller, run_after_commit):
    api = caller("staff")
    job = api.post("/api/imports", _body("products_two_bad.csv")).json()
    url = f"/api/imports/{job['id']}"

    api.post(f"{url}/run", {"skip_bad_rows": True})
    run_after_commit()

    report = api.get(url).json()["report"]
    assert [e["text"] for e in report["errors"]] == [
        "line 3, price: '12.5.0' is not a number",
        "line 5, weight_grams: 'heavy' is not a number",
    ]
    rejected = api.get(f"{url}/rejected.csv")
    assert rejected.status_code == 200
    assert b"12.5.0" in b"".join(rejected.streaming_content)


def test_a_mapping_is_set_and_saved(caller):
    api = caller("staff")
    job = api.post("/api/imports", _body("products_fixed.csv")).json()

    mapped = api.call(
        "PUT",
        f"/api/imports/{job['id']}/mapping",
        {
            "columns": {"sku": "sku", "product": "product", "price": "price", "weight_grams": ""},
            "options": {"date_format": "dmy"},
            "save_as": "Mine",
        },
    )

    assert mapped.status_code == 200, mapped.json()
    assert mapped.json()["columns"] == {"sku": "sku", "product": "product", "price": "price"}
    saved = api.get("/api/import-mappings").json()
    assert [(m["name"], m["options"]) for m in saved] == [("Mine", {"date_format": "dmy"})]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"content_base64": "!!!"}, "content_base64", "not base64"),
        ({"content_base64": ""}, "file", "empty"),
        ({"entity": "planets"}, "entity", "kind must be one of"),
        ({"options": {"encoding": "latin-9"}}, "encoding", "encoding must be one of"),
        ({"mapping": "nope"}, "mapping", "no saved mapping"),
    ],
)
def test_bad_uploads_are_422_naming_the_field(caller, body, field, message):
    response = caller("staff").post("/api/imports", {**_body("products_fixed.csv"), **body})
    assert response.status_code == 422
    assert response.json()["field"] == field and message in response.json()["message"]


def test_a_mapping_naming_an_unknown_field_is_422(caller):
    api = caller("staff")
    job = api.post("/api/imports", _body("products_fixed.csv")).json()
    response = api.call(
        "PUT", f"/api/imports/{job['id']}/mapping", {"columns": {"sku": "sku", "price": "colour"}}
    )
    assert response.status_code == 422 and response.json()["field"] == "columns"


def test_a_viewer_reads_but_cannot_upload(caller):
    assert caller("viewer").post("/api/imports", _body("products_fixed.csv")).status_code == 403
    assert caller("viewer").get("/api/imports").status_code == 200


def test_the_list_is_paged_without_n_plus_1(caller, django_assert_num_queries):
    api = caller("staff")
    for _ in range(3):
        api.post("/api/imports", _body("products_fixed.csv"))
    # count + page, whatever the page size (the token is kept in the process)
    with django_assert_num_queries(2):
        page = api.get("/api/imports", limit=2).json()
    assert (len(page["items"]), page["has_more"]) == (2, True)
