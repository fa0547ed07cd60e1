"""The Data pages in-process: upload, map, check on the worker, import; a viewer only looks;
the pages read in Chinese without English from the catalogue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from soloops.catalog.models import Variant
from soloops.integrations.models.imports import ImportJob
from tests.dashboard.conftest import client_for, make_person
from tests.dashboard.test_chinese_pages import english_words, prose_words, read
from tests.integrations.conftest import FIXTURES

pytestmark = pytest.mark.django_db


def _upload(client, name: str, **extra):
    data = SimpleUploadedFile(name, (FIXTURES / name).read_bytes())
    return client.post("/data/", {"entity": "products", "file": data, **extra})


def _mapping(job) -> dict:
    return {f"col-{i}": job.columns.get(column, "") for i, column in enumerate(job.header)}


def test_staff_upload_check_and_import_a_file(run_after_commit):
    client = client_for(make_person("sam", "staff"))

    # when staff upload a file
    response = _upload(client, "products_two_bad.csv")

    # then its columns are matched, shown, and nothing is checked yet
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/data/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'name="col-2"' in page and '<option value="price" selected>' in page

    # when they check it (the worker runs the dry run)
    checked = client.post(
        f"/data/imports/{job.pk}/", {**_mapping(job), "date_format": "auto", "decimal": "auto"}
    )
    assert checked.status_code == 302
    assert "Checking the file" in client.get(f"/data/imports/{job.pk}/").content.decode()
    run_after_commit()

    # then the page shows each bad row, and offers to import only the good ones
    page = read(client.get(f"/data/imports/{job.pk}/").content.decode())
    assert "3 price '12.5.0' is not a number" in page
    assert "Import the good rows, skip the bad" in page
    assert not Variant.objects.exists()

    # when they import the good rows
    client.post(f"/data/imports/{job.pk}/run", {"skip_bad_rows": "1"})
    run_after_commit()

    # then
    assert sorted(Variant.objects.values_list("sku", flat=True)) == ["A-1", "A-3"]
    rejected = client.get(f"/data/imports/{job.pk}/rejected.csv")
    assert b"heavy" in b"".join(rejected.streaming_content)


def test_the_progress_fragment_polls_while_running_and_reloads_when_done(run_after_commit):
    client = client_for(make_person("sam", "staff"))
    _upload(client, "products_fixed.csv")
    job = ImportJob.objects.get()
    client.post(
        f"/data/imports/{job.pk}/", {**_mapping(job), "date_format": "auto", "decimal": "auto"}
    )

    running = client.get(f"/data/imports/{job.pk}/progress")
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "HX-Refresh" not in running

    run_after_commit()
    done = client.get(f"/data/imports/{job.pk}/progress")
    assert done["HX-Refresh"] == "true"


def test_a_bad_file_is_a_form_error_and_writes_nothing():
    client = client_for(make_person("sam", "staff"))
    response = client.post(
        "/data/", {"entity": "products", "file": SimpleUploadedFile("x.csv", b"\x00\x01\x02")}
    )
    assert response.status_code == 400
    assert "not a text file" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_mapping_without_the_sku_is_a_form_error():
    client = client_for(make_person("sam", "staff"))
    _upload(client, "products_fixed.csv")
    job = ImportJob.objects.get()
    response = client.post(
        f"/data/imports/{job.pk}/", {"col-0": "", "date_format": "auto", "decimal": "auto"}
    )
    assert response.status_code == 400
    assert "no column is mapped to sku" in response.content.decode()


def test_a_viewer_sees_imports_but_cannot_upload():
    viewer = client_for(make_person("vic", "viewer"))
    assert viewer.get("/data/").status_code == 200
    assert "Upload and match columns" not in viewer.get("/data/").content.decode()
    assert _upload(viewer, "products_fixed.csv").status_code == 403


def test_the_data_pages_read_in_chinese(run_after_commit):
    owner = make_person("lihua", "owner")
    owner.language = "zh-hans"
    owner.save(update_fields=["language"])
    client = client_for(owner)
    _upload(client, "products_two_bad.csv")
    job = ImportJob.objects.get()
    client.post(
        f"/data/imports/{job.pk}/", {**_mapping(job), "date_format": "auto", "decimal": "auto"}
    )
    run_after_commit()
    english = english_words()

    for path in ("/data/", f"/data/imports/{job.pk}/"):
        text = read(client.get(path).content.decode())
        for own in ("products_two_bad.csv", "sku", "product", "price", "weight_grams", "Alpha"):
            text = text.replace(own, "")
        assert [w for w in prose_words(text) if w.lower() in english] == [], (path, text)
    assert "不是数字" in read(client.get(f"/data/imports/{job.pk}/").content.decode())


def test_the_data_page_offers_exports_that_download(run_after_commit):
    client = client_for(make_person("vic", "viewer"))
    assert 'href="/data/export/products.csv"' in client.get("/data/").content.decode()
    response = client.get("/data/export/products.xlsx")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert client.get("/data/export/planets.csv").status_code == 404
